/**
 * `models/<group>/schema.yml`: the group's target database, the sources it reads, and the
 * tests of its models (dbt's shape: not_null, unique, accepted_values, relationships per
 * column, and row_count per model), validated with zod and normalised to `SchemaTest`s.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MallardError } from '../engine/errors.js';
import type { CompiledTemplate } from './jinja.js';

export interface SourceDecl {
  /** The name models use in source('<name>', ...). */
  name: string;
  /** The published artifact it reads (the latest `<artifact>_<ts>.db` of the site). */
  artifact: string;
  /** Tables models may read; empty = not checked before the build. */
  tables: string[];
}

interface TestBase {
  /** e.g. `unique(datasets.id)`, or dbt's name `unique_orders_order_id`: names the test in messages. */
  id: string;
  /** The model it tests (a singular test: the first model it refs). */
  model: string;
  /** The schema.yml (or the singular test's .sql) that declares it. */
  file: string;
  /** `warn`: failures are reported but do not fail the build. */
  severity: 'error' | 'warn';
  /** dbt's `where`: only rows matching it are tested. */
  where?: string;
}

export type SchemaTest = TestBase &
  (
    | { kind: 'not_null' | 'unique'; column: string }
    | { kind: 'accepted_values'; column: string; values: Array<string | number | boolean> }
    | { kind: 'relationships'; column: string; to: string; field: string }
    | { kind: 'row_count'; min?: number; max?: number; equal?: number }
    | { kind: 'singular'; refs: string[]; template: CompiledTemplate }
  );

/** Kinds of generic tests (given in a .yml). */
export const KNOWN_TESTS = 'not_null, unique, accepted_values, relationships (on columns), row_count (on models)';

export interface ModelDocs {
  model: string;
  description?: string;
  columns: Array<{ name: string; description?: string }>;
}

export interface SchemaFile {
  database?: string;
  sources: SourceDecl[];
  tests: SchemaTest[];
  /** Models the file describes (each must exist in its group). */
  models: string[];
  /** Descriptions of models and columns (written with COMMENT ON). */
  docs: ModelDocs[];
  /** Tables written as CSV and Parquet beside the published database (each must be a model of the group). */
  exports: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const name = z.string().regex(NAME, 'letters, digits and underscores, not starting with a digit');
const testSpec = z.union([z.string(), z.record(z.string(), z.unknown())]);
const columnSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  tests: z.array(testSpec).optional(),
  data_tests: z.array(testSpec).optional(),
});
const modelSchema = z.strictObject({
  name,
  description: z.string().optional(),
  columns: z.array(columnSchema).optional(),
  tests: z.array(testSpec).optional(),
  data_tests: z.array(testSpec).optional(),
});
const sourceSchema = z.strictObject({
  name,
  artifact: z.string().regex(/^[a-z0-9_]+$/, 'lowercase letters, digits and underscores').optional(),
  description: z.string().optional(),
  tables: z.array(z.union([name, z.strictObject({ name, description: z.string().optional() })])).optional(),
});
const fileSchema = z.strictObject({
  version: z.number().optional(),
  database: z.string().regex(/^[a-z0-9_]+$/, 'lowercase letters, digits and underscores').optional(),
  sources: z.array(sourceSchema).optional(),
  models: z.array(modelSchema).optional(),
  exports: z.array(name).optional(),
});

export const rowCountSchema = z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), equal: z.number().int().min(0).optional() });
export const acceptedSchema = z.strictObject({ values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) });
const relationshipsSchema = z.strictObject({ to: z.string(), field: z.string().min(1) });

export function schemaError(file: string, message: string): MallardError {
  return new MallardError('ERR_CONFIG', `${file}: ${message}`, {
    context: { file },
    suggestions: ['see models/README.md for the keys of schema.yml'],
  });
}

/** `ref('x')` or `x` → x. */
export function refTarget(to: string, file: string): string {
  const m = /^\s*ref\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\)\s*$/.exec(to) ?? /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(to);
  if (m === null) throw schemaError(file, `relationships: 'to' must be ref('model') or a model name, got '${to}'`);
  return m[1] as string;
}

export function parseArgs<T>(schema: z.ZodType<T>, value: unknown, file: string, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw schemaError(file, `${where}: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return r.data;
}

function columnTest(spec: z.infer<typeof testSpec>, model: string, column: string, file: string): SchemaTest {
  const [kind, args] = typeof spec === 'string' ? [spec, undefined] : (Object.entries(spec)[0] ?? ['', undefined]);
  if (typeof spec !== 'string' && Object.keys(spec).length !== 1) throw schemaError(file, `${model}.${column}: a test is one key (its kind), got ${Object.keys(spec).join(', ')}`);
  const base = { model, file, column, severity: 'error' as const };
  const where = `${model}.${column} ${kind}`;
  switch (kind) {
    case 'not_null':
    case 'unique':
      return { ...base, kind, id: `${kind}(${model}.${column})` };
    case 'accepted_values':
      return { ...base, kind, id: `${kind}(${model}.${column})`, values: parseArgs(acceptedSchema, args, file, where).values };
    case 'relationships': {
      const a = parseArgs(relationshipsSchema, args, file, where);
      const to = refTarget(a.to, file);
      return { ...base, kind, id: `${kind}(${model}.${column} -> ${to}.${a.field})`, to, field: a.field };
    }
    default:
      throw schemaError(file, `${model}.${column}: unknown test '${kind}' (known: ${KNOWN_TESTS})`);
  }
}

function modelTest(spec: z.infer<typeof testSpec>, model: string, file: string): SchemaTest {
  const [kind, args] = typeof spec === 'string' ? [spec, undefined] : (Object.entries(spec)[0] ?? ['', undefined]);
  if (kind !== 'row_count') throw schemaError(file, `${model}: unknown model test '${kind}' (known: ${KNOWN_TESTS})`);
  const a = parseArgs(rowCountSchema, args, file, `${model} row_count`);
  if (a.min === undefined && a.max === undefined && a.equal === undefined) throw schemaError(file, `${model} row_count: give min, max or equal`);
  const bounds = Object.entries(a).map(([k, v]) => `${k}=${v}`).join(', ');
  return { kind: 'row_count', model, file, severity: 'error', id: `row_count(${model}: ${bounds})`, ...a };
}

/** Parses the text of a schema.yml (`file` names it in errors). */
export function parseSchemaFile(text: string, file: string): SchemaFile {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw schemaError(file, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const doc = parseArgs(fileSchema, raw, file, 'schema');
  const tests: SchemaTest[] = [];
  for (const m of doc.models ?? []) {
    for (const spec of [...(m.tests ?? []), ...(m.data_tests ?? [])]) tests.push(modelTest(spec, m.name, file));
    for (const c of m.columns ?? []) {
      for (const spec of [...(c.tests ?? []), ...(c.data_tests ?? [])]) tests.push(columnTest(spec, m.name, c.name, file));
    }
  }
  const sources = (doc.sources ?? []).map((s) => ({
    name: s.name,
    artifact: s.artifact ?? s.name,
    tables: (s.tables ?? []).map((t) => (typeof t === 'string' ? t : t.name)),
  }));
  const docs = (doc.models ?? []).map((m) => ({
    model: m.name,
    ...(m.description === undefined ? {} : { description: m.description }),
    columns: (m.columns ?? []).map((c) => ({ name: c.name, ...(c.description === undefined ? {} : { description: c.description }) })),
  }));
  return { ...(doc.database === undefined ? {} : { database: doc.database }), sources, tests, models: (doc.models ?? []).map((m) => m.name), docs, exports: doc.exports ?? [] };
}
