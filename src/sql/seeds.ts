/**
 * Seeds: a CSV of a dbt project's seed paths loaded as a table named after the file, typed
 * the way dbt infers seed types (agate's type tester as dbt configures it): integer, then
 * float, date `YYYY-MM-DD`, timestamp, boolean `true`/`false`, else text; an empty field is
 * NULL, a column of only empty fields an integer. `column_types` overrides per column.
 * The file is read once as text by DuckDB, the types decided in one query, then cast.
 */
import { sqlIdentifier, sqlString, type DuckDbHandle } from '../duckdb/index.js';
import { MallardError } from '../engine/index.js';
import type { Model } from './project.js';

const INTEGER = `'\\s*[-+]?[0-9]+\\s*'`;
const NUMBER = `'\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*'`;
const DATE = `'[0-9]{4}-[0-9]{2}-[0-9]{2}'`;
const TIMESTAMP = `'[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?'`;

/** dbt's order of seed types: the first whose check every non-empty value passes wins. */
const STAGES: Array<{ type: string; check: (v: string) => string }> = [
  { type: 'INTEGER', check: (v) => `regexp_full_match(${v}, ${INTEGER})` },
  { type: 'DOUBLE', check: (v) => `regexp_full_match(${v}, ${NUMBER})` },
  { type: 'DATE', check: (v) => `regexp_full_match(${v}, ${DATE}) AND TRY_CAST(${v} AS DATE) IS NOT NULL` },
  { type: 'TIMESTAMP', check: (v) => `regexp_full_match(${v}, ${TIMESTAMP}) AND TRY_CAST(${v} AS TIMESTAMP) IS NOT NULL` },
  { type: 'BOOLEAN', check: (v) => `lower(trim(${v})) IN ('true', 'false')` },
];

const value = (column: string): string => `nullif(${sqlIdentifier(column)}, '')`;

/**
 * The inferred type of each column: one query per type over the columns still undecided (most
 * columns are decided by the first), then integers that do not fit 32 bits become BIGINT.
 */
async function inferTypes(db: DuckDbHandle, raw: string, columns: string[]): Promise<Record<string, string>> {
  const types: Record<string, string> = {};
  let left = columns;
  for (const stage of STAGES) {
    if (left.length === 0) break;
    const [row] = await db.all(`SELECT ${left.map((c, i) => `bool_and(${value(c)} IS NULL OR (${stage.check(value(c))})) AS c${i}`).join(', ')} FROM ${raw}`);
    const passed = left.filter((_, i) => row?.[`c${i}`] !== false);
    for (const c of passed) types[c] = stage.type;
    left = left.filter((c) => !passed.includes(c));
  }
  for (const c of left) types[c] = 'VARCHAR';
  const ints = columns.filter((c) => types[c] === 'INTEGER');
  if (ints.length > 0) {
    const [row] = await db.all(`SELECT ${ints.map((c, i) => `coalesce(max(abs(TRY_CAST(trim(${value(c)}) AS HUGEINT))) > 2147483647, false) AS c${i}`).join(', ')} FROM ${raw}`);
    ints.forEach((c, i) => {
      if (row?.[`c${i}`] === true) types[c] = 'BIGINT';
    });
  }
  return types;
}

function castSql(column: string, type: string): string {
  const v = `nullif(${sqlIdentifier(column)}, '')`;
  if (type === 'VARCHAR') return `${v} AS ${sqlIdentifier(column)}`;
  const value = type === 'BOOLEAN' ? `lower(trim(${v}))` : `trim(${v})`;
  return `CAST(${value} AS ${type}) AS ${sqlIdentifier(column)}`;
}

/** The types the seed's columns get (inferred, or column_types), by column. */
export async function loadSeed(db: DuckDbHandle, seed: Model): Promise<Record<string, string>> {
  const raw = sqlIdentifier(`${seed.name}__dbt_seed`);
  try {
    await db.run(`CREATE OR REPLACE TEMP TABLE ${raw} AS SELECT * FROM read_csv(${sqlString(seed.file)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`);
    const columns = (await db.all(`SELECT column_name FROM (DESCRIBE ${raw})`)).map((r) => String(r['column_name']));
    const undecided = columns.filter((c) => seed.columnTypes[c] === undefined);
    const types: Record<string, string> = { ...(await inferTypes(db, raw, undecided)) };
    for (const c of columns) types[c] = seed.columnTypes[c] ?? (types[c] as string);
    const unknown = Object.keys(seed.columnTypes).filter((c) => !columns.includes(c));
    if (unknown.length > 0) throw new Error(`column_types names ${unknown.join(', ')}, not columns of the file (columns: ${columns.join(', ')})`);
    await db.run(`CREATE TABLE ${sqlIdentifier(seed.name)} AS SELECT ${columns.map((c) => castSql(c, types[c] as string)).join(', ')} FROM ${raw}`);
    await db.run(`DROP TABLE ${raw}`);
    return types;
  } catch (err) {
    const message = err instanceof MallardError && err.cause instanceof Error ? err.cause.message : (err as Error).message;
    throw new MallardError('ERR_MODEL_FAILED', `seed ${seed.name} failed (${seed.displayPath}): ${message.split('\n')[0]}`, {
      cause: err,
      context: { model: seed.name, file: seed.displayPath },
      suggestions: ['the previous database is unchanged (the build was all or nothing)', 'seeds are CSV files with a header row; column_types set a column\'s type'],
      retryable: false,
    });
  }
}
