/**
 * Filling the tables of a CKAN load once the keys are read and duplicates decided: two sides at
 * the same time on two connections, so that DuckDB's one-threaded write of the raw JSON overlaps
 * the parallel work of the child tables:
 *
 * - datasets side (the given connection): per chunk, the datasets rows with their raw JSON;
 * - children side (a second connection): per chunk, the lists staged in a temporary table, then
 *   resources, tags, extras, groups and the organization candidates; organizations and pages last.
 *
 * Each side reads the chunk's pages itself: parsing is cheap next to writing, and a shared stage
 * would make one side wait for the other. Each side runs in one transaction (one commit: row groups are written once). Both commit only
 * when both succeeded; otherwise both roll back, leaving the tables empty.
 */
import type { DuckDbHandle } from '../../../duckdb/index.js';
import { isStructureError, runOnPages } from './page-scans.js';
import { markDeletedSql } from './deletions.js';
import { countStructures, countTimestamps, noCoercions, type CkanCoercions } from './coercions.js';
import {
  STAGE,
  insertChildrenSql,
  insertDatasetsFastSql,
  insertDatasetsTolerantSql,
  insertOrganizationsSql,
  insertPagesSql,
  organizationCandidatesSql,
  scanKeys,
  stageFastSql,
  stageTolerantSql,
  type PageScan,
} from './load-sql.js';

/** 'fast': read_json with the declared columns; 'tolerant': from_json (NULL for an unexpected type). */
export type ScanMode = 'fast' | 'tolerant';

async function datasetsSide(db: DuckDbHandle, chunks: readonly PageScan[], mode: ScanMode, markDeleted: boolean): Promise<void> {
  const insert = mode === 'fast' ? insertDatasetsFastSql : insertDatasetsTolerantSql;
  for (const chunk of chunks) await runOnPages(db, chunk, insert(chunk));
  if (markDeleted) await db.run(markDeletedSql());
}

async function childrenSide(db: DuckDbHandle, chunks: readonly PageScan[], mode: ScanMode, loadedAt: Date, coerced: CkanCoercions): Promise<void> {
  const stage = mode === 'fast' ? stageFastSql : stageTolerantSql;
  for (const chunk of chunks) {
    await runOnPages(db, chunk, stage(chunk));
    await countTimestamps(db, STAGE, coerced);
    if (mode === 'tolerant') await countStructures(db, chunk, scanKeys(chunk), coerced);
    await db.run(organizationCandidatesSql(chunk));
    for (const sql of insertChildrenSql()) await db.run(sql);
    await db.run(`DROP TABLE ${STAGE}`);
  }
  await db.run(insertOrganizationsSql());
  await db.run(insertPagesSql(loadedAt));
}

/** The error to report when sides failed: one that is not a structure error first (it is not retried tolerantly). */
function firstError(results: readonly PromiseSettledResult<void>[]): unknown {
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  return errors.find((e) => !isStructureError(e)) ?? errors[0];
}

/**
 * Fills every table from the chunks (see the file comment) and returns what was coerced to NULL
 * or empty rows on the way. Throws the first failure of either side.
 */
export async function fillTables(db: DuckDbHandle, chunks: readonly PageScan[], loadedAt: Date, mode: ScanMode, markDeleted = false): Promise<CkanCoercions> {
  const coerced = noCoercions();
  const other = await db.connect();
  try {
    await other.run('SET preserve_insertion_order = true');
    await Promise.all([db.run('BEGIN TRANSACTION'), other.run('BEGIN TRANSACTION')]);
    const results = await Promise.allSettled([datasetsSide(db, chunks, mode, markDeleted), childrenSide(other, chunks, mode, loadedAt, coerced)]);
    if (results.some((r) => r.status === 'rejected')) {
      await Promise.all([db.run('ROLLBACK'), other.run('ROLLBACK')].map((p) => p.catch(() => undefined)));
      throw firstError(results);
    }
    await db.run('COMMIT');
    await other.run('COMMIT');
    return coerced;
  } finally {
    await other.close();
  }
}
