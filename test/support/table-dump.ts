/**
 * Every table of a DuckDB file, each ORDER BY all its columns: two databases that must hold the
 * same data (an incremental build and a full one) compare equal whatever their row order.
 */
import { DatabaseRegistry, openDatabase, sqlIdentifier, type JsonRow } from '../../src/duckdb/index.js';

/** `exclude`: columns left out, as `table.column` (e.g. pages.loaded_at). */
export async function sortedTables(file: string, exclude: readonly string[] = []): Promise<Record<string, JsonRow[]>> {
  const db = await openDatabase(file, { readOnly: true, registry: new DatabaseRegistry() });
  try {
    const tables = (await db.all(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name`)).map((r) => String(r['table_name']));
    const result: Record<string, JsonRow[]> = {};
    for (const table of tables) {
      const skipped = exclude.filter((e) => e.startsWith(`${table}.`)).map((e) => sqlIdentifier(e.slice(table.length + 1)));
      const columns = skipped.length === 0 ? '*' : `* EXCLUDE (${skipped.join(', ')})`;
      result[table] = await db.all(`SELECT ${columns} FROM ${sqlIdentifier(table)} ORDER BY ALL`);
    }
    return result;
  } finally {
    await db.close();
  }
}
