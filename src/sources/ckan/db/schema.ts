/**
 * The raw schema of ckan_api.db. Timestamps are TIMESTAMP holding UTC (CKAN writes them without
 * a zone). Every child table carries `position`, the 0-based index of the item in the package's
 * list, so (dataset_id, position) is its key and the source order is kept.
 */
import type { DuckDbHandle } from '../../../duckdb/index.js';

export const CKAN_TABLES = ['datasets', 'resources', 'tags', 'extras', 'groups', 'organizations', 'pages'] as const;
export type CkanTable = (typeof CKAN_TABLES)[number];

export const RAW_CKAN_SCHEMA_SQL = `
CREATE TABLE datasets (
  id VARCHAR NOT NULL,
  name VARCHAR,
  title VARCHAR,              -- readable text: the string, or for a multilingual object 'en' else the first value
  notes VARCHAR,              -- same rule as title
  url VARCHAR,
  license_id VARCHAR,
  license_title VARCHAR,
  organization_id VARCHAR,    -- organization.id, else owner_org
  state VARCHAR,
  private BOOLEAN,
  type VARCHAR,
  author VARCHAR,
  maintainer VARCHAR,
  version VARCHAR,
  num_resources INTEGER,      -- as the portal reported it (length of resources when absent)
  num_tags INTEGER,
  metadata_created TIMESTAMP, -- UTC
  metadata_modified TIMESTAMP,
  page_file VARCHAR,          -- the page file this version of the dataset was loaded from
  raw JSON NOT NULL,          -- the package exactly as the portal returned it
  deleted_at TIMESTAMP        -- incremental crawls: when a listing of the portal first lacked it (NULL: not deleted)
);
CREATE TABLE resources (
  dataset_id VARCHAR NOT NULL,
  position INTEGER NOT NULL,
  id VARCHAR,
  url VARCHAR,
  format VARCHAR,
  name VARCHAR,
  description VARCHAR,
  mimetype VARCHAR,
  size BIGINT,                -- bytes when the portal gave a number or a numeric string, else NULL
  size_raw VARCHAR,           -- the size as given ("391.4 MB", "", "12")
  created TIMESTAMP,
  last_modified TIMESTAMP,
  state VARCHAR,
  url_type VARCHAR,
  hash VARCHAR
);
CREATE TABLE tags (
  dataset_id VARCHAR NOT NULL,
  position INTEGER NOT NULL,
  name VARCHAR,
  display_name VARCHAR,
  vocabulary_id VARCHAR
);
CREATE TABLE extras (
  dataset_id VARCHAR NOT NULL,
  position INTEGER NOT NULL,
  key VARCHAR,
  value VARCHAR               -- a non-string value is kept as its JSON text
);
CREATE TABLE groups (
  dataset_id VARCHAR NOT NULL,
  position INTEGER NOT NULL,
  id VARCHAR,
  name VARCHAR,
  title VARCHAR
);
CREATE TABLE organizations (  -- one row per organization id, as embedded in its latest-modified dataset
  id VARCHAR NOT NULL,
  name VARCHAR,
  title VARCHAR,
  description VARCHAR,
  type VARCHAR,
  state VARCHAR,
  image_url VARCHAR,
  created TIMESTAMP,
  is_organization BOOLEAN,
  approval_status VARCHAR
);
CREATE TABLE pages (          -- one row per page file loaded
  file VARCHAR NOT NULL,
  start BIGINT,               -- from the file name page_<start>.ndjson, NULL for other names
  rows INTEGER NOT NULL,      -- packages (lines) in the file, duplicates included
  bytes BIGINT NOT NULL,
  loaded_at TIMESTAMP NOT NULL
);
`;

/** Creates the empty tables of ckan_api.db (fails if they exist). */
export async function createRawCkanSchema(db: DuckDbHandle): Promise<void> {
  await db.run(RAW_CKAN_SCHEMA_SQL);
}
