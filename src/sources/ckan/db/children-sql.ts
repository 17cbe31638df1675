/**
 * The statements that fill the child tables of a CKAN load (resources, tags, extras, groups):
 * one row per item of the package's list with its 0-based position, in line order (insertion
 * order is kept). Tags, extras and groups come from the stage of a chunk
 * (load-sql.ts stageSql); resources, most of the rows and bytes, straight from the chunk's pages:
 * DuckDB reads page files on every thread, while a stage of a chunk is one row group that
 * it scans on one thread only.
 */
import { sqlString } from '../../../duckdb/index.js';
import { RESOURCES_SPEC, byteCount, fromJsonStructure, readableText, readJsonColumns, utcTimestamp } from './columns.js';
import { STAGE, keptRows, readJson, readObjects, type Pairing, type PageScan } from './load-sql.js';

/** INSERT of one list of the package from `rows` (with `id` and the list), one row per item. */
function insertListSql(table: string, list: string, columns: readonly string[], rows = STAGE): string {
  return `INSERT INTO ${table}
SELECT dataset_id, position, ${columns.join(', ')}
FROM (SELECT id AS dataset_id, unnest(${list}) AS x, generate_subscripts(${list}, 1) - 1 AS position
      FROM ${rows})`;
}

/** The child tables filled from the stage (the kept lines of the chunk). */
export function insertStagedChildrenSql(): string[] {
  return [
    insertListSql('tags', 'tags', ['x.name', 'x.display_name', 'x.vocabulary_id']),
    insertListSql('extras', 'extras', ['x.key', 'x.value']),
    insertListSql('groups', 'groups', ['x.id', 'x.name', 'x.title']),
  ];
}

const RESOURCE_COLUMNS = [
  'x.id', 'x.url', 'x.format', readableText('x.name'), readableText('x.description'), 'x.mimetype', byteCount('x.size'), 'x.size',
  utcTimestamp('x.created'), utcTimestamp('x.last_modified'), 'x.state', 'x.url_type', 'x.hash',
];

/**
 * The resources of a chunk's kept lines, read from its pages. 'fast' types them by read_json with
 * the declared columns (fails on a structure that does not fit: the fill runs again tolerantly),
 * 'tolerant' by from_json. `pairing` (load-sql.ts Pairing) as for the datasets: only 'keys' joins
 * (and aborts on a line whose id differs from its key), which DuckDB runs on one thread.
 */
export function insertResourcesSql(scan: PageScan, mode: 'fast' | 'tolerant', pairing: Pairing): string {
  const source = mode === 'fast'
    ? `(SELECT file_index::INTEGER + ${scan.firstPage} AS page, id, resources FROM ${readJson(scan.files, readJsonColumns(RESOURCES_SPEC))}) s`
    : `(SELECT fa::INTEGER + ${scan.firstPage} AS page, p.id, p.resources
  FROM (SELECT file_index AS fa, from_json(json, ${sqlString(fromJsonStructure(RESOURCES_SPEC))}) AS p FROM ${readObjects(scan.files)})) s`;
  return insertListSql('resources', 'resources', RESOURCE_COLUMNS, `(SELECT s.id, s.resources FROM ${keptRows(scan, source, pairing)})`);
}
