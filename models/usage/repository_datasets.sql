-- repository_datasets: which datasets each repository uses, one row per repository and
-- dataset, with the files and matched lines, the dataset's name and organization, and the
-- repository's stars and language (from repositories).
SELECT
  u.repository,
  u.dataset_id,
  d.name AS dataset_name,
  d.organization_id,
  count(DISTINCT u.path)::BIGINT AS files,
  sum(u.match_lines)::BIGINT AS match_lines,
  any_value(r.stars)::BIGINT AS stars,
  any_value(r.language) AS language
FROM {{ ref('usage_matches') }} u
JOIN {{ ref('repositories') }} r ON r.repository = u.repository
LEFT JOIN {{ source('clean_ckan_api', 'datasets') }} d ON d.id = u.dataset_id
GROUP BY u.repository, u.dataset_id, d.name, d.organization_id
ORDER BY u.repository, u.dataset_id
