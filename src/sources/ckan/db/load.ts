/**
 * loadCkanPages: the bulk load of downloaded CKAN pages (NDJSON, one package object per line,
 * exactly as the portal returned it) into the raw tables, in a few set-based statements.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MallardError, errorMessage } from '../../../engine/errors.js';
import { hasGlobCharacters, type DuckDbHandle, type JsonRow } from '../../../duckdb/index.js';
import { CHUNK_BYTES, chunkPages, isStructureError, runScan } from './page-scans.js';
import { noCoercions, type CkanCoercions } from './coercions.js';
import { decideDeletions, type ListingInput } from './deletions.js';
import { fillTables } from './fill.js';
import {
  LOAD_DB,
  dropDuplicatesSql,
  filesTableSql,
  keysFastSql,
  keysTolerantSql,
  pagesWithDroppedSql,
  summarySql,
  type PageFileRow,
} from './load-sql.js';

export interface LoadCkanPagesOptions {
  /** The clock giving pages.loaded_at (default: the system clock). */
  now?: () => Date;
  /** Bytes of page files per chunk (default CHUNK_BYTES); the same pages give the same tables whatever it is. */
  chunkBytes?: number;
  /**
   * The artifacts directory: page files inside it are named relative to it in the tables
   * (pages.file, datasets.page_file), so a published database holds no local absolute path.
   */
  relativeTo?: string;
  /** Id-only listings of the portal (incremental crawls): datasets they lack get deleted_at. */
  listings?: readonly ListingInput[];
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
  /** Datasets (in `datasets`) marked deleted: a listing of the portal lacked them. */
  deleted: number;
  datasets: number;
  resources: number;
  tags: number;
  extras: number;
  groups: number;
  organizations: number;
  /** What was stored as NULL or empty rows instead of failing the load (portal oddities; `raw` keeps them). */
  coerced: CkanCoercions;
}

const PAGE_NAME = /^page_(\d+)\.ndjson$/;

function pageError(message: string, file: string, cause?: unknown): MallardError {
  return new MallardError('ERR_PAGE_FILE', message, { cause, context: { file } });
}

function storedName(file: string, relativeTo: string | undefined): string {
  if (relativeTo === undefined) return file;
  const relative = path.relative(path.resolve(relativeTo), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

async function describePages(pageFiles: readonly string[], relativeTo?: string): Promise<PageFileRow[]> {
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
    rows.push({ file, name: storedName(file, relativeTo), start: match ? Number(match[1]) : null, bytes: info.size });
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

async function readSummary(db: DuckDbHandle, withKeys: boolean, coerced: CkanCoercions = noCoercions()): Promise<CkanLoadSummary> {
  const row: JsonRow = (await db.all(summarySql(withKeys)))[0] ?? {};
  const n = (k: string): number => Number(row[k] ?? 0);
  return {
    pages: n('pages'), packages: n('packages'), invalid: n('invalid'),
    duplicates: n('packages') - n('invalid') - n('datasets'), deleted: n('deleted'),
    datasets: n('datasets'), resources: n('resources'), tags: n('tags'), extras: n('extras'),
    groups: n('groups'), organizations: n('organizations'), coerced,
  };
}

/**
 * Loads the page files into the (empty) raw tables created by createRawCkanSchema. `pageFiles`
 * are in page order (crawl order): on equal metadata_modified the copy from the later page wins.
 * First the keys of every line are read and duplicates decided; then the tables are filled chunk
 * by chunk (fill.ts), in crawl order (insertion order is kept, so the same pages give the same
 * tables row for row), in one transaction: a failure loads nothing. Returns the counts loaded.
 */
export async function loadCkanPages(db: DuckDbHandle, pageFiles: readonly string[], options: LoadCkanPagesOptions = {}): Promise<CkanLoadSummary> {
  const files = await describePages(pageFiles, options.relativeTo);
  await assertEmpty(db);
  if (files.length === 0) return readSummary(db, false);
  const loadedAt = (options.now ?? (() => new Date()))();
  const chunks = chunkPages(files, options.chunkBytes ?? CHUNK_BYTES);
  const previous = await db.all("SELECT current_setting('preserve_insertion_order') AS v");
  try {
    await db.run(`SET preserve_insertion_order = true; ATTACH ':memory:' AS ${LOAD_DB}; ${filesTableSql(files)}`);
    for (const chunk of chunks) await runScan(db, chunk, keysFastSql, keysTolerantSql);
    await db.run(dropDuplicatesSql());
    const dropped = new Map((await db.all(pagesWithDroppedSql())).map((r) => [Number(r['page']), r['duplicate'] === true]));
    const listings = options.listings ?? [];
    if (listings.length > 0) await decideDeletions(db, listings);
    let coerced: CkanCoercions;
    try {
      coerced = await fillTables(db, chunks, loadedAt, 'fast', dropped, listings.length > 0);
    } catch (err) {
      // A line whose structure does not fit the declared columns (a portal oddity): all over
      // again with the tolerant scans (rare; the rollback left the tables empty).
      if (!isStructureError(err)) throw err;
      coerced = await fillTables(db, chunks, loadedAt, 'tolerant', dropped, listings.length > 0);
    }
    return await readSummary(db, true, coerced);
  } finally {
    const preserve = previous[0]?.['v'] === false ? 'false' : 'true';
    await db.run(`DETACH DATABASE IF EXISTS ${LOAD_DB}; SET preserve_insertion_order = ${preserve};`).catch(() => undefined);
  }
}
