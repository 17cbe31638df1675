/**
 * Filling the tables of a CKAN load once the keys are read and duplicates decided, in one
 * transaction (one commit: row groups are written once; a failure rolls it all back, leaving the
 * tables empty), one statement at a time, each read and written by DuckDB on every thread:
 *
 * - datasets, per chunk: the datasets rows with their raw JSON, in one parallel scan when no line
 *   of the chunk lost to a duplicate (unfiltered when the chunk drops no line at all), else
 *   paired with the keys by position (one thread);
 * - children, per chunk: resources straight from the pages (children-sql.ts), then the other
 *   lists staged in a temporary table, checked against the keys and cut to the kept lines by
 *   position, then tags, extras, groups and the organization candidates; organizations and
 *   pages last.
 *
 * The two were once filled at the same time on two connections: with every statement parallel
 * that only made them compete for the memory limit (spilling, and out of memory at 400MB on
 * 100,000 datasets) and cost more CPU time (bench:ckan-load, 100,000 datasets: 22.7 s at the
 * same time, 13.8 s one after the other, bare read 10.2 s).
 */
import { MallardError } from '../../../engine/errors.js';
import type { DuckDbHandle } from '../../../duckdb/index.js';
import { runOnPages } from './page-scans.js';
import { markDeletedSql } from './deletions.js';
import { countStructures, countTimestamps, noCoercions, type CkanCoercions } from './coercions.js';
import {
  ORGS,
  STAGE,
  datasetCountsSql,
  dropFromStageSql,
  fillMissingCountsSql,
  insertDatasetsSql,
  insertOrganizationsSql,
  insertPagesSql,
  missingCountsSql,
  organizationCandidatesSql,
  scanKeys,
  stageMisalignedSql,
  stageSql,
  type Pairing,
  type PageScan,
} from './load-sql.js';
import { insertResourcesSql, insertStagedChildrenSql } from './children-sql.js';

/** The stage's scan. 'fast': read_json with the declared columns (fails on a structure that does not fit); 'tolerant': from_json (NULL for an unexpected type). */
export type ScanMode = 'fast' | 'tolerant';

/** The scans disagree with the keys on which line is which: a defect, never a portal's doing. */
function misalignedError(what: string, chunk: PageScan): MallardError {
  return new MallardError('ERR_INTERNAL', `the CKAN load's scans disagree with its keys (${what}), in the pages from ${chunk.files[0] ?? '?'}: nothing was loaded`, {
    context: { file: chunk.files[0] ?? '' },
  });
}

/**
 * The pages holding a line the load leaves out (load-sql.ts pagesWithDroppedSql): page order
 * index -> true when one of those lines is a duplicate that lost, false when each lacks an id.
 */
export type DroppedPages = ReadonlyMap<number, boolean>;

/** How a chunk's scans keep lines: 'keys' where a duplicate lost, 'with-id' where only lines without an id are left out, else 'all'. */
export function pairingOf(chunk: PageScan, dropped: DroppedPages): Pairing {
  const pages = chunk.files.map((_, i) => dropped.get(chunk.firstPage + i));
  if (pages.includes(true)) return 'keys';
  return pages.includes(false) ? 'with-id' : 'all';
}

async function fillDatasets(db: DuckDbHandle, chunks: readonly PageScan[], dropped: DroppedPages, markDeleted: boolean): Promise<void> {
  for (const chunk of chunks) await runOnPages(db, chunk, insertDatasetsSql(chunk, pairingOf(chunk, dropped)));
  const counts = (await db.all(datasetCountsSql()))[0] ?? {};
  if (Number(counts['datasets']) !== Number(counts['kept'])) throw misalignedError(`${String(counts['datasets'])} datasets for ${String(counts['kept'])} kept keys`, chunks[0] as PageScan);
  if (markDeleted) await db.run(markDeletedSql());
}

async function fillChildren(db: DuckDbHandle, chunks: readonly PageScan[], mode: ScanMode, dropped: DroppedPages, loadedAt: Date, coerced: CkanCoercions): Promise<void> {
  const missingCounts = Number((await db.all(missingCountsSql()))[0]?.['n'] ?? 0) > 0;
  for (const chunk of chunks) {
    await runOnPages(db, chunk, insertResourcesSql(chunk, mode, pairingOf(chunk, dropped)));
    await runOnPages(db, chunk, stageSql(chunk, mode));
    const misaligned = Number((await db.all(stageMisalignedSql(chunk)))[0]?.['n'] ?? 0);
    if (misaligned !== 0) throw misalignedError(`${misaligned} staged lines`, chunk);
    await db.run(dropFromStageSql(chunk));
    if (missingCounts) await db.run(fillMissingCountsSql());
    await countTimestamps(db, STAGE, coerced);
    if (mode === 'tolerant') await countStructures(db, chunk, scanKeys(chunk), coerced);
    await db.run(organizationCandidatesSql(chunk));
    for (const sql of insertStagedChildrenSql()) await db.run(sql);
    await db.run(`DROP TABLE ${STAGE}`);
  }
  await db.run(`${insertOrganizationsSql()}; DROP TABLE ${ORGS}`);
  await db.run(insertPagesSql(loadedAt));
}

/**
 * Fills every table from the chunks (see the file comment) and returns what was coerced to NULL
 * or empty rows on the way. Throws the first failure, with nothing loaded.
 */
export async function fillTables(
  db: DuckDbHandle,
  chunks: readonly PageScan[],
  loadedAt: Date,
  mode: ScanMode,
  dropped: DroppedPages,
  markDeleted = false,
): Promise<CkanCoercions> {
  const coerced = noCoercions();
  await db.run('BEGIN TRANSACTION');
  try {
    await fillDatasets(db, chunks, dropped, markDeleted);
    await fillChildren(db, chunks, mode, dropped, loadedAt, coerced);
  } catch (err) {
    await db.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
  await db.run('COMMIT');
  return coerced;
}
