/**
 * Row counts per table of a DuckDB file, opened READ_ONLY. The only place the store touches
 * DuckDB; the client is imported lazily so commands that never publish stay fast.
 */
import { MallardError, errorMessage } from '../engine/errors.js';

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `{ table: rows }` for every base table of the file (`schema.table` outside `main`), sorted
 * by name. Throws ERR_PUBLISH naming `label` (default: the file) when it is not a readable
 * DuckDB database.
 */
export async function countTableRows(dbFile: string, label = dbFile): Promise<Record<string, number>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  let instance: Awaited<ReturnType<typeof DuckDBInstance.create>> | undefined;
  let connection: Awaited<ReturnType<NonNullable<typeof instance>['connect']>> | undefined;
  try {
    instance = await DuckDBInstance.create(dbFile, { access_mode: 'READ_ONLY' });
    connection = await instance.connect();
    const tables = await connection.runAndReadAll(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_catalog = current_database() AND table_type = 'BASE TABLE'
       ORDER BY table_schema, table_name`,
    );
    const names = tables.getRows().map(([schema, table]) => ({ schema: String(schema), table: String(table) }));
    if (names.length === 0) return {};
    const sql = names
      .map((t, i) => `SELECT ${i} AS i, count(*) AS n FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)}`)
      .join(' UNION ALL ');
    const counts = await connection.runAndReadAll(sql);
    const result: Record<string, number> = {};
    const byIndex = new Map(counts.getRows().map(([i, n]) => [Number(i), Number(n)]));
    names.forEach((t, i) => {
      result[t.schema === 'main' ? t.table : `${t.schema}.${t.table}`] = byIndex.get(i) ?? 0;
    });
    return result;
  } catch (err) {
    const reason = errorMessage(err).replaceAll(dbFile, label);
    throw new MallardError('ERR_PUBLISH', `Cannot read tables of ${label} as a DuckDB database: ${reason}`, {
      cause: err,
      context: { file: label },
      suggestions: ['publish a DuckDB database file whose connections are all closed'],
    });
  } finally {
    connection?.closeSync();
    instance?.closeSync();
  }
}
