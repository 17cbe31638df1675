-- tags: one row per (dataset, tag name) of a clean dataset; names trimmed, empty names dropped,
-- the first occurrence kept when a dataset repeats a tag. name_normalized is lower case for grouping.
SELECT
  t.dataset_id,
  trim(t.name) AS name,
  lower(trim(t.name)) AS name_normalized,
  nullif(trim(t.display_name), '') AS display_name,
  nullif(t.vocabulary_id, '') AS vocabulary_id,
  t.position
FROM {{ source('ckan_api', 'tags') }} t
JOIN {{ ref('datasets') }} d ON d.id = t.dataset_id
WHERE coalesce(trim(t.name), '') <> ''
QUALIFY row_number() OVER (PARTITION BY t.dataset_id, trim(t.name) ORDER BY t.position) = 1
ORDER BY t.dataset_id, t.position
