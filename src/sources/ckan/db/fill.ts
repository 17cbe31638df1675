/**
 * Filling the tables of a CKAN load once the keys are read and duplicates decided: two sides on
 * two connections, at the same time unless a chunk is too large for the memory limit to hold
 * both (memory.ts sidesFitTogether; then one after the other):
 *
 * - datasets side (the given connection): per chunk, the datasets rows with their raw JSON, in
 *   one parallel scan when no line of the chunk lost to a duplicate, else paired with the keys by
 *   position (which DuckDB writes on one thread);
 * - children side (a second connection): per chunk, every line's lists staged in a temporary
 *   table, checked against the keys and cut to the kept lines by position, then resources, tags,
 *   extras, groups and the organization candidates; organizations and pages last.
 *
 * Each side reads the chunk's pages itself: parsing is cheap next to writing, and a shared stage
 * would make one side wait for the other. Each side runs in one transaction (one commit: row
 * groups are written once). Both commit only when both succeeded; otherwise both roll back,
 * leaving the tables empty.
 */
import { MallardError } from '../../../engine/errors.js';
import type { DuckDbHandle } from '../../../duckdb/index.js';
import { isStructureError, runOnPages } from './page-scans.js';
import { markDeletedSql } from './deletions.js';
import { parseMemoryLimit, sidesFitTogether } from './memory.js';
import { countStructures, countTimestamps, noCoercions, type CkanCoercions } from './coercions.js';
import {
  STAGE,
  datasetCountsSql,
  dropFromStageSql,
  insertDatasetsSql,
  insertOrganizationsSql,
  insertPagesSql,
  organizationCandidatesSql,
  scanKeys,
  stageMisalignedSql,
  stageSql,
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

/** True when a page of the chunk holds a duplicate that lost (its datasets must be paired with the keys). */
function hasDuplicates(chunk: PageScan, pagesWithDuplicates: ReadonlySet<number>): boolean {
  return chunk.files.some((_, i) => pagesWithDuplicates.has(chunk.firstPage + i));
}

async function datasetsSide(db: DuckDbHandle, chunks: readonly PageScan[], pagesWithDuplicates: ReadonlySet<number>, markDeleted: boolean): Promise<void> {
  for (const chunk of chunks) await runOnPages(db, chunk, insertDatasetsSql(chunk, hasDuplicates(chunk, pagesWithDuplicates) ? 'keys' : 'none'));
  const counts = (await db.all(datasetCountsSql()))[0] ?? {};
  if (Number(counts['datasets']) !== Number(counts['kept'])) throw misalignedError(`${String(counts['datasets'])} datasets for ${String(counts['kept'])} kept keys`, chunks[0] as PageScan);
  if (markDeleted) await db.run(markDeletedSql());
}

async function childrenSide(db: DuckDbHandle, chunks: readonly PageScan[], mode: ScanMode, pagesWithDuplicates: ReadonlySet<number>, loadedAt: Date, coerced: CkanCoercions): Promise<void> {
  for (const chunk of chunks) {
    await runOnPages(db, chunk, insertResourcesSql(chunk, mode, hasDuplicates(chunk, pagesWithDuplicates) ? 'keys' : 'none'));
    await runOnPages(db, chunk, stageSql(chunk, mode));
    const misaligned = Number((await db.all(stageMisalignedSql(chunk)))[0]?.['n'] ?? 0);
    if (misaligned !== 0) throw misalignedError(`${misaligned} staged lines`, chunk);
    await db.run(dropFromStageSql(chunk));
    await countTimestamps(db, STAGE, coerced);
    if (mode === 'tolerant') await countStructures(db, chunk, scanKeys(chunk), coerced);
    await db.run(organizationCandidatesSql(chunk));
    for (const sql of insertStagedChildrenSql()) await db.run(sql);
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
export async function fillTables(
  db: DuckDbHandle,
  chunks: readonly PageScan[],
  loadedAt: Date,
  mode: ScanMode,
  pagesWithDuplicates: ReadonlySet<number>,
  markDeleted = false,
): Promise<CkanCoercions> {
  const coerced = noCoercions();
  const other = await db.connect();
  try {
    await other.run('SET preserve_insertion_order = true');
    await Promise.all([db.run('BEGIN TRANSACTION'), other.run('BEGIN TRANSACTION')]);
    const limit = String((await db.all("SELECT current_setting('memory_limit') AS m"))[0]?.['m'] ?? '');
    const together = sidesFitTogether(parseMemoryLimit(limit), Math.max(0, ...chunks.map((c) => c.bytes)));
    const datasets = (): Promise<void> => datasetsSide(db, chunks, pagesWithDuplicates, markDeleted);
    const children = (): Promise<void> => childrenSide(other, chunks, mode, pagesWithDuplicates, loadedAt, coerced);
    const results = together
      ? await Promise.allSettled([datasets(), children()])
      : [...(await Promise.allSettled([datasets()])), ...(await Promise.allSettled([children()]))];
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
