/**
 * loadCkanPages: the bulk load of downloaded CKAN pages (NDJSON, one package object per line,
 * exactly as the portal returned it) into the raw tables, in a few set-based statements.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MallardError, errorMessage } from '../../../engine/errors.js';
import { hasGlobCharacters, type DuckDbHandle, type JsonRow } from '../../../duckdb/index.js';
import { CHUNK_BYTES, chunkPages, isStructureError, pageReadError, runScan } from './chunks.js';
import {
  ORGS,
  STAGE,
  TEMP_TABLES,
  dropDuplicatesSql,
  filesTableSql,
  insertChildrenSql,
  insertDatasetsSql,
  insertOrganizationsSql,
  insertPagesSql,
  keysFastSql,
  keysTolerantSql,
  organizationCandidatesSql,
  stageFastSql,
  stageTolerantSql,
  summarySql,
  type PageFileRow,
  type PageScan,
} from './load-sql.js';

export interface LoadCkanPagesOptions {
  /** The clock giving pages.loaded_at (default: the system clock). */
  now?: () => Date;
  /** Bytes of page files per chunk (default CHUNK_BYTES); the same pages give the same tables whatever it is. */
  chunkBytes?: number;
}

export interface CkanLoadSummary {
  /** Page files loaded. */
  pages: number;
  /** Package lines read, duplicates and invalid ones included. */
  packages: number;
  /** Lines that are not a package with an `id` (in no table, but counted in pages.rows). */
  invalid: number;
  /** Lines dropped because another line had the same id and won. */
  duplicates: number;
  datasets: number;
  resources: number;
  tags: number;
  extras: number;
  groups: number;
  organizations: number;
}

const PAGE_NAME = /^page_(\d+)\.ndjson$/;

function pageError(message: string, file: string, cause?: unknown): MallardError {
  return new MallardError('ERR_PAGE_FILE', message, { cause, context: { file } });
}

async function describePages(pageFiles: readonly string[]): Promise<PageFileRow[]> {
  const seen = new Set<string>();
  const rows: PageFileRow[] = [];
  for (const given of pageFiles) {
    const file = path.resolve(given);
    if (seen.has(file)) throw pageError(`page file listed twice: ${file}`, file);
    if (hasGlobCharacters(file)) throw pageError(`page file name has a glob character (*?[]{}): ${file}`, file);
    seen.add(file);
    const info = await stat(file).catch((err: unknown) => {
      throw pageError(`cannot read page file ${file}: ${errorMessage(err)}`, file, err);
    });
    const match = PAGE_NAME.exec(path.basename(file));
    rows.push({ file, start: match ? Number(match[1]) : null, bytes: info.size });
  }
  return rows;
}

async function assertEmpty(db: DuckDbHandle): Promise<void> {
  const rows = await db.all('SELECT (SELECT count(*) FROM datasets) + (SELECT count(*) FROM pages) AS n');
  if (Number(rows[0]?.['n']) !== 0) {
    throw new MallardError('ERR_USAGE', `${db.path} already holds CKAN data: load pages into a new database`, {
      context: { file: db.path },
      suggestions: ['build ckan_api.db from scratch with buildCkanApiDatabase'],
    });
  }
}

async function readSummary(db: DuckDbHandle, withKeys: boolean): Promise<CkanLoadSummary> {
  const row: JsonRow = (await db.all(summarySql(withKeys)))[0] ?? {};
  const n = (k: string): number => Number(row[k] ?? 0);
  return {
    pages: n('pages'), packages: n('packages'), invalid: n('invalid'),
    duplicates: n('packages') - n('invalid') - n('datasets'),
    datasets: n('datasets'), resources: n('resources'), tags: n('tags'), extras: n('extras'),
    groups: n('groups'), organizations: n('organizations'),
  };
}

/**
 * Loads the page files into the (empty) raw tables created by createRawCkanSchema. `pageFiles`
 * are in page order (crawl order): on equal metadata_modified the copy from the later page wins.
 * First the keys of every line are read and duplicates decided; then chunk by chunk the typed
 * columns are staged in memory and the tables filled from the stage, in crawl order (insertion
 * order is kept, so the same pages give the same tables row for row). Returns the counts loaded.
 */
export async function loadCkanPages(db: DuckDbHandle, pageFiles: readonly string[], options: LoadCkanPagesOptions = {}): Promise<CkanLoadSummary> {
  const files = await describePages(pageFiles);
  await assertEmpty(db);
  if (files.length === 0) return readSummary(db, false);
  const loadedAt = (options.now ?? (() => new Date()))();
  const chunks = chunkPages(files, options.chunkBytes ?? CHUNK_BYTES);
  const previous = await db.all("SELECT current_setting('preserve_insertion_order') AS v");
  try {
    await db.run(`SET preserve_insertion_order = true; ${filesTableSql(files)}`);
    for (const chunk of chunks) await runScan(db, chunk, keysFastSql, keysTolerantSql);
    await db.run(dropDuplicatesSql());
    try {
      await fillTables(db, chunks, loadedAt, stageFastSql);
    } catch (err) {
      // A line whose structure does not fit the declared columns (a portal oddity): all over
      // again with the tolerant scan (rare; the rollback left the tables empty).
      if (!isStructureError(err)) throw err;
      await fillTables(db, chunks, loadedAt, stageTolerantSql);
    }
    return await readSummary(db, true);
  } finally {
    const preserve = previous[0]?.['v'] === false ? 'false' : 'true';
    const drops = TEMP_TABLES.map((t) => `DROP TABLE IF EXISTS ${t};`).join(' ');
    await db.run(`${drops} SET preserve_insertion_order = ${preserve};`).catch(() => undefined);
  }
}

/**
 * Fills every table in one transaction (one commit: the row groups are written once), chunk by
 * chunk: the chunk's typed columns are staged in a temporary table, the tables filled from it,
 * and the stage dropped. Organizations and pages come last.
 */
async function fillTables(db: DuckDbHandle, chunks: readonly PageScan[], loadedAt: Date, stage: (s: PageScan) => string): Promise<void> {
  await db.run('BEGIN TRANSACTION');
  try {
    for (const chunk of chunks) {
      await db.run(stage(chunk)).catch((err: unknown) => {
        throw pageReadError(err, chunk);
      });
      await db.run(organizationCandidatesSql(chunk));
      await db.run(insertDatasetsSql(chunk));
      for (const sql of insertChildrenSql()) await db.run(sql);
      await db.run(`DROP TABLE ${STAGE}`);
    }
    await db.run(insertOrganizationsSql());
    await db.run(insertPagesSql(loadedAt));
    await db.run('COMMIT');
  } catch (err) {
    await db.run('ROLLBACK').catch(() => undefined);
    await db.run(`DROP TABLE IF EXISTS ${STAGE}; DROP TABLE IF EXISTS ${ORGS}`).catch(() => undefined);
    throw err;
  }
}
