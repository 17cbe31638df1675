import type { DuckDbHandle } from './database.js';
import { sqlIdentifier, sqlString } from './sql.js';

/**
 * Exact row count of every table of the database (temporary tables left out), keyed by table
 * name (`schema.table` outside the `main` schema), in name order. Used by manifests.
 */
export async function tableRowCounts(db: DuckDbHandle): Promise<Record<string, number>> {
  const tables = await db.all(
    `SELECT schema_name, table_name FROM duckdb_tables()
     WHERE database_name = current_database() AND NOT temporary
     ORDER BY schema_name, table_name`,
  );
  if (tables.length === 0) return {};
  const parts = tables.map((t) => {
    const schema = String(t['schema_name']);
    const table = String(t['table_name']);
    const label = schema === 'main' ? table : `${schema}.${table}`;
    return `SELECT ${sqlString(label)} AS name, count(*)::BIGINT AS n FROM ${sqlIdentifier(schema)}.${sqlIdentifier(table)}`;
  });
  const rows = await db.all(parts.join('\nUNION ALL\n'));
  const counts = new Map(rows.map((r) => [String(r['name']), Number(r['n'])]));
  const result: Record<string, number> = {};
  for (const label of [...counts.keys()].sort()) result[label] = counts.get(label) as number;
  return result;
}
