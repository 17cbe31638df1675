-- usage_matches: one row per dataset, repository and file whose code references the dataset
-- (through any of its search terms); repository as in repository_names.repository. A match
-- without a file (a repository-name match) has path NULL. match_lines: matched lines.
SELECT
  m.dataset_id,
  n.repository,
  m.path,
  count(*)::BIGINT AS match_lines,
  list(DISTINCT m.term ORDER BY m.term) AS terms
FROM {{ source('sourcegraph_api', 'matches') }} m
JOIN {{ ref('repository_names') }} n ON n.name = lower(m.repository)
GROUP BY m.dataset_id, n.repository, m.path
ORDER BY m.dataset_id, n.repository, m.path NULLS FIRST
