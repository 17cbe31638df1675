-- resources: one row per resource of a clean dataset, in the portal's order (position).
-- * format: upper case without dots or spaces ('.csv ' -> 'CSV', 'Geo JSON' -> 'GEOJSON'), NULL when empty.
-- * url_host: the lower-case host of the URL (no port, no user info), NULL for relative or empty URLs.
-- * size_bytes: the size as a number: the portal's number or numeric string, or a size written
--   with a unit ('391.4 MB' -> 391400000; KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024);
--   size_estimated is true when it was read from such a text. size_raw keeps what the portal gave.
-- * dataset_version: the version of the dataset the rows were built from (datasets.dataset_version).
{{ config(materialized='incremental', unique_key='dataset_id', tombstone='_tombstone') }}
WITH
{% if is_incremental() %}
-- Incremental: the datasets whose version differs from the one these rows were built from, or
-- that have no rows yet (their rows are built again), and tombstones for those and for the
-- datasets gone since (their old rows are deleted).
changed AS (
  SELECT d.id FROM {{ ref('datasets') }} d
  LEFT JOIN (SELECT DISTINCT dataset_id, dataset_version FROM {{ this }}) p ON p.dataset_id = d.id AND p.dataset_version = d.dataset_version
  WHERE p.dataset_id IS NULL
),
stale AS (
  SELECT DISTINCT p.dataset_id AS id FROM {{ this }} p
  LEFT JOIN {{ ref('datasets') }} d ON d.id = p.dataset_id AND d.dataset_version = p.dataset_version
  WHERE d.id IS NULL
),
{% endif %}
parsed AS (
  SELECT r.*, d.dataset_version,
    regexp_extract(r.size_raw, '^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:([kKmMgGtT])(i?)[bB]|[bB]ytes|[bB])?\s*$', ['number', 'unit', 'binary']) AS s
  FROM {{ source('ckan_api', 'resources') }} r
  JOIN {{ ref('datasets') }} d ON d.id = r.dataset_id
  {% if is_incremental() %}WHERE r.dataset_id IN (SELECT id FROM changed){% endif %}
  QUALIFY row_number() OVER (PARTITION BY r.dataset_id, r.position) = 1
)
SELECT
  dataset_id,
  position,
  nullif(id, '') AS id,
  nullif(trim(name), '') AS name,
  nullif(trim(description), '') AS description,
  nullif(trim(url), '') AS url,
  nullif(lower(regexp_extract(trim(url), '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]+)', 1)), '') AS url_host,
  nullif(upper(regexp_replace(format, '[.\s]', '', 'g')), '') AS format,
  nullif(trim(mimetype), '') AS mimetype,
  coalesce(size,
    CASE WHEN s.number <> '' THEN round(try_cast(s.number AS DOUBLE)
      * pow(CASE WHEN s.binary = 'i' THEN 1024 ELSE 1000 END,
            CASE upper(s.unit) WHEN 'K' THEN 1 WHEN 'M' THEN 2 WHEN 'G' THEN 3 WHEN 'T' THEN 4 ELSE 0 END))::BIGINT END) AS size_bytes,
  coalesce(size IS NULL AND s.number <> '' AND s.unit <> '', false) AS size_estimated,
  size_raw,
  created,
  last_modified,
  state,
  url_type,
  hash,
  dataset_version,
  false AS _tombstone
FROM parsed
{% if is_incremental() %}
UNION ALL BY NAME
SELECT id AS dataset_id, true AS _tombstone FROM (SELECT id FROM changed UNION SELECT id FROM stale)
{% endif %}
ORDER BY dataset_id, position
