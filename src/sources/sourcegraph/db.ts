/**
 * sourcegraph_api.db from result files: the files read with read_json (explicit columns, never row
 * by row) in chunks sized to duckdb.memoryLimit, each chunk's matches attributed to the terms its
 * request covered, into `searches` (one row per term and dataset, naming the request that covered
 * it) and `matches` (one row per term, dataset, match and matched line). Built atomically: the old
 * database stays until the rename. Incremental (`previous`): from a copy of the last trusted
 * build, only the terms whose covering request, its searchedAt or its datasets changed are
 * deleted and loaded again (and terms gone are deleted), which gives the same tables as a full
 * build.
 */
import path from 'node:path';
import { buildDatabaseAtomically, memoryLimitBytes, memorySettings, sqlString, sqlStringList, type DatabaseRegistry, type DuckDbHandle } from '../../duckdb/index.js';
import { chunkFiles, fileTooLargeError, largestLoadable, loadRows, objectSizeFor, type FileChunk } from '../bulk-load.js';
import { coverageSource } from './coverage.js';
import { ATT, CHUNK, columnsSql, COVER, insertSql, MAX_RESULT_BYTES, RELOAD, SOURCEGRAPH_SCHEMA, STAGE, TERMS } from './load-sql.js';
import { mappingSource } from './term-mapping.js';

/** A result file and the terms whose result it is (a request may have searched more). */
export interface CoveredRequest {
  file: string;
  terms: readonly string[];
  /** The file's searchedAt (an incremental build compares it with what it loaded before). */
  searchedAt?: string;
}

/**
 * The coverage as a coverage file (requests.parquet: file, term, searched_at, …; see
 * coverage.ts) that DuckDB reads itself, so no JavaScript holds the terms; `dir` is the folder
 * of its result files.
 */
export interface CoverageFile {
  coverageFile: string;
  dir: string;
}

export interface SourcegraphLoadSummary {
  files: number;
  searches: number;
  matches: number;
  /** Covered terms that stand for no dataset (left out). */
  unmatchedTerms: number;
  /** read_json statements the load took (chunks of files). */
  chunks: number;
  /** full: built from every file; incremental: from a copy of the previous build. */
  mode: 'full' | 'incremental';
  /** Result files read (all of them in a full build). */
  filesRead: number;
  /** Terms whose rows were deleted and loaded again, and terms only deleted (incremental). */
  reloadedTerms: number;
  removedTerms: number;
}

async function countOf(db: DuckDbHandle, sql: string): Promise<number> {
  const rows = await db.all(`SELECT (${sql})::BIGINT AS n`);
  return Number(rows[0]?.['n'] ?? 0);
}

export interface SourcegraphBuildOptions {
  registry?: DatabaseRegistry;
  /** duckdb.memoryLimit of the site config (default 25% of RAM). */
  memoryLimit?: string;
  /** Where the coverage list is staged as NDJSON (default: next to the database). */
  scratchDir?: string;
  /**
   * A trusted earlier sourcegraph_api.db of SOURCEGRAPH_SCHEMA_VERSION built the same way
   * (the caller checks): start from a copy and apply only what changed. Every request then
   * needs its searchedAt.
   */
  previous?: string;
}

async function loadLookups(db: DuckDbHandle, requests: readonly CoveredRequest[] | CoverageFile, mappingFile: string, scratch: string): Promise<void> {
  await db.run(`CREATE TEMP TABLE ${TERMS} AS SELECT term::VARCHAR AS term, dataset_id::VARCHAR AS dataset_id FROM ${mappingSource(mappingFile)}`);
  if (!Array.isArray(requests)) {
    const { coverageFile, dir } = requests as CoverageFile;
    await db.run(`CREATE TEMP TABLE ${COVER} AS
SELECT ${sqlString(dir + path.sep)} || file AS file, term, searched_at FROM ${coverageSource(coverageFile)}`);
    return;
  }
  await loadRows(db, COVER, '{file: \'VARCHAR\', term: \'VARCHAR\', searched_at: \'VARCHAR\'}', scratch, function* () {
    for (const r of requests as readonly CoveredRequest[]) for (const term of r.terms) yield { file: r.file, term, searched_at: r.searchedAt ?? null };
  });
}

/**
 * The terms an incremental build must reload (wanted: still covered and standing for a dataset)
 * or only delete: those with a (dataset, request file name, searchedAt) row on one side only —
 * new, gone, re-searched, covered by another request, or standing for other datasets. Their
 * rows are deleted; the covered ones go into temp table RELOAD.
 */
async function changedTerms(db: DuckDbHandle): Promise<{ reload: number; remove: number }> {
  // Each request's name and searchedAt once (24,507 casts at 100,000 datasets, not 1.1M).
  await db.run(`CREATE TEMP TABLE sg_files AS
SELECT file, searched_at AS raw, parse_filename(file) AS request, try_cast(searched_at AS TIMESTAMPTZ)::TIMESTAMP AS searched_at
FROM ${COVER} GROUP BY file, searched_at`);
  await db.run(`CREATE TEMP TABLE sg_new_rows AS
SELECT c.term, t.dataset_id, f.request, f.searched_at
FROM ${COVER} c JOIN sg_files f ON f.file = c.file AND f.raw IS NOT DISTINCT FROM c.searched_at JOIN ${TERMS} t ON t.term = c.term`);
  // One spillable hash join on (term, dataset): a term is changed when a row of either side has
  // no partner with the same request and searchedAt. That flags every term the two-way set
  // difference flags (and, with duplicate keys, possibly more, which only reloads them): exact.
  await db.run(`CREATE TEMP TABLE sg_changed AS
SELECT coalesce(n.term, s.term) AS term, bool_or(n.term IS NOT NULL) AS wanted
FROM sg_new_rows n FULL JOIN searches s ON s.term = n.term AND s.dataset_id = n.dataset_id
WHERE n.term IS NULL OR s.term IS NULL OR s.request IS DISTINCT FROM n.request OR s.searched_at IS DISTINCT FROM n.searched_at
GROUP BY ALL`);
  await db.run('DROP TABLE sg_new_rows');
  await db.run(`DELETE FROM matches WHERE term IN (SELECT term FROM sg_changed)`);
  await db.run(`DELETE FROM searches WHERE term IN (SELECT term FROM sg_changed)`);
  await db.run(`CREATE TEMP TABLE ${RELOAD} AS SELECT c.* FROM ${COVER} c WHERE c.term IN (SELECT term FROM sg_changed WHERE wanted)`);
  await db.run(`DELETE FROM requests WHERE request IN (SELECT DISTINCT parse_filename(file) FROM ${RELOAD})`);
  // Rows kept name their result file by the path it has now (an artifacts directory may have
  // moved). A kept row's request is its term's covering request, so this goes by request.
  await db.run(`CREATE TEMP TABLE sg_moved AS
SELECT DISTINCT f.request, f.file FROM (SELECT DISTINCT request, file FROM searches) s JOIN sg_files f ON f.request = s.request
WHERE s.file IS DISTINCT FROM f.file`);
  const [moved] = await db.all('SELECT count(*)::BIGINT AS n FROM sg_moved');
  if (Number(moved?.['n'] ?? 0) > 0) await db.run('UPDATE searches SET file = m.file FROM sg_moved m WHERE m.request = searches.request AND searches.file IS DISTINCT FROM m.file');
  await db.run('DROP TABLE sg_moved; DROP TABLE sg_files');
  const [row] = await db.all('SELECT count(*) FILTER (WHERE wanted)::BIGINT AS reload, count(*) FILTER (WHERE NOT wanted)::BIGINT AS remove FROM sg_changed');
  await db.run('DROP TABLE sg_changed');
  return { reload: Number(row?.['reload'] ?? 0), remove: Number(row?.['remove'] ?? 0) };
}

/**
 * Bytes one (term, dataset) row of `searches` costs a chunk while it is inserted (sorted and
 * appended before a checkpoint compresses it). Schema version 1 carried the request's query (up
 * to 4,000 characters) on every row and needed 4 KiB: chunks sized by input bytes alone held
 * ~86,000 rows each at 100,000 datasets and ran out of 600 MiB. With the query in `requests`, a
 * row is a term, a dataset id and two file names: measured at 100,000 datasets (1GB), 1 KiB makes
 * 18 chunks and peaks at 1,198 MB RSS, 4 KiB 57 chunks and 1,190 MB, 20% more CPU.
 */
export const SEARCH_ROW_BYTES = 1024;

/** The files of `table` in order, each with the (term, dataset) rows its terms stand for. */
async function filesOf(db: DuckDbHandle, table: string): Promise<Array<{ file: string; rows: number }>> {
  const [row] = await db.all(`SELECT coalesce(list({file: file, rows: n} ORDER BY file), []) AS files FROM
  (SELECT c.file, count(t.term)::BIGINT AS n FROM ${table} c LEFT JOIN ${TERMS} t ON t.term = c.term GROUP BY c.file)`);
  return ((row?.['files'] as Array<{ file: string; rows: unknown }> | undefined) ?? []).map((f) => ({ file: String(f.file), rows: Number(f.rows) }));
}

/**
 * The files grouped into read_json chunks under chunkBytes(limit): each file weighs its size plus
 * SEARCH_ROW_BYTES per searches row it fills, so neither the input nor the rows inserted from it
 * outgrow the budget; at most MAX_FILES_PER_CHUNK files (a heavier file alone).
 */
function chunkResultFiles(files: ReadonlyArray<{ file: string; rows: number }>, limitBytes: number): FileChunk[] {
  const maxFile = Math.min(MAX_RESULT_BYTES, largestLoadable(limitBytes));
  return chunkFiles(files.map((f) => f.file), limitBytes, maxFile, (file, size) => fileTooLargeError(file, size, limitBytes, MAX_RESULT_BYTES), (i) => (files[i] as { rows: number }).rows * SEARCH_ROW_BYTES);
}

/**
 * Builds `finalPath` (sourcegraph_api.db) from the covering requests' result files and the
 * term → datasets mapping file (Parquet: term, dataset_id); replaces the file only on success.
 */
export async function buildSourcegraphApiDatabase(
  finalPath: string,
  requests: readonly CoveredRequest[] | CoverageFile,
  mappingFile: string,
  options: SourcegraphBuildOptions = {},
): Promise<SourcegraphLoadSummary> {
  const limitBytes = memoryLimitBytes(options.memoryLimit ?? '25%');
  const incremental = options.previous !== undefined;
  return buildDatabaseAtomically(
    finalPath,
    async (db) => {
      if (!incremental) await db.run(SOURCEGRAPH_SCHEMA);
      await db.run('SET preserve_insertion_order = false');
      await loadLookups(db, requests, mappingFile, options.scratchDir ?? `${finalPath}.scratch`);
      let cover: string = COVER;
      let changed = { reload: 0, remove: 0 };
      if (incremental) {
        changed = await changedTerms(db);
        cover = RELOAD;
      }
      const files = await filesOf(db, cover);
      const chunks = chunkResultFiles(files, limitBytes);
      for (const chunk of chunks) {
        await db.run(`CREATE OR REPLACE TEMP TABLE ${STAGE} AS SELECT * FROM read_json(${sqlStringList(chunk.files)}, format = 'unstructured', filename = true,
  maximum_object_size = ${objectSizeFor(chunk)}, columns = ${columnsSql()})`);
        for (const sql of insertSql(cover)) await db.run(sql);
      }
      await db.run(`DROP TABLE IF EXISTS ${STAGE}; DROP TABLE IF EXISTS ${ATT}; DROP TABLE IF EXISTS ${CHUNK}`);
      if (incremental) await db.run('DELETE FROM requests WHERE request NOT IN (SELECT DISTINCT request FROM searches)');
      return {
        files: await countOf(db, `SELECT count(DISTINCT file) FROM ${COVER}`),
        searches: await countOf(db, 'SELECT count(*) FROM searches'),
        matches: await countOf(db, 'SELECT count(*) FROM matches'),
        unmatchedTerms: await countOf(db, `SELECT count(DISTINCT c.term) FROM ${COVER} c ANTI JOIN ${TERMS} t ON t.term = c.term`),
        chunks: chunks.length,
        mode: incremental ? 'incremental' : 'full',
        filesRead: files.length,
        reloadedTerms: incremental ? changed.reload : await countOf(db, 'SELECT count(DISTINCT term) FROM searches'),
        removedTerms: changed.remove,
      };
    },
    { registry: options.registry, settings: memorySettings(options.memoryLimit), ...(incremental ? { startFrom: options.previous } : {}) },
  );
}
