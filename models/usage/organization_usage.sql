-- organization_usage: dataset_usage rolled up per organization of clean_ckan_api. A
-- repository or file referencing several datasets of one organization counts once;
-- total_stars sums each distinct repository's stars once. datasets_used: datasets with at
-- least one referencing repository.
WITH org_repos AS (
  SELECT DISTINCT d.organization_id, u.repository
  FROM {{ ref('usage_matches') }} u
  JOIN {{ source('clean_ckan_api', 'datasets') }} d ON d.id = u.dataset_id
  WHERE d.organization_id IS NOT NULL
),
org_files AS (
  SELECT d.organization_id, count(DISTINCT (u.repository, u.path))::BIGINT AS files
  FROM {{ ref('usage_matches') }} u
  JOIN {{ source('clean_ckan_api', 'datasets') }} d ON d.id = u.dataset_id
  WHERE d.organization_id IS NOT NULL AND u.path IS NOT NULL
  GROUP BY d.organization_id
),
org_stats AS (
  SELECT o.organization_id, count(*)::BIGINT AS repositories, sum(r.stars)::BIGINT AS total_stars,
    list_sort(list_distinct(list(r.language))) AS languages, max(r.pushed_at) AS last_pushed_at
  FROM org_repos o JOIN {{ ref('repositories') }} r ON r.repository = o.repository
  GROUP BY o.organization_id
),
org_datasets AS (
  SELECT organization_id, count(*)::BIGINT AS datasets, count(*) FILTER (WHERE repositories > 0)::BIGINT AS datasets_used
  FROM {{ ref('dataset_usage') }}
  WHERE organization_id IS NOT NULL
  GROUP BY organization_id
)
SELECT
  o.id AS organization_id,
  o.name,
  o.title,
  coalesce(d.datasets, 0)::BIGINT AS datasets,
  coalesce(d.datasets_used, 0)::BIGINT AS datasets_used,
  coalesce(s.repositories, 0)::BIGINT AS repositories,
  coalesce(f.files, 0)::BIGINT AS files,
  coalesce(s.total_stars, 0)::BIGINT AS total_stars,
  coalesce(s.languages, []) AS languages,
  s.last_pushed_at
FROM {{ source('clean_ckan_api', 'organizations') }} o
LEFT JOIN org_datasets d ON d.organization_id = o.id
LEFT JOIN org_stats s ON s.organization_id = o.id
LEFT JOIN org_files f ON f.organization_id = o.id
ORDER BY repositories DESC, total_stars DESC, o.id
