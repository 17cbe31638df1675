/**
 * `dbt_project.yml`: the project's paths, vars and folder-level configs (`models:` and
 * `seeds:` trees, `+materialized` or `materialized`, the deepest folder winning), and the
 * features mallard refuses with a clear error naming the file (hooks).
 */
import { parseDbtYaml as parseYaml } from './dbt-yaml.js';
import { MallardError } from '../engine/errors.js';
import { schemaError } from './schema-file.js';

export interface DbtProjectFile {
  name: string;
  file: string;
  modelPaths: string[];
  seedPaths: string[];
  macroPaths: string[];
  testPaths: string[];
  snapshotPaths: string[];
  /** dbt's target-path: where the compiled-template cache goes. */
  targetPath: string;
  vars: Record<string, unknown>;
  models: Record<string, unknown>;
  seeds: Record<string, unknown>;
}

type Dict = Record<string, unknown>;

/** Config keys that may be written without `+` in the folder trees. */
const CONFIG_KEYS = new Set([
  'materialized', 'enabled', 'tags', 'schema', 'database', 'alias', 'unique_key', 'incremental_strategy', 'tombstone', 'column_types',
  'pre-hook', 'post-hook', 'pre_hook', 'post_hook', 'persist_docs', 'full_refresh', 'on_schema_change', 'docs', 'meta',
  'quote_columns', 'delimiter', 'sql_header', 'contract', 'grants', 'severity', 'group', 'access', 'quoting',
]);

const HOOK_KEYS = ['pre-hook', 'post-hook', 'pre_hook', 'post_hook'];

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function paths(doc: Dict, key: string, fallback: string, file: string): string[] {
  const v = doc[key] ?? [fallback];
  if (!Array.isArray(v) || v.some((p) => typeof p !== 'string')) throw schemaError(file, `${key} must be a list of folders`);
  return v as string[];
}

export function unsupported(file: string, what: string, todo: string): MallardError {
  return new MallardError('ERR_DBT_UNSUPPORTED', `${file}: ${what} are not supported yet`, { context: { file }, suggestions: [todo] });
}

/** Parses dbt_project.yml (`file` is its display path). */
export function parseDbtProjectFile(text: string, file: string): DbtProjectFile {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw schemaError(file, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isDict(doc) || typeof doc['name'] !== 'string') throw schemaError(file, "needs 'name:' (the project name)");
  for (const key of ['on-run-start', 'on-run-end']) {
    const v = doc[key];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) {
      throw unsupported(file, `hooks (${key})`, `remove ${key}: put the statements in a model, or run them in DuckDB before or after`);
    }
  }
  const name = doc['name'];
  const rawVars = isDict(doc['vars']) ? doc['vars'] : {};
  const scoped = isDict(rawVars[name]) ? (rawVars[name] as Dict) : {};
  const vars = { ...Object.fromEntries(Object.entries(rawVars).filter(([k]) => k !== name)), ...scoped };
  return {
    name,
    file,
    modelPaths: paths(doc, 'model-paths', 'models', file),
    seedPaths: paths(doc, 'seed-paths', 'seeds', file),
    macroPaths: paths(doc, 'macro-paths', 'macros', file),
    testPaths: paths(doc, 'test-paths', 'tests', file),
    snapshotPaths: paths(doc, 'snapshot-paths', 'snapshots', file),
    targetPath: typeof doc['target-path'] === 'string' ? doc['target-path'] : 'target',
    vars,
    models: isDict(doc['models']) ? doc['models'] : {},
    seeds: isDict(doc['seeds']) ? doc['seeds'] : {},
  };
}

function configsOf(node: Dict): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('+')) out[k.slice(1)] = v;
    else if (CONFIG_KEYS.has(k) && (!isDict(v) || k === 'column_types' || k === 'meta' || k === 'persist_docs' || k === 'docs')) out[k] = v;
  }
  return out;
}

/**
 * The folder config of a node at `dirs` (folders below its model or seed path) named `name`:
 * the tree's top, then the project's entry, then each folder, then the node's own key.
 */
export function folderConfig(tree: Dict, project: string, dirs: readonly string[], name: string, file: string): Dict {
  const config: Dict = { ...configsOf(tree) };
  let node: unknown = tree[project];
  for (const step of [...dirs, name]) {
    if (!isDict(node)) break;
    Object.assign(config, configsOf(node));
    node = node[step];
  }
  if (isDict(node)) Object.assign(config, configsOf(node));
  checkHooks(config, file);
  return config;
}

/** Hooks in a config (folder, property file or config()) are refused, naming where they were set. */
export function checkHooks(config: Dict, file: string): void {
  for (const key of HOOK_KEYS) {
    const v = config[key];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0) || v === '') continue;
    throw unsupported(file, `hooks (${key})`, `remove ${key}: put the statement in a model of its own, or run it in DuckDB before or after`);
  }
}
