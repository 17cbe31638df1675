/**
 * ckan_api.db from page files: a new database built atomically (temporary file, CHECKPOINT,
 * fsync, rename), with the raw schema, loaded in one transaction.
 */
import { buildDatabaseAtomically, type DatabaseRegistry } from '../../../duckdb/index.js';
import { loadCkanPages, type CkanLoadSummary, type LoadCkanPagesOptions } from './load.js';
import { createRawCkanSchema } from './schema.js';

/**
 * DuckDB settings for a load: a buffer memory limit well under 1 GB (DuckDB spills past it into
 * the build's own temporary directory; the process also holds parser and allocator memory that
 * the limit does not count: measured peak RSS is ~1.6x the limit).
 */
export const CKAN_LOAD_SETTINGS: Readonly<Record<string, string>> = {
  memory_limit: '400MB',
};

/** Rows per row group of ckan_api.db: 16,384 packages of raw JSON are ~120 MB, written as each fills. */
export const CKAN_ROW_GROUP_SIZE = 16384;

export interface BuildCkanApiDatabaseOptions extends LoadCkanPagesOptions {
  /** DuckDB settings, merged over CKAN_LOAD_SETTINGS. */
  settings?: Readonly<Record<string, string>>;
  registry?: DatabaseRegistry;
}

/** Builds `finalPath` (ckan_api.db) with the raw schema and the pages loaded; replaces it only on success. */
export async function buildCkanApiDatabase(
  finalPath: string,
  pageFiles: readonly string[],
  options: BuildCkanApiDatabaseOptions = {},
): Promise<CkanLoadSummary> {
  const settings = { ...CKAN_LOAD_SETTINGS, ...options.settings };
  return buildDatabaseAtomically(
    finalPath,
    async (db) => {
      await createRawCkanSchema(db);
      return loadCkanPages(db, pageFiles, options);
    },
    { settings, rowGroupSize: CKAN_ROW_GROUP_SIZE, registry: options.registry },
  );
}

/** Builds `finalPath` with the raw schema and no data (create-raw-ckan-db-tables). */
export async function buildEmptyCkanApiDatabase(finalPath: string, options: { registry?: DatabaseRegistry } = {}): Promise<void> {
  await buildDatabaseAtomically(finalPath, createRawCkanSchema, { registry: options.registry });
}
