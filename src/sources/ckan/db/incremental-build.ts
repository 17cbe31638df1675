/**
 * ckan_api.db by an incremental load: a copy of the previous database (buildDatabaseAtomically
 * with startFrom) into which a load of only the new page files is merged (merge.ts), with the
 * listings made since. The result is what buildCkanApiDatabase gives for all the pages, except
 * pages.loaded_at, which stays the time each page was first loaded.
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { buildDatabaseAtomically, companionPaths, type DuckDbHandle } from '../../../duckdb/index.js';
import { CKAN_LOAD_SETTINGS, CKAN_ROW_GROUP_SIZE, NO_VACUUM_SETTINGS, buildCkanApiDatabase, threadSetting, type BuildCkanApiDatabaseOptions } from './build.js';
import type { ListingInput } from './deletions.js';
import type { CkanLoadSummary } from './load.js';
import { mergeCkanDelta, type MergeCounts } from './merge.js';
import { noCoercions } from './coercions.js';
import { estimateLineBytes, outOfMemoryError, parseMemoryLimit, rowGroupSizeFor } from './memory.js';

export interface PreviousCkanApi {
  /** The database to start from (the latest published ckan_api, checked against its manifest). */
  file: string;
  /** How many page files it loaded: the load order's first ones; the rest are new. */
  pages: number;
  /** How many listings it applied: the first ones of the load's; the rest are new. */
  listings: number;
  /** Its load's `invalid` count (lines without an id are in no table, only in pages.rows). */
  invalid: number;
}

export interface IncrementalCkanLoad {
  /** The database it started from. */
  from: string;
  /** New page files loaded, and their package lines. */
  pages: number;
  packages: number;
  /** Listings applied (made since the previous load). */
  listings: number;
  merged: MergeCounts;
  /**
   * Rows of replaced versions the datasets table still holds (deleted, their space not
   * reclaimed: the checkpoint does not vacuum, see INCREMENTAL_LOAD_SETTINGS), counting those the
   * previous database held. The pipeline loads in full once they pass a share of the datasets.
   */
  deadRows: number;
}

export interface IncrementalBuildResult {
  /** The counts of the whole database, as a full load of every page gives them; `coerced` counts the new pages only. */
  summary: CkanLoadSummary;
  incremental: IncrementalCkanLoad;
}

/**
 * DuckDB settings of an incremental load: no vacuum at the checkpoint. A full load leaves row
 * groups it did not fill (build.ts); vacuuming the rows of replaced versions merges them with
 * their neighbours, rewriting them: at 100,000 datasets with 1% replaced, ~40% of the file's
 * blocks (3 s of a 5 s load, the file 0.87 -> 1.23 GB, every later copy and hash of it 0.36 GB
 * more). Without it the replaced versions stay in the file as deleted rows (the file grows by
 * about the share replaced), which a full load drops (ckan-db-previous.ts decides when).
 */
export const INCREMENTAL_LOAD_SETTINGS: Readonly<Record<string, string>> = NO_VACUUM_SETTINGS;

/** Rows of deleted versions `table` still holds: its row ids run from 0 over every row written, live or deleted. */
async function deadRowsOf(db: DuckDbHandle, table: string): Promise<number> {
  const [row] = await db.all(`SELECT (coalesce(max(rowid) + 1, 0) - count(*))::BIGINT AS dead FROM ${table}`);
  return Number(row?.['dead'] ?? 0);
}

/**
 * The row group size a full load of `pageFiles` writes with (build.ts). The merge must write with
 * it too: at DuckDB's default (122,880 rows) the checkpoint after the deletions of replaced
 * versions merges every row group of the load's size that lost a row into larger ones, so it
 * rewrote the whole datasets table (100,000 datasets, 1% changed: 15 s of a 20 s load, the file
 * 1.2 GB -> 1.7 GB) and held row groups the memory limit was sized against.
 */
async function loadRowGroupSize(pageFiles: readonly string[], limit: string): Promise<number> {
  const sizes = await Promise.all(pageFiles.map(async (file) => ({ file, bytes: (await stat(file).catch(() => ({ size: 0 }))).size })));
  return Math.min(CKAN_ROW_GROUP_SIZE, rowGroupSizeFor(parseMemoryLimit(limit), await estimateLineBytes(sizes)));
}

/**
 * Builds `finalPath` from a copy of `previous.file` with the page files after its first
 * `previous.pages` of `pageFiles` loaded, and the listings of `options.listings` after its first
 * `previous.listings` applied; replaces `finalPath` only on success.
 */
export async function buildCkanApiDatabaseIncrementally(
  finalPath: string,
  previous: PreviousCkanApi,
  pageFiles: readonly string[],
  options: BuildCkanApiDatabaseOptions = {},
): Promise<IncrementalBuildResult> {
  const newPages = pageFiles.slice(previous.pages);
  const listings: ListingInput[] = (options.listings ?? []).slice(previous.listings).map((l) => ({ ...l, afterPages: Math.max(0, l.afterPages - previous.pages) }));
  const deltaFile = path.join(path.dirname(finalPath), `.${path.basename(finalPath, '.db')}.delta.${process.pid}.db`);
  const settings: Record<string, string> = { ...CKAN_LOAD_SETTINGS, ...INCREMENTAL_LOAD_SETTINGS, ...(options.memoryLimit === undefined ? {} : { memory_limit: options.memoryLimit }), ...options.settings };
  // The merge parses the new pages again (ids, organizations): on as many threads as their load.
  const newSizes = await Promise.all(newPages.map(async (file) => ({ file, bytes: (await stat(file).catch(() => ({ size: 0 }))).size })));
  Object.assign(settings, threadSetting(settings, parseMemoryLimit(settings['memory_limit'] as string), await estimateLineBytes(newSizes)));
  // The new pages load into the delta while the previous database is copied to start the build
  // (the copy is the kernel's work, the load DuckDB's: 100,000 datasets, 1% changed, 1.1-1.5 s one
  // after the other, 0.8-0.9 s at once). The copied database is opened only once the copy is done
  // and waits for the delta before the merge reads it.
  const deltaBuild = newPages.length === 0 ? Promise.resolve(undefined) : buildCkanApiDatabase(deltaFile, newPages, { ...options, listings: [] });
  deltaBuild.catch(() => undefined); // awaited by the merge; a failure while the copy runs is not unhandled
  try {
    return await buildDatabaseAtomically(finalPath, async (db) => {
      const delta = await deltaBuild;
      const merged = await mergeCkanDelta(db, delta === undefined ? undefined : deltaFile, newPages, listings);
      const [row] = await db.all(`SELECT (SELECT coalesce(sum(rows), 0) FROM pages)::BIGINT AS packages, (SELECT count(*) FROM pages)::BIGINT AS pages,
  (SELECT count(*) FROM datasets WHERE deleted_at IS NOT NULL)::BIGINT AS deleted,
  ${['datasets', 'resources', 'tags', 'extras', 'groups', 'organizations'].map((t) => `(SELECT count(*) FROM ${t})::BIGINT AS ${t}`).join(', ')}`);
      const n = (k: string): number => Number(row?.[k] ?? 0);
      const invalid = previous.invalid + (delta?.invalid ?? 0);
      const summary: CkanLoadSummary = {
        pages: n('pages'), packages: n('packages'), invalid, duplicates: n('packages') - invalid - n('datasets'), deleted: n('deleted'),
        datasets: n('datasets'), resources: n('resources'), tags: n('tags'), extras: n('extras'), groups: n('groups'), organizations: n('organizations'),
        coerced: delta?.coerced ?? noCoercions(),
      };
      const deadRows = await deadRowsOf(db, 'datasets');
      return { summary, incremental: { from: previous.file, pages: newPages.length, packages: delta?.packages ?? 0, listings: listings.length, merged, deadRows } };
    }, { settings, startFrom: previous.file, rowGroupSize: await loadRowGroupSize(pageFiles, settings['memory_limit'] as string), registry: options.registry });
  } catch (err) {
    throw outOfMemoryError(err, settings['memory_limit'] as string);
  } finally {
    await deltaBuild.catch(() => undefined); // a copy that failed: the delta's load ends before its file is removed
    await Promise.all([deltaFile, ...companionPaths(deltaFile)].map((f) => rm(f, { recursive: true, force: true })));
  }
}
