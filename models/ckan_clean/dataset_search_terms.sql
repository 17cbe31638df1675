-- dataset_search_terms: per dataset, the strings worth searching for in public code (this
-- table drives the code-search stage). One row per (dataset, term), with its kind:
-- * landing_page: the dataset's page on the portal (<portal>/dataset/<name>).
-- * dataset_id: the dataset's id when it is a UUID (code calls package_show?id=<uuid>).
-- * dataset_name: the dataset's name (slug) when it is distinctive: 20+ characters with a dash
--   (short names such as 'crime' would match unrelated code).
-- * resource_url: each http(s) download URL with a real path, unless the same URL belongs to
--   more than 3 datasets (a shared URL, often an agency home page, identifies none of them).
-- * resource_id: each resource id that is a UUID (DataStore calls: datastore_search?resource_id=).
-- Only live datasets (datasets.deleted_at IS NULL) have terms: a dataset gone from the portal is
-- not searched for again.
-- URLs are searched without their scheme, user info and trailing slash, host in lower case
-- ('example.org/x.csv' matches both http:// and https:// forms); `url` keeps the full one.
-- dataset_version: the version of the dataset the rows were built from (datasets.dataset_version).
-- The UUID pattern is a constant in each expression: a pattern read from a column is compiled
-- again for every row (20,000 datasets: 14 s instead of 0.2 s).
-- Incremental, keyed by dataset: a rebuild makes again only the terms of the datasets that
-- changed (another version, deleted, gone, another landing page) and of those whose resource
-- URLs became shared or unshared (a URL a live dataset has whose term row disagrees with the
-- sharing count now); the result is what --full-refresh builds.
{% set uuid_re = "'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'" %}
{% set url_re = "'^https?://[^/?#]+/[^?#]*[^/?#]'" %}
{{ config(materialized='incremental', unique_key='dataset_id', tombstone='_tombstone') }}
WITH
{% if is_incremental() %}
built AS (SELECT DISTINCT dataset_id, dataset_version FROM {{ this }}),
changed AS (
  SELECT d.id FROM {{ ref('datasets') }} d
  LEFT JOIN built b ON b.dataset_id = d.id AND b.dataset_version = d.dataset_version
  WHERE d.deleted_at IS NULL AND b.dataset_id IS NULL
  UNION
  SELECT b.dataset_id FROM built b
  LEFT JOIN {{ ref('datasets') }} d ON d.id = b.dataset_id AND d.dataset_version = b.dataset_version AND d.deleted_at IS NULL
  WHERE d.id IS NULL
  UNION
  SELECT p.dataset_id FROM {{ this }} p JOIN {{ ref('datasets') }} d ON d.id = p.dataset_id
  WHERE p.kind = 'landing_page' AND p.url IS DISTINCT FROM d.landing_page_url
),
-- (dataset, URL) of live datasets: whether the URL is a term now (shared by at most 3) and
-- whether the table has it; a dataset where they disagree is built again. The URLs of all
-- resources are matched and counted once (shared_urls below takes its counts from here:
-- the regular expression over every resource URL cost 0.9 s of CPU at 100,000 datasets).
resource_url_pairs AS MATERIALIZED (
  SELECT DISTINCT dataset_id, url FROM {{ ref('resources') }} WHERE regexp_matches(url, {{ url_re }})
),
url_counts AS MATERIALIZED (
  SELECT url, count(dataset_id) AS datasets_sharing FROM resource_url_pairs GROUP BY url
),
flipped AS (
  SELECT DISTINCT r.dataset_id AS id
  FROM resource_url_pairs r
  JOIN {{ ref('datasets') }} d ON d.id = r.dataset_id AND d.deleted_at IS NULL
  JOIN url_counts c ON c.url = r.url
  -- Not deduplicated first: a repeated term row would only repeat the same verdict.
  LEFT JOIN (SELECT dataset_id, url FROM {{ this }} WHERE kind = 'resource_url') p ON p.dataset_id = r.dataset_id AND p.url = r.url
  WHERE (c.datasets_sharing <= 3) <> (p.dataset_id IS NOT NULL)
),
rebuilt AS (SELECT id FROM changed UNION SELECT id FROM flipped),
{% endif %}
chosen_resources AS (
  SELECT * FROM {{ ref('resources') }}{% if is_incremental() %} WHERE dataset_id IN (SELECT id FROM rebuilt){% endif %}
),
shared_urls AS (
{% if is_incremental() %}
  -- Every URL's count, computed once above; the join below keeps the chosen resources' URLs.
  SELECT url, datasets_sharing FROM url_counts
{% else %}
  SELECT url, count(DISTINCT dataset_id) AS datasets_sharing FROM {{ ref('resources') }}
  WHERE regexp_matches(url, {{ url_re }}) GROUP BY url
{% endif %}
),
resource_urls AS (
  SELECT r.dataset_id, r.url, r.id AS resource_id, s.datasets_sharing
  FROM chosen_resources r JOIN shared_urls s ON s.url = r.url
),
chosen AS (
  SELECT * FROM {{ ref('datasets') }}{% if is_incremental() %} WHERE id IN (SELECT id FROM rebuilt){% endif %}
),
terms AS (
  SELECT id AS dataset_id, 'landing_page' AS kind, landing_page_url AS url, NULL AS resource_id FROM chosen
  UNION ALL
  SELECT id, 'dataset_id', NULL, NULL FROM chosen WHERE regexp_matches(id, {{ uuid_re }})
  UNION ALL
  SELECT id, 'dataset_name', NULL, NULL FROM chosen
  WHERE length(name) >= 20 AND contains(name, '-') AND name <> id
  UNION ALL
  SELECT dataset_id, 'resource_url', url, resource_id FROM resource_urls WHERE datasets_sharing <= 3
  UNION ALL
  SELECT r.dataset_id, 'resource_id', NULL, r.id FROM chosen_resources r WHERE regexp_matches(r.id, {{ uuid_re }})
)
SELECT
  t.dataset_id,
  t.kind,
  CASE t.kind
    WHEN 'dataset_id' THEN lower(t.dataset_id)
    WHEN 'dataset_name' THEN d.name
    WHEN 'resource_id' THEN lower(t.resource_id)
    ELSE lower(regexp_extract(t.bare_url, '^[^/?#]*')) || rtrim(regexp_replace(t.bare_url, '^[^/?#]*', ''), '/')
  END AS term,
  t.url,
  t.resource_id,
  d.dataset_version,
  false AS _tombstone
FROM (SELECT *, regexp_replace(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?', '') AS bare_url FROM terms) t
JOIN chosen d ON d.id = t.dataset_id
WHERE d.deleted_at IS NULL
QUALIFY row_number() OVER (PARTITION BY t.dataset_id, term ORDER BY t.kind, t.resource_id) = 1
{% if is_incremental() %}
UNION ALL BY NAME
SELECT id AS dataset_id, true AS _tombstone FROM rebuilt
{% endif %}
ORDER BY dataset_id, kind, term
