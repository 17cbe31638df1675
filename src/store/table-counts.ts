/**
 * Row counts per table of a DuckDB file, for manifests: opened READ_ONLY through src/duckdb
 * (its registry keeps one instance per file; the client is loaded lazily there), counted by
 * its tableRowCounts, the one row count of mallard.
 */
import { MallardError, errorMessage } from '../engine/errors.js';
import { databaseKey, openDatabase, tableRowCounts, type DuckDbHandle } from '../duckdb/index.js';

/**
 * `{ table: rows }` for every table of the file (`schema.table` outside `main`), sorted by
 * name. Throws ERR_PUBLISH naming `label` (default: the file) when it is not a readable
 * DuckDB database.
 */
export async function countTableRows(dbFile: string, label = dbFile): Promise<Record<string, number>> {
  let db: DuckDbHandle | undefined;
  try {
    db = await openDatabase(dbFile, { readOnly: true });
    return await tableRowCounts(db);
  } catch (err) {
    const reason = errorMessage(err).replaceAll(databaseKey(dbFile), label).replaceAll(dbFile, label);
    throw new MallardError('ERR_PUBLISH', `Cannot read tables of ${label} as a DuckDB database: ${reason}`, {
      cause: err,
      context: { file: label },
      suggestions: ['publish a DuckDB database file whose connections are all closed'],
    });
  } finally {
    await db?.close();
  }
}
