/**
 * A rerun's reuse of the previous download, decided by DuckDB so that JavaScript never holds the
 * million terms of a portal: the terms of the new mapping (terms.parquet) against the previous
 * coverage file (requests.parquet: which request covered which term). A previous request is
 * reused while its result file is on disk and was searched since sourcegraph.maxAge's cut-off,
 * narrowed to the terms still wanted (a term to the first request covering it, in the previous
 * order); only the terms no such request covers come back, sorted, to be planned into requests.
 * The kept rows are written once to a scratch Parquet file beside the coverage (no DuckDB stays
 * open while the searches run, and the join is not made twice); the new coverage is that file
 * followed by this run's requests, as the coverage file always lists them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { partialPathFor } from '../../engine/index.js';
import { sqlString, type DuckDbHandle } from '../../duckdb/index.js';
import { COVERAGE_FILE, coverageSource, INTERMEDIATE_PARQUET, withMemoryDb, writeCoverage } from './coverage.js';
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
  /**
   * The kept coverage rows (a scratch Parquet file, undefined when none are kept: removed by
   * writeReusingCoverage or discardReuse), and the first request number after them.
   */
  selection: { kept: string | undefined; next: number };
}

/**
 * The previous requests that cannot be reused: result gone from disk, or searched before
 * `notBeforeMs` (undefined: none is too old), and how many requests there were.
 */
async function deadFiles(db: DuckDbHandle, previous: string, dir: string, notBeforeMs: number | undefined): Promise<{ dead: string[]; files: number }> {
  const rows = await db.all(`SELECT file, any_value(searched_at) AS searched_at FROM ${coverageSource(previous)} GROUP BY file`);
  const dead = rows
    .filter((r) => (notBeforeMs !== undefined && !(Date.parse(String(r['searched_at'])) >= notBeforeMs)) || !fs.existsSync(path.join(dir, String(r['file']))))
    .map((r) => String(r['file']));
  return { dead, files: rows.length };
}

/**
 * The previous coverage rows kept: of a request not `dead`, for a term of the mapping. Each term
 * is in one request of a coverage file (every writer covers a term once: reused terms are
 * narrowed to their first request, the others are planned once), so no term is kept twice. The
 * file condition names the dead requests, not the live ones: a rerun usually has none (a
 * condition on 24,000 live file names of a 100,000-dataset portal cost as much as the term join).
 */
function keptSql(previous: string | undefined, old: { dead: readonly string[]; files: number }, mappingFile: string): string {
  if (previous === undefined || old.dead.length === old.files) return 'SELECT NULL::INTEGER AS request, NULL::VARCHAR AS file, NULL::INTEGER AS pos, NULL::VARCHAR AS term, NULL::VARCHAR AS searched_at WHERE false';
  const live = old.dead.length === 0 ? '' : `c.file NOT IN (SELECT unnest(${sqlString(JSON.stringify(old.dead))}::JSON::VARCHAR[])) AND `;
  return `SELECT c.request, c.file, c.pos, c.term, c.searched_at FROM ${coverageSource(previous)} c
WHERE ${live}c.term IN (SELECT term FROM ${mappingSource(mappingFile)})`;
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
    const old = previous === undefined ? { dead: [], files: 0 } : await deadFiles(db, previous, dir, notBeforeMs);
    // The kept rows go straight to their scratch file (a temp file's name, so that a dead run's
    // is cleared as litter) and are read from it: 1.1M rows are not staged in a table first.
    const keptFile = partialPathFor(path.join(dir, `kept.${COVERAGE_FILE}`));
    let reused: Record<string, unknown>[];
    let toSearch: string[];
    let counts: Record<string, unknown> | undefined;
    try {
      await db.run(`COPY (${keptSql(previous, old, mappingFile)}) TO ${sqlString(keptFile)} ${INTERMEDIATE_PARQUET}`);
      await db.run(`CREATE TEMP VIEW sg_kept AS SELECT * FROM ${coverageSource(keptFile)}`);
      reused = await db.all('SELECT any_value(file) AS file, count(*)::BIGINT AS n, any_value(searched_at) AS searched_at FROM sg_kept GROUP BY request ORDER BY request');
      toSearch = await termsLeft(db, mappingFile);
      [counts] = await db.all(`SELECT count(DISTINCT dataset_id)::BIGINT AS datasets, (SELECT count(*) FROM sg_kept)::BIGINT AS kept,
  (SELECT coalesce(max(request) + 1, 0) FROM sg_kept)::BIGINT AS next FROM ${mappingSource(mappingFile)}`);
    } catch (e) {
      fs.rmSync(keptFile, { force: true });
      throw e;
    }
    const kept = reused.length === 0 ? undefined : keptFile;
    if (kept === undefined) fs.rmSync(keptFile, { force: true });
    return {
      terms: Number(counts?.['kept'] ?? 0) + toSearch.length,
      datasets: Number(counts?.['datasets'] ?? 0),
      reused: reused.map((r) => ({ file: String(r['file']), termCount: Number(r['n']), searchedAt: String(r['searched_at']) })),
      toSearch,
      selection: { kept, next: Number(counts?.['next'] ?? 0) },
    };
  });
}

/** Removes what `reuse` left on disk for writeReusingCoverage (a download that stops before writing its coverage). */
export function discardReuse(reuse: CoverageReuse): void {
  if (reuse.selection.kept !== undefined) fs.rmSync(reuse.selection.kept, { force: true });
}

/**
 * Writes the coverage `file` (atomically): the kept rows of `reuse` (in the previous order), then
 * `requests` (this run's, numbered after them), in one DuckDB session. Request numbers and
 * positions may have gaps (a narrowed request); their order is what counts. `file` may be the
 * previous coverage itself.
 */
export async function writeReusingCoverage(file: string, reuse: CoverageReuse, requests: readonly RequestCoverage[], memoryLimit?: string): Promise<void> {
  try {
    await writeCoverage(file, requests, memoryLimit, reuse.selection.kept === undefined ? undefined : { file: reuse.selection.kept, next: reuse.selection.next });
  } finally {
    discardReuse(reuse);
  }
}
