-- repositories: one row per repository referencing at least one dataset. GitHub metadata
-- from github_api (the record of the name still answered 'ok' first); stars and language
-- fall back to what Sourcegraph reported (repo_stars, the most frequent file language) for
-- repositories not on GitHub (other hosts, or not enriched). datasets / files: how many
-- datasets it references and in how many distinct files.
-- Counting rule for gone repositories: one GitHub answers 404, 410 or 451 for (or blocks) is
-- still a repository and its files still files (the code was found), but its stars are 0 in
-- every total: Sourcegraph's repo_stars for it is a stale cache.
WITH gh AS (
  SELECT n.repository, r.*
  FROM {{ ref('repository_names') }} n
  JOIN {{ source('github_api', 'repos') }} r ON r.repository = n.name
  WHERE r.status IN ('ok', 'renamed')
  QUALIFY row_number() OVER (PARTITION BY n.repository ORDER BY r.status = 'ok' DESC, r.fetched_at DESC, r.repository) = 1
),
sg AS (
  SELECT n.repository, max(m.repo_stars) AS stars, mode(m.language) AS language
  FROM {{ source('sourcegraph_api', 'matches') }} m
  JOIN {{ ref('repository_names') }} n ON n.name = lower(m.repository)
  GROUP BY n.repository
),
status AS (
  SELECT repository, any_value(github_status) AS github_status FROM {{ ref('repository_names') }} GROUP BY repository
),
used AS (
  SELECT repository, count(DISTINCT dataset_id)::BIGINT AS datasets, count(DISTINCT path)::BIGINT AS files
  FROM {{ ref('usage_matches') }}
  GROUP BY repository
)
SELECT
  u.repository,
  split_part(u.repository, '/', 1) AS host,
  gh.id AS github_id,
  gh.full_name,
  coalesce(gh.status, st.github_status) AS github_status,
  (CASE WHEN gh.status IS NULL AND st.github_status = 'gone' THEN 0 ELSE coalesce(gh.stars, sg.stars, 0) END)::BIGINT AS stars,
  gh.forks,
  coalesce(gh.language, sg.language) AS language,
  gh.license,
  gh.topics,
  gh.archived,
  gh.fork,
  gh.created_at,
  gh.pushed_at,
  gh.default_branch,
  u.datasets,
  u.files
FROM used u
LEFT JOIN gh ON gh.repository = u.repository
LEFT JOIN sg ON sg.repository = u.repository
LEFT JOIN status st ON st.repository = u.repository
ORDER BY u.repository
