-- repository_names: one row per repository name the code search found (lower case, e.g.
-- github.com/owner/name), with the repository it stands for now: a GitHub repository renamed
-- since (301) is named by its current full name, so its old and new names count as one.
-- GitHub fields are those of github_api.repos (status ok, renamed or gone; NULL when the
-- repository is not on github.com or was not enriched).
SELECT
  n.name,
  CASE WHEN r.status IN ('ok', 'renamed') AND r.full_name IS NOT NULL THEN 'github.com/' || lower(r.full_name) ELSE n.name END AS repository,
  r.status AS github_status,
  r.id AS github_id
FROM (SELECT DISTINCT lower(repository) AS name FROM {{ source('sourcegraph_api', 'matches') }} WHERE repository IS NOT NULL) n
LEFT JOIN {{ source('github_api', 'repos') }} r ON r.repository = n.name
ORDER BY n.name
