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
