/**
 * A rerun's reuse of the previous download, decided by DuckDB so that JavaScript never holds the
 * million terms of a portal: the terms of the new mapping (terms.parquet) against the previous
 * coverage file (requests.parquet: which request covered which term). A previous request is
 * reused while its result file is on disk and was searched since sourcegraph.maxAge's cut-off,
 * narrowed to the terms still wanted (a term to the first request covering it, in the previous
 * order); only the terms no such request covers come back, sorted, to be planned into requests.
 * The new coverage is written from the same selection, made again from the previous coverage
 * (no DuckDB stays open while the searches run), and this run's requests: the reused requests
 * followed by the new, as the coverage file always lists them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { partialPathFor, withAtomicPath } from '../../engine/index.js';
import { sqlString, type DuckDbHandle } from '../../duckdb/index.js';
import { coverageSource, withMemoryDb, writeCoverage } from './coverage.js';
import type { RequestCoverage } from './searches.js';
import { mappingSource } from './term-mapping.js';

/** An earlier request kept, with how many of its terms it still covers. */
export interface ReusedRequest {
  file: string;
  termCount: number;
  searchedAt: string;
}

export interface CoverageReuse {
  /** Distinct terms of the mapping, and the datasets they stand for. */
  terms: number;
  datasets: number;
  /** Earlier requests kept, in their previous order. */
  reused: ReusedRequest[];
  /** Terms no kept request covers, sorted: the ones to search. */
  toSearch: string[];
  /** What writeReusingCoverage selects the kept rows again by, and the first request number after them. */
  selection: { previous: string | undefined; alive: readonly string[]; mappingFile: string; next: number };
}

/** The previous requests whose result is on disk and fresh (`notBeforeMs` undefined: every one). */
async function aliveFiles(db: DuckDbHandle, previous: string, dir: string, notBeforeMs: number | undefined): Promise<string[]> {
  const rows = await db.all(`SELECT file, any_value(searched_at) AS searched_at FROM ${coverageSource(previous)} GROUP BY file`);
  return rows
    .filter((r) => notBeforeMs === undefined || Date.parse(String(r['searched_at'])) >= notBeforeMs)
    .map((r) => String(r['file']))
    .filter((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * The previous coverage rows kept: of an alive request, for a term of the mapping. Each term is
 * in one request of a coverage file (every writer covers a term once: reused terms are narrowed
 * to their first request, the others are planned once), so no term is kept twice.
 */
function keptSql(previous: string | undefined, alive: readonly string[], mappingFile: string): string {
  if (previous === undefined || alive.length === 0) return 'SELECT NULL::INTEGER AS request, NULL::VARCHAR AS file, NULL::INTEGER AS pos, NULL::VARCHAR AS term, NULL::VARCHAR AS searched_at WHERE false';
  return `SELECT c.request, c.file, c.pos, c.term, c.searched_at FROM ${coverageSource(previous)} c
WHERE c.file IN (SELECT unnest(${sqlString(JSON.stringify(alive))}::JSON::VARCHAR[])) AND c.term IN (SELECT term FROM ${mappingSource(mappingFile)})`;
}

/** Terms to search read back per statement (one list each). */
const LEFT_PER_QUERY = 100_000;

/**
 * The mapping's terms no kept row covers, sorted: sorted into a table by a query that spills, then
 * read back LEFT_PER_QUERY at a time in that (insertion, rowid) order. One ordered list of a
 * portal's 1.1M terms does not spill: it ran out of half the limit (333 MiB at 1GB).
 */
async function termsLeft(db: DuckDbHandle, mappingFile: string): Promise<string[]> {
  await db.run(`CREATE TEMP TABLE sg_left AS SELECT DISTINCT m.term FROM ${mappingSource(mappingFile)} m ANTI JOIN sg_kept k ON k.term = m.term ORDER BY m.term`);
  const [count] = await db.all('SELECT count(*)::BIGINT AS n FROM sg_left');
  const out: string[] = [];
  for (let from = 0; from < Number(count?.['n'] ?? 0); from += LEFT_PER_QUERY) {
    const [row] = await db.all(`SELECT coalesce(list(term ORDER BY rowid), []) AS terms FROM sg_left WHERE rowid >= ${from} AND rowid < ${from + LEFT_PER_QUERY}`);
    for (const t of (row?.['terms'] as string[] | undefined) ?? []) out.push(String(t));
  }
  return out;
}

/**
 * What of `previous` (a coverage file, or undefined: nothing to reuse) the terms of `mappingFile`
 * can reuse; `dir` holds the result files.
 */
export async function reuseCoverage(mappingFile: string, previous: string | undefined, dir: string, notBeforeMs: number | undefined, memoryLimit?: string): Promise<CoverageReuse> {
  // Half of duckdb.memoryLimit, closed before the searches run (its buffers would stay in the process meanwhile).
  return withMemoryDb(memoryLimit, 2, `${partialPathFor(path.join(dir, 'requests.reused'))}.tmp`, async (db) => {
    const alive = previous === undefined ? [] : await aliveFiles(db, previous, dir, notBeforeMs);
    await db.run(`CREATE TEMP TABLE sg_kept AS ${keptSql(previous, alive, mappingFile)}`);
    const reused = await db.all('SELECT any_value(file) AS file, count(*)::BIGINT AS n, any_value(searched_at) AS searched_at FROM sg_kept GROUP BY request ORDER BY request');
    const toSearch = await termsLeft(db, mappingFile);
    const [counts] = await db.all(`SELECT count(DISTINCT dataset_id)::BIGINT AS datasets, (SELECT count(*) FROM sg_kept)::BIGINT AS kept,
  (SELECT coalesce(max(request) + 1, 0) FROM sg_kept)::BIGINT AS next FROM ${mappingSource(mappingFile)}`);
    return {
      terms: Number(counts?.['kept'] ?? 0) + toSearch.length,
      datasets: Number(counts?.['datasets'] ?? 0),
      reused: reused.map((r) => ({ file: String(r['file']), termCount: Number(r['n']), searchedAt: String(r['searched_at']) })),
      toSearch,
      selection: { previous, alive, mappingFile, next: Number(counts?.['next'] ?? 0) },
    };
  });
}

/**
 * Writes the coverage `file` (atomically): the kept rows of `reuse` (selected again from the
 * previous coverage, in its order: insertion order is kept, so nothing is sorted), then
 * `requests` (this run's, numbered after them). Request numbers and positions may have gaps (a
 * narrowed request); their order is what counts. `file` may be the previous coverage itself.
 */
export async function writeReusingCoverage(file: string, reuse: CoverageReuse, requests: readonly RequestCoverage[], memoryLimit?: string): Promise<void> {
  const fresh = `${partialPathFor(file)}.new.parquet`;
  const { previous, alive, mappingFile, next } = reuse.selection;
  try {
    await writeCoverage(fresh, requests, memoryLimit);
    await withMemoryDb(memoryLimit, 2, `${fresh}.tmp`, async (db) => {
      await db.run(`CREATE TEMP TABLE sg_out AS ${keptSql(previous, alive, mappingFile)}`);
      await db.run(`INSERT INTO sg_out SELECT (request + ${next})::INTEGER, file, pos, term, searched_at FROM ${coverageSource(fresh)}`);
      await withAtomicPath(file, async (tmp) => {
        await db.run(`COPY sg_out TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      });
    });
  } finally {
    fs.rmSync(fresh, { force: true });
  }
}
