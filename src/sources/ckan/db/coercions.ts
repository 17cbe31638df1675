/**
 * Counting what a CKAN load turned into NULL or empty rows instead of failing, so the load
 * report can say it (a portal's oddities are kept, never silently): timestamps that do not
 * parse (NULL), list items that are not objects (a tag given as a plain string: a row of NULLs),
 * lists given as something else (extras as an object: no rows) and an organization that is not
 * an object. The structural kinds only happen on the tolerant scan (the fast scan fails on them).
 */
import { sqlStringList, type DuckDbHandle, type JsonRow } from '../../../duckdb/index.js';
import { utcTimestamp } from './columns.js';
import type { PageScan } from './load-sql.js';

export interface CkanCoercions {
  /** Timestamps given as text that is not a timestamp, stored as NULL. */
  timestamps: number;
  /** Items of resources/tags/extras/groups that are not objects, stored as rows of NULLs. */
  nonObjectItems: number;
  /** resources/tags/extras/groups given as something else than a list (or organization as a non-object): no rows. */
  nonListValues: number;
  /** The same by field, e.g. { "metadata_modified": 2, "tags[]": 3, "extras": 1 }; only fields with a count. */
  byField: Record<string, number>;
}

export function noCoercions(): CkanCoercions {
  return { timestamps: 0, nonObjectItems: 0, nonListValues: 0, byField: {} };
}

const LISTS = ['resources', 'tags', 'extras', 'groups'] as const;

function unparsed(text: string): string {
  return `(${text} IS NOT NULL AND trim(${text}) <> '' AND ${utcTimestamp(text)} IS NULL)`;
}

/** Per staged chunk (the kept lines' lists): timestamps that did not parse. */
export function timestampCountsSql(stage: string): string {
  const inList = (field: string) => `coalesce(sum(len(list_filter(resources, lambda r: ${unparsed(`r.${field}`)}))), 0)::BIGINT AS "resources[].${field}"`;
  return `SELECT count(*) FILTER (WHERE ${unparsed('metadata_created')})::BIGINT AS metadata_created,
  count(*) FILTER (WHERE ${unparsed('metadata_modified')})::BIGINT AS metadata_modified,
  ${inList('created')}, ${inList('last_modified')}
FROM ${stage}`;
}

/** Per chunk on the tolerant scan: structures that did not fit, over the kept lines' verbatim JSON. */
export function structureCountsSql(scan: PageScan, keys: string): string {
  const cols = LISTS.flatMap((l) => [
    `count(*) FILTER (WHERE json_type(j.json, '$.${l}') NOT IN ('ARRAY', 'NULL'))::BIGINT AS "${l}"`,
    `coalesce(sum(CASE WHEN json_type(j.json, '$.${l}') = 'ARRAY' THEN len(list_filter(json_extract(j.json, '$.${l}[*]'), lambda x: json_type(x) <> 'OBJECT')) ELSE 0 END), 0)::BIGINT AS "${l}[]"`,
  ]);
  return `SELECT ${cols.join(',\n  ')},
  count(*) FILTER (WHERE json_type(j.json, '$.organization') NOT IN ('OBJECT', 'NULL'))::BIGINT AS organization
FROM (SELECT json FROM read_json_objects(${sqlStringList(scan.files)}, format = 'newline_delimited')) j
POSITIONAL JOIN ${keys} k
WHERE NOT k.dropped`;
}

function add(into: CkanCoercions, row: JsonRow | undefined, kind: (field: string) => keyof Omit<CkanCoercions, 'byField'>): void {
  for (const [field, value] of Object.entries(row ?? {})) {
    const n = Number(value ?? 0);
    if (n === 0) continue;
    into[kind(field)] += n;
    into.byField[field] = (into.byField[field] ?? 0) + n;
  }
}

/** Adds a chunk's timestamp counts (the stage of the child tables). */
export async function countTimestamps(db: DuckDbHandle, stage: string, into: CkanCoercions): Promise<void> {
  add(into, (await db.all(timestampCountsSql(stage)))[0], () => 'timestamps');
}

/** Adds a chunk's structure counts (tolerant scans only). */
export async function countStructures(db: DuckDbHandle, scan: PageScan, keys: string, into: CkanCoercions): Promise<void> {
  add(into, (await db.all(structureCountsSql(scan, keys)))[0], (field) => (field.endsWith('[]') ? 'nonObjectItems' : 'nonListValues'));
}
