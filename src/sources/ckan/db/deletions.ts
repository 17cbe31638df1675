/**
 * Deleted datasets, from id-only listings of the portal (incremental crawls): a dataset is
 * deleted when a listing made after its last appearance in the pages lacks it, and no later
 * listing has it; `deleted_at` is the time of the first such listing. Deleted datasets stay in
 * the tables (with their last version), marked.
 */
import { sqlString, sqlStringList, type DuckDbHandle } from '../../../duckdb/index.js';
import { LOAD_DB } from './load-sql.js';

export interface ListingInput {
  /** The listing's id pages (NDJSON, one {"id": ...} per line). */
  files: readonly string[];
  listedAt: Date;
  /** How many of the load's page files (in load order) were crawled before the listing. */
  afterPages: number;
}

const LISTINGS = `${LOAD_DB}.listings`;
const LISTED = `${LOAD_DB}.listed`;
export const DELETED = `${LOAD_DB}.deleted`;

function ts(date: Date): string {
  return `TIMESTAMP ${sqlString(date.toISOString().replace('T', ' ').replace('Z', ''))}`;
}

/** Reads the listings and decides DELETED (id, deleted_at) from the keys of the load. */
export async function decideDeletions(db: DuckDbHandle, listings: readonly ListingInput[]): Promise<void> {
  await db.run(`CREATE TABLE ${LISTINGS} (seq INTEGER, after INTEGER, listed_at TIMESTAMP);
CREATE TABLE ${LISTED} (seq INTEGER, id VARCHAR);`);
  for (const [seq, listing] of listings.entries()) {
    await db.run(`INSERT INTO ${LISTINGS} VALUES (${seq}, ${listing.afterPages}, ${ts(listing.listedAt)})`);
    if (listing.files.length === 0) continue;
    await db.run(`INSERT INTO ${LISTED} SELECT ${seq}, id FROM read_json(${sqlStringList(listing.files)}, format = 'newline_delimited', records = true, columns = {"id": 'VARCHAR'})`);
  }
  await db.run(`CREATE TABLE ${DELETED} AS
WITH seen AS (SELECT id, max(page) AS last_page FROM ${LOAD_DB}.keys WHERE coalesce(id, '') <> '' GROUP BY id),
present AS (
  SELECT s.id, max(l.seq) AS seq FROM seen s
  JOIN ${LISTED} d ON d.id = s.id JOIN ${LISTINGS} l ON l.seq = d.seq AND l.after > s.last_page
  GROUP BY s.id)
SELECT s.id, min(l.listed_at) AS deleted_at
FROM seen s LEFT JOIN present p ON p.id = s.id
JOIN ${LISTINGS} l ON l.after > s.last_page AND l.seq > coalesce(p.seq, -1)
GROUP BY s.id`);
}

/** Marks the decided datasets (on the datasets side, in its transaction). */
export function markDeletedSql(): string {
  return `UPDATE datasets SET deleted_at = d.deleted_at FROM ${DELETED} d WHERE datasets.id = d.id`;
}

/**
 * The same rule for an incremental load (merge.ts), which has only the keys of the new pages
 * (`seen`: id and the last new page it is in, 0-based among the new pages) and the listings made
 * since the previous load (`afterPages` counted among the new pages too). Old listings were made
 * before every new page, so for an id in a new page only new listings count; for an id only in
 * old pages every new listing counts, on top of the old ones, which its deleted_at sums up:
 * - in a new page: deleted_at by the rule above over the new listings alone;
 * - only in old pages, and some new listing has it: the first new listing after the last that has it (else NULL);
 * - only in old pages, no new listing has it: the earlier of its deleted_at and the first new listing.
 * Sets deleted_at where that changes it; returns how many rows changed.
 */
export async function applyListingsIncrementally(db: DuckDbHandle, seen: string, listings: readonly ListingInput[]): Promise<number> {
  await db.run(`CREATE TEMP TABLE ckan_inc_listings (seq INTEGER, after INTEGER, listed_at TIMESTAMP);
CREATE TEMP TABLE ckan_inc_listed (seq INTEGER, id VARCHAR);`);
  for (const [seq, listing] of listings.entries()) {
    await db.run(`INSERT INTO ckan_inc_listings VALUES (${seq}, ${listing.afterPages}, ${ts(listing.listedAt)})`);
    if (listing.files.length === 0) continue;
    await db.run(`INSERT INTO ckan_inc_listed SELECT ${seq}, id FROM read_json(${sqlStringList(listing.files)}, format = 'newline_delimited', records = true, columns = {"id": 'VARCHAR'})`);
  }
  const oldIds = listings.length === 0 ? '' : `
UNION ALL
SELECT d.id, CASE WHEN p.seq IS NOT NULL THEN (SELECT min(listed_at) FROM ckan_inc_listings WHERE seq > p.seq)
  ELSE least(d.deleted_at, (SELECT min(listed_at) FROM ckan_inc_listings)) END
FROM datasets d
LEFT JOIN (SELECT id, max(seq) AS seq FROM ckan_inc_listed GROUP BY id) p ON p.id = d.id
WHERE d.id NOT IN (SELECT id FROM ${seen})`;
  await db.run(`CREATE TEMP TABLE ckan_inc_deleted AS
WITH present AS (
  SELECT s.id, max(l.seq) AS seq FROM ${seen} s
  JOIN ckan_inc_listed d ON d.id = s.id JOIN ckan_inc_listings l ON l.seq = d.seq AND l.after > s.last_page
  GROUP BY s.id),
decided AS (
  SELECT s.id, min(l.listed_at) AS deleted_at
  FROM ${seen} s LEFT JOIN present p ON p.id = s.id
  JOIN ckan_inc_listings l ON l.after > s.last_page AND l.seq > coalesce(p.seq, -1)
  GROUP BY s.id)
SELECT s.id, x.deleted_at FROM ${seen} s LEFT JOIN decided x ON x.id = s.id${oldIds}`);
  const [row] = await db.all(`SELECT count(*)::BIGINT AS n FROM datasets d JOIN ckan_inc_deleted x ON x.id = d.id WHERE d.deleted_at IS DISTINCT FROM x.deleted_at`);
  await db.run(`UPDATE datasets SET deleted_at = x.deleted_at FROM ckan_inc_deleted x WHERE datasets.id = x.id AND datasets.deleted_at IS DISTINCT FROM x.deleted_at;
DROP TABLE ckan_inc_deleted; DROP TABLE ckan_inc_listed; DROP TABLE ckan_inc_listings;`);
  return Number(row?.['n'] ?? 0);
}
