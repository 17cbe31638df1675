/**
 * The statements of the CKAN bulk load. The page files are scanned in page and line order into a
 * stage table (the declared columns, typed); duplicates are marked there; every table is then
 * filled from the stage by INSERTs that keep the stage order (preserve_insertion_order on), so row
 * order is crawl order: reproducible without sorting. The raw JSON never sits in the stage: the
 * datasets INSERT reads it from the page files again, paired with the stage rows by position.
 * `stage` is the (qualified) name of the stage table.
 */
import { sqlString, sqlStringList } from '../../../duckdb/index.js';
import { PACKAGE_COLUMNS, byteCount, fromJsonStructure, readableText, readJsonColumns, utcTimestamp } from './columns.js';

export const FILES = 'ckan_load_files';

export interface PageFileRow {
  file: string;
  start: number | null;
  bytes: number;
}

/** The temporary table of the page files, in page order (index = page order). */
export function filesTableSql(files: readonly PageFileRow[]): string {
  const values = files.map((f, i) => `(${i}, ${sqlString(f.file)}, ${f.start ?? 'NULL'}, ${f.bytes})`);
  return `CREATE TEMP TABLE ${FILES} (page INTEGER, file VARCHAR, start BIGINT, bytes BIGINT);
INSERT INTO ${FILES} VALUES ${values.join(',\n')};`;
}

function readJson(files: readonly string[]): string {
  return `read_json(${sqlStringList(files)}, format = 'newline_delimited', records = true, columns = ${readJsonColumns()})`;
}

function readObjects(files: readonly string[]): string {
  return `read_json_objects(${sqlStringList(files)}, format = 'newline_delimited')`;
}

function stageInsert(stage: string, select: string, firstPage: number, temporary: boolean): string {
  if (firstPage > 0) return `INSERT INTO ${stage} ${select}`;
  return `CREATE ${temporary ? 'TEMP ' : ''}TABLE ${stage} AS ${select}`;
}

export interface StageScan {
  stage: string;
  temporary: boolean;
  files: readonly string[];
  firstPage: number;
}

/**
 * The fast scan of a batch of pages into the stage (columns: page, the declared columns, dropped):
 * read_json with the declared columns. Fails on a line whose structure does not fit the
 * declaration (e.g. `organization` a string). `dropped` starts true for lines without id.
 */
export function stageFastSql(scan: StageScan): string {
  const cols = PACKAGE_COLUMNS.map((c) => `"${c}"`).join(', ');
  return stageInsert(scan.stage, `SELECT file_index::INTEGER + ${scan.firstPage} AS page, ${cols}, coalesce(id, '') = '' AS dropped
FROM ${readJson(scan.files)}`, scan.firstPage, scan.temporary);
}

/**
 * The tolerant scan, used when the fast one meets a structure it cannot take: each line parsed by
 * from_json, which gives NULL for a value of an unexpected type instead of failing. A line that is
 * not an object gets no id and is dropped (counted as invalid).
 */
export function stageTolerantSql(scan: StageScan): string {
  const cols = PACKAGE_COLUMNS.map((c) => `p."${c}"`).join(', ');
  return stageInsert(scan.stage, `SELECT fa::INTEGER + ${scan.firstPage} AS page, ${cols}, coalesce(p.id, '') = '' AS dropped
FROM (SELECT file_index AS fa, from_json(json, ${sqlString(fromJsonStructure())}) AS p FROM ${readObjects(scan.files)})`,
  scan.firstPage, scan.temporary);
}

/** The bare read the benchmark compares against: the same files and columns, straight into a table. */
export function bareReadSql(files: readonly string[], table: string): string {
  return `CREATE TABLE ${table} AS SELECT * FROM ${readJson(files)}`;
}

/**
 * Marks every copy of an id but one as dropped: the kept copy has the latest metadata_modified,
 * then the latest position in the stage (the later page, then the later line).
 */
export function dropDuplicatesSql(stage: string): string {
  const mm = utcTimestamp('metadata_modified');
  return `UPDATE ${stage} SET dropped = true WHERE rowid IN (
  SELECT srow FROM (
    SELECT rowid AS srow, row_number() OVER (PARTITION BY id ORDER BY ${mm} DESC NULLS LAST, rowid DESC) AS rn
    FROM ${stage} WHERE NOT dropped
  ) WHERE rn > 1)`;
}

/**
 * The datasets of a batch of pages: the staged rows of those pages paired by position with the
 * verbatim lines read again by read_json_objects (both in file and line order), so the raw JSON
 * goes from the page files straight to the table. A pair that does not come from the same line
 * (another file, or an id absent from the raw text) aborts the statement.
 */
export function insertDatasetsSql(stage: string, files: readonly string[], firstPage: number): string {
  const lastPage = firstPage + files.length - 1;
  const misaligned = `s.page IS DISTINCT FROM r.fb::INTEGER + ${firstPage}
    OR (s.id IS NOT NULL AND NOT contains(r.raw, s.id) AND json_extract_string(r.raw, '$.id') IS DISTINCT FROM s.id)`;
  return `INSERT INTO datasets
SELECT id, name, ${readableText('title')}, ${readableText('notes')}, url, license_id, license_title,
  coalesce(organization.id, owner_org), state, try_cast(private AS BOOLEAN), type, author, maintainer, version,
  coalesce(try_cast(num_resources AS INTEGER), len(resources)), coalesce(try_cast(num_tags AS INTEGER), len(tags)),
  ${utcTimestamp('metadata_created')}, ${utcTimestamp('metadata_modified')}, ${sqlStringList(files)}[page - ${firstPage} + 1], raw
FROM (SELECT * FROM ${stage} WHERE page BETWEEN ${firstPage} AND ${lastPage}) s
POSITIONAL JOIN (SELECT file_index AS fb, json AS raw FROM ${readObjects(files)}) r
WHERE CASE WHEN ${misaligned} THEN error('the typed and raw scans of the CKAN pages disagree on a row') ELSE NOT dropped END`;
}

/** INSERT of one list of the package, one row per item with its 0-based position, in stage order. */
function insertListSql(stage: string, table: string, list: string, columns: readonly string[]): string {
  return `INSERT INTO ${table}
SELECT dataset_id, position, ${columns.join(', ')}
FROM (SELECT id AS dataset_id, unnest(${list}) AS x, generate_subscripts(${list}, 1) - 1 AS position
      FROM ${stage} WHERE NOT dropped)`;
}

export function insertChildrenSql(stage: string): string[] {
  return [
    insertListSql(stage, 'resources', 'resources', [
      'x.id', 'x.url', 'x.format', 'x.name', 'x.description', 'x.mimetype', byteCount('x.size'), 'x.size',
      utcTimestamp('x.created'), utcTimestamp('x.last_modified'), 'x.state', 'x.url_type', 'x.hash',
    ]),
    insertListSql(stage, 'tags', 'tags', ['x.name', 'x.display_name', 'x.vocabulary_id']),
    insertListSql(stage, 'extras', 'extras', ['x.key', 'x.value']),
    insertListSql(stage, 'groups', 'groups', ['x.id', 'x.name', 'x.title']),
  ];
}

/** One row per organization id, taken from the kept dataset modified last (then highest id). */
export function insertOrganizationsSql(stage: string): string {
  return `INSERT INTO organizations
SELECT o.id, o.name, ${readableText('o.title')}, ${readableText('o.description')}, o.type, o.state, o.image_url,
  ${utcTimestamp('o.created')}, try_cast(o.is_organization AS BOOLEAN), o.approval_status
FROM (
  SELECT organization AS o,
    row_number() OVER (PARTITION BY organization.id ORDER BY ${utcTimestamp('metadata_modified')} DESC NULLS LAST, id DESC) AS rn
  FROM ${stage} WHERE NOT dropped AND coalesce(organization.id, '') <> ''
) WHERE rn = 1
ORDER BY o.id`;
}

export function insertPagesSql(stage: string, loadedAt: Date): string {
  const ts = loadedAt.toISOString().replace('T', ' ').replace('Z', '');
  return `INSERT INTO pages
SELECT f.file, f.start, coalesce(c.n, 0), f.bytes, TIMESTAMP ${sqlString(ts)}
FROM ${FILES} f LEFT JOIN (SELECT page, count(*) AS n FROM ${stage} GROUP BY page) c ON c.page = f.page
ORDER BY f.page`;
}

/** Counts of the load; without a stage (nothing loaded) packages and invalid are 0. */
export function summarySql(stage: string | undefined): string {
  const count = (t: string): string => `(SELECT count(*) FROM ${t})::BIGINT AS ${t}`;
  const staged = stage !== undefined
    ? `(SELECT count(*) FROM ${stage})::BIGINT AS packages,
  (SELECT count(*) FROM ${stage} WHERE coalesce(id, '') = '')::BIGINT AS invalid,`
    : '0 AS packages, 0 AS invalid,';
  return `SELECT ${staged}
  ${['datasets', 'resources', 'tags', 'extras', 'groups', 'organizations', 'pages'].map(count).join(', ')}`;
}
