/**
 * The term → datasets mapping of a download, straight from clean_ckan_api's
 * dataset_search_terms by DuckDB: written as a Parquet file (term, dataset_id; one row per
 * distinct pair, in no particular order: sorting a portal's million terms cost more than the rest
 * of a rerun's planning) that the loader reads with read_parquet, so no JavaScript ever holds a
 * million terms with their dataset ids. The planners (the download's and a sharded plan's)
 * read it in DuckDB (reuse.ts).
 */
import { partialPathFor, withAtomicPath } from '../../engine/index.js';
import fs from 'node:fs';
import { DOWNLOAD_PARQUET } from './coverage.js';
import { memorySettings, openDatabase, sqlString, type DuckDbHandle } from '../../duckdb/index.js';

/** Default file name of the mapping, beside searches.json. */
export const TERM_MAPPING_FILE = 'terms.parquet';

const PAIRS = `SELECT DISTINCT term, dataset_id FROM dataset_search_terms WHERE term IS NOT NULL AND term <> '' AND dataset_id IS NOT NULL`;

/** `cleanDb` opened read-only under duckdb.memoryLimit, spilling next to `scratch` (removed after). */
async function withCleanDb<T>(cleanDb: string, memoryLimit: string | undefined, scratch: string, use: (db: DuckDbHandle) => Promise<T>): Promise<T> {
  const db = await openDatabase(cleanDb, { readOnly: true, settings: { ...memorySettings(memoryLimit), temp_directory: scratch } });
  try {
    return await use(db);
  } finally {
    await db.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** `cleanDb`'s pairs written to `mappingFile` (atomically) by `db`, which has it open. */
async function copyPairs(db: DuckDbHandle, mappingFile: string): Promise<void> {
  await withAtomicPath(mappingFile, async (tmp) => {
    // The pairs are in no particular order: DuckDB need not keep one while it copies them.
    await db.run('SET preserve_insertion_order = false');
    await db.run(`COPY (${PAIRS}) TO ${sqlString(tmp)} ${DOWNLOAD_PARQUET}`);
  });
}

/** The spill folder is named as an atomic write's companion, so a dead run's is cleared as litter. */
const scratchFor = (mappingFile: string): string => `${partialPathFor(mappingFile)}.tmp`;

/**
 * Writes `mappingFile` (atomically) from `cleanDb`'s dataset_search_terms, DuckDB working
 * under `memoryLimit` (duckdb.memoryLimit) and spilling beside the mapping file.
 */
export async function writeMappingFile(cleanDb: string, mappingFile: string, memoryLimit?: string): Promise<void> {
  await withCleanDb(cleanDb, memoryLimit, scratchFor(mappingFile), (db) => copyPairs(db, mappingFile));
}

/** The SQL reading a mapping file: (term, dataset_id). */
export function mappingSource(mappingFile: string): string {
  return `read_parquet(${sqlString(mappingFile)})`;
}
