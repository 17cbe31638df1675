/**
 * The stage of a CKAN load: every package line of every page, typed, in page and line order.
 * Small loads keep it in a temporary table (memory); large ones in a scratch database file next
 * to the target, written compressed and streamed back, so memory stays flat however many pages.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MallardError, errorMessage } from '../../../engine/errors.js';
import { MEMORY, firstLine, sqlString, type DuckDbHandle } from '../../../duckdb/index.js';
import { dropDuplicatesSql, stageFastSql, stageTolerantSql, type StageScan } from './load-sql.js';

export type StageLocation = 'memory' | 'disk' | 'auto';

/** Past this many bytes of pages, 'auto' stages on disk (~35,000 packages). */
export const STAGE_ON_DISK_BYTES = 256 * 1024 * 1024;
/** Pages per scanning statement: an order-preserving scan holds buffers per file until it ends. */
export const PAGES_PER_SCAN = 16;
const SCRATCH = 'ckan_load_scratch';
const PAGE_READ_ERROR = /JSON|No files found|Could not read|Cannot open file|No such file/i;
const STRUCTURE_ERROR = /JSON transform error/i;

export interface Stage {
  /** The qualified table name. */
  readonly name: string;
  readonly temporary: boolean;
  /** Drops the table and, on disk, detaches and deletes the scratch file. Idempotent. */
  close(): Promise<void>;
}

export interface PageBatch {
  files: readonly string[];
  firstPage: number;
}

export function pageBatches(files: readonly string[]): PageBatch[] {
  const result: PageBatch[] = [];
  for (let first = 0; first < files.length; first += PAGES_PER_SCAN) result.push({ files: files.slice(first, first + PAGES_PER_SCAN), firstPage: first });
  return result;
}

async function scratchPath(db: DuckDbHandle): Promise<string> {
  if (db.path === MEMORY) return path.join(await mkdtemp(path.join(os.tmpdir(), 'mallard-ckan-stage-')), 'stage.db');
  return `${db.path}.ckan-stage.db`;
}

async function removeScratch(file: string): Promise<void> {
  await Promise.all([file, `${file}.wal`, `${file}.tmp`].map((f) => rm(f, { recursive: true, force: true })));
  if (path.basename(file) === 'stage.db' && path.basename(path.dirname(file)).startsWith('mallard-ckan-stage-')) {
    await rm(path.dirname(file), { recursive: true, force: true });
  }
}

export async function openStage(db: DuckDbHandle, location: 'memory' | 'disk'): Promise<Stage> {
  if (location === 'memory') {
    const name = 'ckan_load_stage';
    return { name, temporary: true, close: () => db.run(`DROP TABLE IF EXISTS ${name}`) };
  }
  const file = await scratchPath(db);
  await removeScratch(file);
  await db.run(`ATTACH ${sqlString(file)} AS ${SCRATCH} (ROW_GROUP_SIZE 8192)`);
  let closed = false;
  return {
    name: `${SCRATCH}.stage`,
    temporary: false,
    close: async () => {
      if (closed) return;
      closed = true;
      await db.run(`DETACH DATABASE IF EXISTS ${SCRATCH}`).catch(() => undefined);
      await removeScratch(file);
    },
  };
}

function pageError(message: string, file: string, cause?: unknown): MallardError {
  return new MallardError('ERR_PAGE_FILE', message, {
    cause,
    context: { file },
    suggestions: ['a page file must hold one CKAN package JSON object per line: delete the bad page so that it is downloaded again'],
  });
}

function pageReadError(err: unknown, batch: readonly string[]): unknown {
  const duckdb = err instanceof MallardError && err.cause !== undefined ? errorMessage(err.cause) : errorMessage(err);
  if (!PAGE_READ_ERROR.test(duckdb)) return err;
  const named = /file "([^"]+)"/.exec(duckdb)?.[1];
  const reason = firstLine(duckdb.replace(/^[A-Za-z ]+ Error: /, ''), 300);
  return pageError(`cannot load the CKAN page ${named ?? `batch starting at ${batch[0]}`}: ${reason}`, named ?? (batch[0] as string), err);
}

async function scanPages(db: DuckDbHandle, stage: Stage, files: readonly string[], build: (scan: StageScan) => string): Promise<void> {
  for (const { files: batch, firstPage } of pageBatches(files)) {
    const sql = build({ stage: stage.name, temporary: stage.temporary, files: batch, firstPage });
    await db.run(sql).catch((err: unknown) => {
      throw pageReadError(err, batch);
    });
  }
}

/**
 * Fills the stage with the fast scan; when a package's structure does not fit the declared
 * columns (a portal oddity), starts over with the tolerant scan. Then marks duplicates.
 */
export async function stagePages(db: DuckDbHandle, stage: Stage, files: readonly string[]): Promise<void> {
  try {
    await scanPages(db, stage, files, stageFastSql);
  } catch (err) {
    if (!STRUCTURE_ERROR.test(errorMessage(err))) throw err;
    await db.run(`DROP TABLE IF EXISTS ${stage.name}`);
    await scanPages(db, stage, files, stageTolerantSql);
  }
  await db.run(dropDuplicatesSql(stage.name));
}
