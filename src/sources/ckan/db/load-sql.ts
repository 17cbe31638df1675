/**
 * The statements of the CKAN bulk load. Every scan reads page files in page and line order, and
 * every INSERT keeps that order (preserve_insertion_order on), so row order is crawl order:
 * reproducible without sorting. The load works in chunks of pages (page-scans.ts):
 *
 * - keys: one row per package line of every page (page, id, metadata_modified, dropped), read
 *   first, so that duplicates are decided across all pages before anything is written. Keys and
 *   the list of files live in an in-memory database (LOAD_DB) that every connection sees;
 * - datasets: per chunk, the typed scalars and the verbatim line (`raw`) of each line with an
 *   id, from one scan; paired by position with its keys only in a chunk where a line lost to a
 *   duplicate (a join makes DuckDB write on one thread);
 * - children: per chunk, resources from the pages (children-sql.ts), then the other lists of
 *   every line staged in a temporary table, the dropped lines deleted from it by position, then
 *   tags, extras and groups by unnest (children-sql.ts), and the organization candidates;
 *   organizations and pages at the end.
 */
import { sqlString, sqlStringList } from '../../../duckdb/index.js';
import { DATASET_COLUMNS, DATASET_SPEC, LIST_COLUMNS, LIST_SPEC, fromJsonStructure, readableText, readJsonColumns, utcTimestamp } from './columns.js';

/** The in-memory database of the load's shared tables (attached for the load, then detached). */
export const LOAD_DB = 'ckan_load';
const FILES = `${LOAD_DB}.files`;
const KEYS = `${LOAD_DB}.keys`;
/** Temporary tables of the load's connection. */
export const STAGE = 'ckan_load_stage';
/** The organization candidates of the kept datasets (a temporary table of the load's connection). */
export const ORGS = 'ckan_load_orgs';

export interface PageFileRow {
  file: string;
  /** What the tables say the file is (pages.file, datasets.page_file): relative to the artifacts directory when inside it. */
  name: string;
  start: number | null;
  bytes: number;
}

/** A scan of consecutive page files; `firstPage` is the page order index of the first one. */
export interface PageScan {
  files: readonly string[];
  /** The stored names of the same files (PageFileRow.name). */
  names: readonly string[];
  firstPage: number;
  /** Bytes of the files. */
  bytes: number;
}

/** The temporary table of the page files, in page order (index = page order). */
export function filesTableSql(files: readonly PageFileRow[]): string {
  const values = files.map((f, i) => `(${i}, ${sqlString(f.name)}, ${f.start ?? 'NULL'}, ${f.bytes})`);
  return `CREATE TABLE ${FILES} (page INTEGER, file VARCHAR, start BIGINT, bytes BIGINT);
INSERT INTO ${FILES} VALUES ${values.join(',\n')};`;
}

export function readJson(files: readonly string[], columns: string): string {
  return `read_json(${sqlStringList(files)}, format = 'newline_delimited', records = true, columns = ${columns})`;
}

export function readObjects(files: readonly string[]): string {
  return `read_json_objects(${sqlStringList(files)}, format = 'newline_delimited')`;
}

const KEY_COLUMNS = `{"id": 'VARCHAR', "metadata_modified": 'VARCHAR'}`;
const KEY_STRUCTURE = JSON.stringify({ id: 'VARCHAR', metadata_modified: 'VARCHAR' });

function keysInsert(scan: PageScan, select: string): string {
  return scan.firstPage === 0 ? `CREATE TABLE ${KEYS} AS ${select}` : `INSERT INTO ${KEYS} ${select}`;
}

/**
 * The keys of a scan's lines, appended to KEYS (created by the scan of page 0). `dropped` starts
 * true for lines without an id. Fails on a line that is not an object (the tolerant scan takes it).
 */
export function keysFastSql(scan: PageScan): string {
  return keysInsert(scan, `SELECT file_index::INTEGER + ${scan.firstPage} AS page, id, metadata_modified, coalesce(id, '') = '' AS dropped
FROM ${readJson(scan.files, KEY_COLUMNS)}`);
}

/** The keys by from_json: a line that is not an object gets a NULL id (counted as invalid). */
export function keysTolerantSql(scan: PageScan): string {
  return keysInsert(scan, `SELECT fa::INTEGER + ${scan.firstPage} AS page, k.id, k.metadata_modified, coalesce(k.id, '') = '' AS dropped
FROM (SELECT file_index AS fa, from_json(json, ${sqlString(KEY_STRUCTURE)}) AS k FROM ${readObjects(scan.files)})`);
}

/**
 * Marks every copy of an id but one as dropped: the kept copy has the latest metadata_modified,
 * then the latest position (the later page, then the later line).
 */
export function dropDuplicatesSql(): string {
  const mm = utcTimestamp('metadata_modified');
  return `UPDATE ${KEYS} SET dropped = true WHERE rowid IN (
  SELECT krow FROM (
    SELECT rowid AS krow, row_number() OVER (PARTITION BY id ORDER BY ${mm} DESC NULLS LAST, rowid DESC) AS rn
    FROM ${KEYS} WHERE NOT dropped
  ) WHERE rn > 1)`;
}

/** The keys of a scan's lines, in line order (a positional join partner). */
export function scanKeys(scan: PageScan): string {
  return `(SELECT page AS key_page, id AS key_id, dropped FROM ${KEYS} WHERE ${pagesOf(scan)})`;
}

function pagesOf(scan: PageScan, column = 'page'): string {
  return `${column} BETWEEN ${scan.firstPage} AND ${scan.firstPage + scan.files.length - 1}`;
}

/**
 * The pages holding a line the load leaves out, and whether one of them is a duplicate that lost
 * (not only a line without an id): a chunk of pages without such lines keeps every line as it
 * is, a chunk with a duplicate that lost pairs its lines with the keys (Pairing).
 */
export function pagesWithDroppedSql(): string {
  return `SELECT page, bool_or(coalesce(id, '') <> '') AS duplicate FROM ${KEYS} WHERE dropped GROUP BY page ORDER BY page`;
}

/**
 * How a chunk's scan picks its kept lines. 'all': the keys drop no line of the chunk, so every
 * line is kept as it is (no filter: a filter on a from_json field makes DuckDB parse each line
 * once for the filter and again for the columns). 'with-id': every line with an id (no
 * duplicate lost in the chunk). 'keys': paired by position with the keys, which say `dropped`.
 * Only 'keys' joins; DuckDB writes a join's result on one thread, the others on every thread.
 */
export type Pairing = 'all' | 'with-id' | 'keys';

/** The rows of `source` (a scan `s` with `id`) that a chunk keeps, as a FROM clause. */
export function keptRows(scan: PageScan, source: string, pairing: Pairing): string {
  if (pairing === 'all') return source;
  if (pairing === 'with-id') return `${source}\nWHERE coalesce(s.id, '') <> ''`;
  return `${source}\nPOSITIONAL JOIN ${scanKeys(scan)} k\nWHERE ${keysAgree('s')}`;
}

/** Aborts the statement on a row whose typed and key scans do not come from the same line. */
export function keysAgree(typed: string): string {
  return `CASE WHEN ${typed}.page IS DISTINCT FROM k.key_page OR ${typed}.id IS DISTINCT FROM k.key_id
  THEN error('the key and typed scans of the CKAN pages disagree on a row') ELSE NOT k.dropped END`;
}

/**
 * The stage of a scan: every line's lists but resources (and what organizations and the counts need), in line
 * order, so that row i of the stage is line i of the scan; the lines to leave out are then deleted
 * by position (stageMisalignedSql, dropFromStageSql). No join: DuckDB reads and stores it in
 * parallel. 'fast' types it by read_json with the declared columns (fails on a structure that
 * does not fit them); 'tolerant' by from_json (NULL for a value of an unexpected type).
 */
export function stageSql(scan: PageScan, mode: 'fast' | 'tolerant'): string {
  if (mode === 'fast') {
    const cols = LIST_COLUMNS.map((c) => `"${c}"`).join(', ');
    return `CREATE TEMP TABLE ${STAGE} AS
SELECT file_index::INTEGER + ${scan.firstPage} AS page, ${cols} FROM ${readJson(scan.files, readJsonColumns(LIST_SPEC))}`;
  }
  const cols = LIST_COLUMNS.map((c) => `p."${c}"`).join(', ');
  return `CREATE TEMP TABLE ${STAGE} AS
SELECT fa::INTEGER + ${scan.firstPage} AS page, ${cols}
FROM (SELECT file_index AS fa, from_json(json, ${sqlString(fromJsonStructure(LIST_SPEC))}) AS p FROM ${readObjects(scan.files)})`;
}

/** The scan's keys with their line number in the scan (the keys table is appended in line order). */
function keyLines(scan: PageScan): string {
  return `(SELECT rowid - (SELECT min(rowid) FROM ${KEYS} WHERE ${pagesOf(scan)}) AS line, page, id, dropped FROM ${KEYS} WHERE ${pagesOf(scan)})`;
}

/** A stage row's line number in the scan (rowids of a transaction's own rows start at some base). */
const STAGE_LINE = `rowid - (SELECT min(rowid) FROM ${STAGE})`;

/** How many stage rows are not the line their keys say (0 unless the scans disagree: the load must abort). */
export function stageMisalignedSql(scan: PageScan): string {
  return `SELECT count(*)::BIGINT AS n FROM (SELECT ${STAGE_LINE} AS line, page, id FROM ${STAGE}) s
FULL JOIN ${keyLines(scan)} k ON s.line = k.line
WHERE s.page IS DISTINCT FROM k.page OR s.id IS DISTINCT FROM k.id`;
}

/** Removes from the stage the lines the keys dropped (duplicates that lost, lines without an id). */
export function dropFromStageSql(scan: PageScan): string {
  return `DELETE FROM ${STAGE} WHERE ${STAGE_LINE} IN (SELECT line FROM ${keyLines(scan)} WHERE dropped)`;
}

/** The declared-columns read (bench:ckan-load's stricter baseline): the same files and columns, straight into a table. */
export function bareReadSql(files: readonly string[], table: string): string {
  return `CREATE TABLE ${table} AS SELECT * FROM ${readJson(files, readJsonColumns())}`;
}

/**
 * The datasets columns from a row `s` of typed columns (DATASET_COLUMNS, page) and its verbatim
 * line `raw`. A count the portal left out is NULL here, filled from the stage (fillMissingCountsSql).
 */
function datasetColumns(scan: PageScan): string {
  return `s.id, s.name, ${readableText('s.title')}, ${readableText('s.notes')}, s.url, s.license_id, s.license_title,
  coalesce(s.organization.id, s.owner_org), s.state, try_cast(s.private AS BOOLEAN), s.type, s.author, s.maintainer, s.version,
  try_cast(s.num_resources AS INTEGER), try_cast(s.num_tags AS INTEGER),
  ${utcTimestamp('s.metadata_created')}, ${utcTimestamp('s.metadata_modified')}, ${sqlStringList(scan.names)}[s.page - ${scan.firstPage} + 1], raw, NULL::TIMESTAMP`;
}

/**
 * The counts a portal left out (or gave as junk), filled from the staged lists (stageSql: their
 * length; NULL where the value is not a list): the datasets statement parsing `raw` again for
 * them held a vector of whole packages per function, and packages of ~10 KB without counts ran
 * out of memory at 256MB even on one thread.
 */
export function fillMissingCountsSql(): string {
  return `UPDATE datasets SET num_resources = coalesce(datasets.num_resources, len(s.resources)), num_tags = coalesce(datasets.num_tags, len(s.tags))
FROM ${STAGE} s
WHERE datasets.id = s.id AND (datasets.num_resources IS NULL OR datasets.num_tags IS NULL)`;
}

/** Whether any dataset lacks a count (fillMissingCountsSql then runs per chunk). */
export function missingCountsSql(): string {
  return 'SELECT count(*)::BIGINT AS n FROM datasets WHERE num_resources IS NULL OR num_tags IS NULL';
}

/**
 * The datasets of a scan, from one scan of the verbatim lines: `raw` is the line, the typed
 * columns come from parsing it with from_json and the declared structure. The declared columns
 * are text (any JSON value reads as text) but `organization`, which the stage
 * also reads and fails on when it does not fit; so this is the same statement for fast and
 * tolerant fills (NULL for an organization that is not an object, as the tolerant fill wants).
 *
 * `pairing` (Pairing) says which lines are kept; with 'all' and 'with-id' the caller checks that
 * the rows written are the keys kept (datasetCountsSql); with 'keys' a row whose id differs from
 * its key aborts.
 */
export function insertDatasetsSql(scan: PageScan, pairing: Pairing): string {
  const cols = DATASET_COLUMNS.map((c) => `p."${c}"`).join(', ');
  const source = `(SELECT fa::INTEGER + ${scan.firstPage} AS page, ${cols}, raw
  FROM (SELECT file_index AS fa, json AS raw, from_json(json, ${sqlString(fromJsonStructure(DATASET_SPEC))}) AS p FROM ${readObjects(scan.files)})) s`;
  return `INSERT INTO datasets\nSELECT ${datasetColumns(scan)}\nFROM ${keptRows(scan, source, pairing)}`;
}

/** Datasets rows against kept keys (equal unless the scans disagree: the load must abort). */
export function datasetCountsSql(): string {
  return `SELECT (SELECT count(*) FROM datasets)::BIGINT AS datasets, (SELECT count(*) FROM ${KEYS} WHERE NOT dropped)::BIGINT AS kept`;
}

/** Which candidate of an organization wins: the dataset modified last, then the highest id (ids of kept datasets are unique). */
const CANDIDATE_ORDER = 'modified DESC NULLS LAST, id DESC';

/**
 * Of the staged scan's kept datasets that embed an organization, the one that would win for each
 * organization (CANDIDATE_ORDER), appended to ORGS (created by page 0): the winner over all
 * chunks is the winner of the chunks' winners, so ORGS holds a row per organization and chunk,
 * not one per dataset.
 */
export function organizationCandidatesSql(scan: PageScan): string {
  const select = `SELECT o, modified, id FROM (
  SELECT o, modified, id, row_number() OVER (PARTITION BY o.id ORDER BY ${CANDIDATE_ORDER}) AS rn
  FROM (SELECT organization AS o, ${utcTimestamp('metadata_modified')} AS modified, id FROM ${STAGE} WHERE coalesce(organization.id, '') <> '')
) WHERE rn = 1`;
  return scan.firstPage === 0 ? `CREATE TEMP TABLE ${ORGS} AS ${select}` : `INSERT INTO ${ORGS} ${select}`;
}

/** One row per organization id, taken from the kept dataset modified last (then highest id). */
export function insertOrganizationsSql(): string {
  return `INSERT INTO organizations
SELECT o.id, o.name, ${readableText('o.title')}, ${readableText('o.description')}, o.type, o.state, o.image_url,
  ${utcTimestamp('o.created')}, try_cast(o.is_organization AS BOOLEAN), o.approval_status
FROM (
  SELECT o, row_number() OVER (PARTITION BY o.id ORDER BY ${CANDIDATE_ORDER}) AS rn FROM ${ORGS}
) WHERE rn = 1
ORDER BY o.id`;
}

export function insertPagesSql(loadedAt: Date): string {
  const ts = loadedAt.toISOString().replace('T', ' ').replace('Z', '');
  return `INSERT INTO pages
SELECT f.file, f.start, coalesce(c.n, 0), f.bytes, TIMESTAMP ${sqlString(ts)}
FROM ${FILES} f LEFT JOIN (SELECT page, count(*) AS n FROM ${KEYS} GROUP BY page) c ON c.page = f.page
ORDER BY f.page`;
}

/** Counts of the load; without keys (nothing loaded) packages and invalid are 0. */
export function summarySql(withKeys: boolean): string {
  const count = (t: string): string => `(SELECT count(*) FROM ${t})::BIGINT AS ${t}`;
  const keyed = withKeys
    ? `(SELECT count(*) FROM ${KEYS})::BIGINT AS packages,
  (SELECT count(*) FROM ${KEYS} WHERE coalesce(id, '') = '')::BIGINT AS invalid,`
    : '0 AS packages, 0 AS invalid,';
  return `SELECT ${keyed}
  (SELECT count(*) FROM datasets WHERE deleted_at IS NOT NULL)::BIGINT AS deleted,
  ${['datasets', 'resources', 'tags', 'extras', 'groups', 'organizations', 'pages'].map(count).join(', ')}`;
}
