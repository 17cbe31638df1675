/**
 * What the loader reads from each CKAN package line, declared once: the same tree gives
 * read_json's `columns=` and from_json's structure. Scalars are read as VARCHAR (a number or
 * boolean becomes its text, an object its JSON text) and typed in SQL with try_cast, so no
 * portal's variance can fail the read; titles and notes are JSON because they may be objects
 * keyed by language. Everything else stays in `raw`.
 */
type ColumnSpec = 'VARCHAR' | 'JSON' | { readonly [key: string]: ColumnSpec } | readonly [ColumnSpec];

const V = 'VARCHAR';

/** A resource's name and description may be multilingual objects too (JSON, flattened like titles). */
const RESOURCE: ColumnSpec = {
  id: V, url: V, format: V, name: 'JSON', description: 'JSON', mimetype: V, size: V,
  created: V, last_modified: V, state: V, url_type: V, hash: V,
};

const ORGANIZATION: ColumnSpec = {
  id: V, name: V, title: 'JSON', description: 'JSON', type: V, state: V,
  image_url: V, created: V, is_organization: V, approval_status: V,
};

export const PACKAGE_SPEC: { readonly [key: string]: ColumnSpec } = {
  id: V, name: V, title: 'JSON', notes: 'JSON', url: V, license_id: V, license_title: V,
  organization: ORGANIZATION, owner_org: V, state: V, private: V, type: V,
  author: V, maintainer: V, version: V, num_resources: V, num_tags: V,
  metadata_created: V, metadata_modified: V,
  resources: [RESOURCE],
  tags: [{ name: V, display_name: V, vocabulary_id: V }],
  extras: [{ key: V, value: V }],
  groups: [{ id: V, name: V, title: V }],
};

type Spec = { readonly [key: string]: ColumnSpec };

function pick(spec: Spec, keys: readonly string[], over: Spec = {}): Spec {
  return Object.fromEntries(keys.map((k) => [k, over[k] ?? (spec[k] as ColumnSpec)]));
}

/**
 * What the datasets statement reads: the scalars only (the lists, which hold most of the bytes, are
 * the child tables'), and of the organization its id. Parsing a 300 MB page's resources here
 * too would hold them all in memory beside the raw lines.
 */
export const DATASET_SPEC: Spec = pick(
  PACKAGE_SPEC,
  ['id', 'name', 'title', 'notes', 'url', 'license_id', 'license_title', 'organization', 'owner_org', 'state', 'private', 'type',
    'author', 'maintainer', 'version', 'num_resources', 'num_tags', 'metadata_created', 'metadata_modified'],
  { organization: { id: V } },
);

/**
 * What the stage of the child tables holds: the lists but resources, the organization, and what the counts
 * need (of resources only their timestamps: the resources rows are read from the pages by a
 * statement of their own, RESOURCES_SPEC, which DuckDB runs on every thread).
 */
export const LIST_SPEC: Spec = pick(
  PACKAGE_SPEC,
  ['id', 'metadata_modified', 'metadata_created', 'organization', 'resources', 'tags', 'extras', 'groups'],
  { resources: [{ created: V, last_modified: V }] },
);

/** What the resources statement reads from each package. */
export const RESOURCES_SPEC: Spec = pick(PACKAGE_SPEC, ['id', 'resources']);

function duckType(spec: ColumnSpec): string {
  if (typeof spec === 'string') return spec;
  if (Array.isArray(spec)) return `${duckType(spec[0] as ColumnSpec)}[]`;
  const fields = Object.entries(spec as Record<string, ColumnSpec>).map(([k, v]) => `"${k}" ${duckType(v)}`);
  return `STRUCT(${fields.join(', ')})`;
}

/** read_json's `columns={...}` argument for a spec (default: the whole package spec). */
export function readJsonColumns(spec: Spec = PACKAGE_SPEC): string {
  const entries = Object.entries(spec).map(([k, v]) => `"${k}": '${duckType(v)}'`);
  return `{${entries.join(', ')}}`;
}

/** from_json's structure argument (a JSON text) for a spec (default: the whole package spec). */
export function fromJsonStructure(spec: Spec = PACKAGE_SPEC): string {
  return JSON.stringify(spec);
}

/**
 * A readable text from a JSON value that may be a string or an object keyed by language:
 * the string itself; for an object its non-empty 'en' value, else its first non-empty value.
 * Numbers give their text, null gives NULL.
 */
export function readableText(json: string): string {
  const firstValue = `list_filter(json_extract_string(${json}, '$.*'), lambda v: coalesce(v, '') <> '')[1]`;
  return `CASE WHEN starts_with(CAST(${json} AS VARCHAR), '{')
    THEN coalesce(nullif(json_extract_string(${json}, '$.en'), ''), ${firstValue})
    ELSE json_extract_string(${json}, '$') END`;
}

const ZONED = String.raw`[T ]\d\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$`;

/**
 * A UTC timestamp from a CKAN text: zone-less means UTC (CKAN's own format); with `Z` or an offset
 * it is converted to UTC (a plain TIMESTAMP cast would drop the offset); junk gives NULL.
 */
export function utcTimestamp(text: string): string {
  return `CASE WHEN regexp_matches(${text}, '${ZONED}') THEN timezone('UTC', try_cast(${text} AS TIMESTAMPTZ)) ELSE try_cast(${text} AS TIMESTAMP) END`;
}

/** A byte count from a number, a numeric string, null or junk ("391.4 MB" gives NULL). */
export function byteCount(text: string): string {
  return `try_cast(trim(${text}) AS BIGINT)`;
}

/** The top-level keys the datasets statement reads from each package. */
export const DATASET_COLUMNS: readonly string[] = Object.keys(DATASET_SPEC);
/** The top-level keys of the stage, in stage column order. */
export const LIST_COLUMNS: readonly string[] = Object.keys(LIST_SPEC);
