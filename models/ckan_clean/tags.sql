-- tags: one row per (dataset, tag name) of a clean dataset; names trimmed, empty names dropped,
-- the first occurrence kept when a dataset repeats a tag. name_normalized is lower case for grouping.
-- dataset_version: the version of the dataset the rows were built from (datasets.dataset_version).
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
kept AS (
SELECT
  t.dataset_id,
  trim(t.name) AS name,
  lower(trim(t.name)) AS name_normalized,
  nullif(trim(t.display_name), '') AS display_name,
  nullif(t.vocabulary_id, '') AS vocabulary_id,
  t.position,
  d.dataset_version,
  false AS _tombstone
FROM {{ source('ckan_api', 'tags') }} t
JOIN {{ ref('datasets') }} d ON d.id = t.dataset_id
WHERE coalesce(trim(t.name), '') <> ''{% if is_incremental() %} AND t.dataset_id IN (SELECT id FROM changed){% endif %}
QUALIFY row_number() OVER (PARTITION BY t.dataset_id, trim(t.name) ORDER BY t.position) = 1
)
SELECT * FROM kept
{% if is_incremental() %}
UNION ALL BY NAME
SELECT id AS dataset_id, true AS _tombstone FROM (SELECT id FROM changed UNION SELECT id FROM stale)
{% endif %}
ORDER BY dataset_id, position
