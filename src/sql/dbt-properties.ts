/**
 * dbt property files (any .yml under the model and seed paths): descriptions, `config:` and
 * tests of models and seeds, and the sources models read. Read leniently like dbt (keys
 * mallard does not use are ignored); snapshots declared in YAML are refused.
 */
import { parseDbtYaml as parseYaml } from './dbt-yaml.js';
import { MallardError } from '../engine/errors.js';
import { dbtGenericTest } from './dbt-tests.js';
import type { ColumnDoc } from './project.js';
import { schemaError, type SchemaTest, type SourceDecl } from './schema-file.js';

export interface NodeProperties {
  name: string;
  file: string;
  description?: string;
  columns: ColumnDoc[];
  config: Record<string, unknown>;
  /** Generic tests of the node and its columns, in file order (not yet built: the node may be a seed or missing). */
  tests: Array<{ spec: unknown; column?: string }>;
}

export interface PropertyFile {
  nodes: NodeProperties[];
  sources: SourceDecl[];
}

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function list(v: unknown, file: string, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw schemaError(file, `${where} must be a list`);
  return v;
}

function testSpecs(node: Dict, file: string, where: string): unknown[] {
  return [...list(node['tests'], file, `${where}.tests`), ...list(node['data_tests'], file, `${where}.data_tests`)];
}

function nodeProperties(raw: unknown, file: string, where: string): NodeProperties {
  if (!isDict(raw) || typeof raw['name'] !== 'string') throw schemaError(file, `${where}: each entry needs a name`);
  const name = raw['name'];
  const columns: ColumnDoc[] = [];
  const tests: NodeProperties['tests'] = testSpecs(raw, file, name).map((spec) => ({ spec }));
  for (const c of list(raw['columns'], file, `${name}.columns`)) {
    if (!isDict(c) || typeof c['name'] !== 'string') throw schemaError(file, `${name}.columns: each column needs a name`);
    const column = c['name'];
    columns.push({ name: column, ...(typeof c['description'] === 'string' ? { description: c['description'] } : {}) });
    for (const spec of testSpecs(c, file, `${name}.${column}`)) tests.push({ spec, column });
  }
  return {
    name,
    file,
    ...(typeof raw['description'] === 'string' ? { description: raw['description'] } : {}),
    columns,
    config: isDict(raw['config']) ? raw['config'] : {},
    tests,
  };
}

function sourceDecl(raw: unknown, file: string): SourceDecl {
  if (!isDict(raw) || typeof raw['name'] !== 'string') throw schemaError(file, 'sources: each source needs a name');
  const meta = (isDict(raw['meta']) ? raw['meta'] : isDict(raw['config']) && isDict(raw['config']['meta']) ? raw['config']['meta'] : {}) as Dict;
  const tables = list(raw['tables'], file, `sources.${raw['name']}.tables`).map((t) => (isDict(t) ? String(t['name']) : String(t)));
  return { name: raw['name'], artifact: typeof meta['artifact'] === 'string' ? meta['artifact'] : raw['name'], tables };
}

/** Parses one property file (`file` is its display path). */
export function parsePropertyFile(text: string, file: string): PropertyFile {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw schemaError(file, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isDict(doc)) throw schemaError(file, 'a property file is a mapping (version, models, seeds, sources)');
  if (doc['snapshots'] !== undefined) {
    throw new MallardError('ERR_DBT_UNSUPPORTED', `${file}: snapshots are not supported yet`, {
      context: { file },
      suggestions: ['remove the snapshots: entries (keep history with an incremental model instead), then run again'],
    });
  }
  const nodes = [
    ...list(doc['models'], file, 'models').map((m, i) => nodeProperties(m, file, `models[${i}]`)),
    ...list(doc['seeds'], file, 'seeds').map((m, i) => nodeProperties(m, file, `seeds[${i}]`)),
  ];
  return { nodes, sources: list(doc['sources'], file, 'sources').map((s) => sourceDecl(s, file)) };
}

/** The generic tests of a node's properties, named as dbt names them. */
export function nodeTests(props: NodeProperties): SchemaTest[] {
  return props.tests.map((t) => dbtGenericTest(t.spec, props.name, t.column, props.file));
}
