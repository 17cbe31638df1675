/**
 * The coverage of a download — which request (result file) covered which terms, and when it was
 * searched — written by DuckDB as Parquet (`requests.parquet`: request, file, pos, term,
 * searched_at; one row per covered term), beside searches.json, which lists the requests with
 * their term counts only. The loader reads it with read_parquet, so the process loading
 * sourcegraph_api never holds the million terms of a portal-scale download; a rerun's planner
 * reads it back as requests with their terms, in their order.
 */
import fs from 'node:fs';
import { partialPathFor, withAtomicPath } from '../../engine/index.js';
import { DEFAULT_MEMORY_LIMIT, duckDbLimitBytes, duckDbSize, MEMORY, openDatabase, sqlString, type DuckDbHandle } from '../../duckdb/index.js';
import { loadRows } from '../bulk-load.js';
import type { RequestCoverage } from './searches.js';

/** Default file name of the coverage, beside searches.json. */
export const COVERAGE_FILE = 'requests.parquet';

/** DuckDB's floor for a load (the duckdb settings' minimum). */
const COVERAGE_MIN_MEMORY = 128 * 2 ** 20;

const COLUMNS = `{request: 'INTEGER', file: 'VARCHAR', pos: 'INTEGER', term: 'VARCHAR', searched_at: 'VARCHAR'}`;

/** Requests read back per statement: each groups its terms into lists apart (grouping does not spill). */
export const READ_REQUESTS_PER_QUERY = 2000;

/**
 * An in-memory DuckDB spilling to `scratch` (removed after), under `1 / share` of DuckDB's share
 * of duckdb.memoryLimit (coverage uses a quarter, the rerun's reuse a half): it runs in the
 * download's process beside the planner's terms. The
 * write only stages and copies rows (no sort); the read groups READ_REQUESTS_PER_QUERY
 * requests' terms at a time (all 1.1M terms of a portal-scale coverage at once ran out of a
 * quarter, and under the whole limit the download peaked at 1.4-1.5 GB RSS).
 */
export async function withMemoryDb<T>(memoryLimit: string | undefined, share: number, scratch: string, use: (db: DuckDbHandle) => Promise<T>): Promise<T> {
  const limit = Math.max(COVERAGE_MIN_MEMORY, Math.floor(duckDbLimitBytes(memoryLimit ?? DEFAULT_MEMORY_LIMIT) / share));
  const db = await openDatabase(MEMORY, { settings: { memory_limit: duckDbSize(limit), temp_directory: scratch } });
  try {
    return await use(db);
  } finally {
    await db.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * How the download's Parquet files are compressed: snappy costs a third of zstd's time to write
 * (the coverage and the mapping of a portal are rewritten on every rerun) for files about a third
 * larger; read_parquet reads either.
 */
export const DOWNLOAD_PARQUET = '(FORMAT parquet, COMPRESSION snappy)';

/** Scratch Parquet written and read once in the same download: not compressed. */
export const INTERMEDIATE_PARQUET = '(FORMAT parquet, COMPRESSION uncompressed)';

/** Coverage rows already numbered (a Parquet file of COLUMNS), to come first, and the request number after them. */
export interface CoverageHead {
  file: string;
  next: number;
}

/**
 * Writes `file` (atomically): `head`'s rows if any, then one row per term of `requests`, in
 * request and position order (numbered from `head.next`; staged in that order and copied with
 * insertion order kept, so nothing is sorted; readers order by request and position all the same).
 */
export async function writeCoverage(file: string, requests: readonly RequestCoverage[], memoryLimit?: string, head?: CoverageHead): Promise<void> {
  const scratch = `${partialPathFor(file)}.tmp`;
  const first = head?.next ?? 0;
  await withMemoryDb(memoryLimit, 4, scratch, async (db) => {
    await loadRows(db, 'sg_new', COLUMNS, `${scratch}/rows`, function* () {
      for (let request = 0; request < requests.length; request++) {
        const r = requests[request] as RequestCoverage;
        for (let pos = 0; pos < r.terms.length; pos++) yield { request: first + request, file: r.file, pos, term: r.terms[pos], searched_at: r.searchedAt };
      }
    });
    // The head's rows are streamed from its file into the copy, not staged in a table first
    // (a 100,000-dataset rerun's 1.1M kept rows: 1.0 s instead of 1.7-2.0 s under load).
    const rows = head === undefined ? 'sg_new' : `(SELECT request, file, pos, term, searched_at FROM ${coverageSource(head.file)} UNION ALL SELECT * FROM sg_new)`;
    await withAtomicPath(file, async (tmp) => {
      await db.run(`COPY ${rows} TO ${sqlString(tmp)} ${DOWNLOAD_PARQUET}`);
    });
  });
}

/** The requests of a coverage file with their terms, in the order written (a rerun's planner reuses them). */
export async function readCoverage(file: string, memoryLimit?: string): Promise<RequestCoverage[]> {
  return withMemoryDb(memoryLimit, 4, `${partialPathFor(file)}.read.tmp`, async (db) => {
    const [range] = await db.all(`SELECT coalesce(max(request), -1)::INTEGER AS last FROM ${coverageSource(file)}`);
    const last = Number(range?.['last'] ?? -1);
    const out: RequestCoverage[] = [];
    // Requests are numbered 0.. in the order written, so each range reads only its row groups.
    for (let from = 0; from <= last; from += READ_REQUESTS_PER_QUERY) {
      const rows = await db.all(`SELECT any_value(file) AS file, any_value(searched_at) AS searched_at, list(term ORDER BY pos) AS terms
FROM ${coverageSource(file)} WHERE request >= ${from} AND request < ${from + READ_REQUESTS_PER_QUERY} GROUP BY request ORDER BY request`);
      for (const r of rows) out.push({ file: String(r['file']), searchedAt: String(r['searched_at']), terms: r['terms'] as string[] });
    }
    return out;
  });
}

/** The SQL reading a coverage file: (request, file, pos, term, searched_at). */
export function coverageSource(file: string): string {
  return `read_parquet(${sqlString(file)})`;
}
