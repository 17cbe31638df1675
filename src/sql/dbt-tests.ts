/**
 * dbt's tests: generic tests (unique, not_null, accepted_values, relationships, and mallard's
 * row_count) declared in property files under `tests:` or dbt 1.8's `data_tests:`, named the
 * way dbt names them (`accepted_values_orders_status__placed__shipped`), with `severity`
 * and `where` (top level or under `config:`); and singular tests, `<test-path>/*.sql`
 * queries that pass when they return no rows.
 */
import { createHash } from 'node:crypto';
import { acceptedSchema, parseArgs, refTarget, rowCountSchema, schemaError, KNOWN_TESTS, type SchemaTest } from './schema-file.js';

/** Keys of a test that configure it rather than being its arguments. */
const CONFIG_KEYS = new Set(['severity', 'where', 'config', 'name', 'tags', 'enabled', 'limit', 'warn_if', 'error_if', 'store_failures', 'meta', 'alias', 'description']);

/** Python's str() of a YAML value, as dbt flattens test arguments into names. */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/**
 * dbt's synthesize_generic_test_names: `<test>_<model>_<args flattened, sorted by name>`, the
 * short form (used when the full name is 64 characters or more) a 30-character prefix + md5.
 */
export function dbtTestName(test: string, model: string, args: Readonly<Record<string, unknown>>): { name: string; shortName: string } {
  const flat: string[] = [];
  for (const key of Object.keys(args).sort()) {
    if (key === 'model') continue;
    const v = args[key];
    const parts = Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : [v];
    flat.push(...parts.map(pyStr));
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, '_')).join('__');
  const identifier = `${test}_${model}`;
  const name = `${identifier}_${unique}`;
  const shortName = name.length >= 64 ? `${identifier.slice(0, 30)}_${createHash('md5').update(name).digest('hex')}` : name;
  return { name, shortName };
}

interface TestConfig {
  severity: 'error' | 'warn';
  where?: string;
  name?: string;
}

function testConfig(spec: Record<string, unknown>, file: string, where: string): TestConfig {
  const nested = (typeof spec['config'] === 'object' && spec['config'] !== null ? spec['config'] : {}) as Record<string, unknown>;
  const severity = String(nested['severity'] ?? spec['severity'] ?? 'error').toLowerCase();
  if (severity !== 'error' && severity !== 'warn') throw schemaError(file, `${where}: severity must be error or warn, got '${severity}'`);
  const w = nested['where'] ?? spec['where'];
  const name = spec['name'];
  return { severity, ...(w === undefined ? {} : { where: String(w) }), ...(name === undefined ? {} : { name: String(name) }) };
}

function splitSpec(spec: unknown, file: string, where: string): { kind: string; body: Record<string, unknown> } {
  if (typeof spec === 'string') return { kind: spec, body: {} };
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw schemaError(file, `${where}: a test is a name or one key (its kind) with arguments`);
  const entries = Object.entries(spec as Record<string, unknown>);
  if (entries.length !== 1) throw schemaError(file, `${where}: a test is one key (its kind), got ${entries.map(([k]) => k).join(', ')}`);
  const [kind, body] = entries[0] as [string, unknown];
  const args = (body ?? {}) as Record<string, unknown>;
  const nested = typeof args['arguments'] === 'object' && args['arguments'] !== null ? (args['arguments'] as Record<string, unknown>) : {};
  const { arguments: _, ...rest } = args;
  return { kind, body: { ...rest, ...nested } };
}

function unknownTest(file: string, where: string, kind: string): Error {
  const hint = kind.includes('.') ? ' Tests from dbt packages are not supported yet: write the check as a singular test (tests/<name>.sql returning the failing rows).' : '';
  return schemaError(file, `${where}: unknown test '${kind}' (known: ${KNOWN_TESTS}).${hint}`);
}

/** One generic test of a property file, on `column` of `model` (column undefined: a model-level test). */
export function dbtGenericTest(spec: unknown, model: string, column: string | undefined, file: string): SchemaTest {
  const where = column === undefined ? model : `${model}.${column}`;
  const { kind, body } = splitSpec(spec, file, where);
  const cfg = testConfig(body, file, `${where} ${kind}`);
  const args = Object.fromEntries(Object.entries(body).filter(([k]) => !CONFIG_KEYS.has(k)));
  const named = (a: Record<string, unknown>): string => cfg.name ?? dbtTestName(kind, model, a).name;
  const base = { model, file, severity: cfg.severity, ...(cfg.where === undefined ? {} : { where: cfg.where }) };
  if (kind === 'row_count') {
    const a = parseArgs(rowCountSchema, args, file, `${where} row_count`);
    if (a.min === undefined && a.max === undefined && a.equal === undefined) throw schemaError(file, `${where} row_count: give min, max or equal`);
    return { ...base, kind, id: named(args), ...a };
  }
  if (column === undefined) {
    if (['not_null', 'unique', 'accepted_values', 'relationships'].includes(kind)) throw schemaError(file, `${where}: ${kind} is a column test: put it under the column's tests`);
    throw unknownTest(file, where, kind);
  }
  const withColumn = { column_name: column, ...args };
  switch (kind) {
    case 'not_null':
    case 'unique':
      return { ...base, kind, column, id: named(withColumn) };
    case 'accepted_values': {
      const { quote: _, ...values } = args;
      return { ...base, kind, column, id: named(withColumn), values: parseArgs(acceptedSchema, values, file, `${where} accepted_values`).values };
    }
    case 'relationships': {
      if (typeof args['to'] !== 'string' || typeof args['field'] !== 'string') throw schemaError(file, `${where} relationships: give to: ref('model') and field: <column>`);
      const to = refTarget(args['to'], file);
      return { ...base, kind, column, id: named(withColumn), to, field: args['field'] };
    }
    default:
      throw unknownTest(file, where, kind);
  }
}
