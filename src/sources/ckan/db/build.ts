/**
 * ckan_api.db from page files: a new database built atomically (temporary file, CHECKPOINT,
 * fsync, rename), with the raw schema, loaded in one transaction, inside a memory limit.
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import { buildDatabaseAtomically, type DatabaseRegistry } from '../../../duckdb/index.js';
import { loadCkanPages, type CkanLoadSummary, type LoadCkanPagesOptions } from './load.js';
import { estimateLineBytes, loadThreadsFor, maxLineBytesFor, outOfMemoryError, packagesTooLargeError, parseMemoryLimit, rowGroupSizeFor } from './memory.js';
import { createRawCkanSchema } from './schema.js';

/**
 * DuckDB settings for a load when no memory limit is given: a buffer limit well under 1 GB
 * (DuckDB spills past it into the build's own temporary directory; the process also holds parser
 * and allocator memory that the limit does not count: measured peak RSS is ~1.6x the limit).
 */
export const CKAN_LOAD_SETTINGS: Readonly<Record<string, string>> = {
  memory_limit: '400MB',
};

/**
 * DuckDB settings of a full load (a new database: nothing in it is ever deleted, so there is no
 * deleted row to vacuum): no vacuum at the checkpoint. Every INSERT of the load (one per chunk
 * and table) ends in a row group it did not fill; DuckDB's checkpoint merges such row groups
 * with their neighbours, rewriting them: at 100,000 datasets in three chunks, ~40,000 rows of raw
 * JSON (~340 MB more written, the file 1.2 GB instead of 0.86 GB, ~2 s of CPU). The rows and
 * their order are the same either way; only how many row groups hold them differs.
 */
export const NO_VACUUM_SETTINGS: Readonly<Record<string, string>> = {
  max_vacuum_tasks: '0',
};
export const FULL_LOAD_SETTINGS: Readonly<Record<string, string>> = NO_VACUUM_SETTINGS;

/** Rows per row group of ckan_api.db at most: 16,384 packages of raw JSON are ~120 MB (fewer for large packages: memory.ts). */
export const CKAN_ROW_GROUP_SIZE = 16384;

export interface BuildCkanApiDatabaseOptions extends LoadCkanPagesOptions {
  /** DuckDB's memory limit for the load (duckdb.memoryLimit, e.g. "256MB"); default CKAN_LOAD_SETTINGS. */
  memoryLimit?: string;
  /** DuckDB settings, merged over CKAN_LOAD_SETTINGS (and the memory limit). */
  settings?: Readonly<Record<string, string>>;
  registry?: DatabaseRegistry;
}

/** DuckDB's `threads` for a load of packages of `lineBytes` (loadThreadsFor), unless `settings` names them; none when every core fits. */
export function threadSetting(settings: Readonly<Record<string, string>>, limitBytes: number | undefined, lineBytes: number): Record<string, string> {
  if (settings['threads'] !== undefined) return {};
  const cores = os.availableParallelism();
  const threads = loadThreadsFor(limitBytes, lineBytes, cores);
  return threads < cores ? { threads: String(threads) } : {};
}

/** Builds `finalPath` (ckan_api.db) with the raw schema and the pages loaded; replaces it only on success. */
export async function buildCkanApiDatabase(
  finalPath: string,
  pageFiles: readonly string[],
  options: BuildCkanApiDatabaseOptions = {},
): Promise<CkanLoadSummary> {
  const settings: Record<string, string> = { ...CKAN_LOAD_SETTINGS, ...FULL_LOAD_SETTINGS, ...(options.memoryLimit === undefined ? {} : { memory_limit: options.memoryLimit }), ...options.settings };
  const limit = settings['memory_limit'] as string;
  const limitBytes = parseMemoryLimit(limit);
  const sizes = await Promise.all(pageFiles.map(async (file) => ({ file, bytes: (await stat(file).catch(() => ({ size: 0 }))).size })));
  const lineBytes = await estimateLineBytes(sizes);
  const totalBytes = sizes.reduce((n, f) => n + f.bytes, 0);
  if (limitBytes !== undefined && lineBytes > maxLineBytesFor(limitBytes) && totalBytes > limitBytes / 2) throw packagesTooLargeError(limit, lineBytes, limitBytes);
  Object.assign(settings, threadSetting(settings, limitBytes, lineBytes));
  try {
    return await buildDatabaseAtomically(
      finalPath,
      async (db) => {
        await createRawCkanSchema(db);
        return loadCkanPages(db, pageFiles, options);
      },
      { settings, rowGroupSize: Math.min(CKAN_ROW_GROUP_SIZE, rowGroupSizeFor(limitBytes, lineBytes)), registry: options.registry },
    );
  } catch (err) {
    throw outOfMemoryError(err, limit);
  }
}

/** Builds `finalPath` with the raw schema and no data (create-raw-ckan-db-tables). */
export async function buildEmptyCkanApiDatabase(finalPath: string, options: { registry?: DatabaseRegistry } = {}): Promise<void> {
  await buildDatabaseAtomically(finalPath, createRawCkanSchema, { registry: options.registry });
}
