-- organizations: one row per organization id that any dataset names.
-- * The organizations the portal embedded in datasets (name, title as plain text, description,
--   type, state, image, created) come from ckan_api.organizations.
-- * An id a dataset names only through owner_org (no embedded organization: a private or
--   deleted one) gets a row too, with embedded = false and no name, so every
--   datasets.organization_id has its organization.
-- * dataset_count: datasets of the organization in the raw database.
WITH embedded AS (
  SELECT id, nullif(trim(name), '') AS name, nullif(trim(title), '') AS title,
    nullif(trim(description), '') AS description, type, state, nullif(image_url, '') AS image_url,
    created, is_organization, approval_status, true AS embedded
  FROM {{ source('ckan_api', 'organizations') }}
  WHERE coalesce(id, '') <> ''
  QUALIFY row_number() OVER (PARTITION BY id ORDER BY created DESC NULLS LAST, name) = 1
),
referenced AS (
  SELECT organization_id AS id, count(DISTINCT id) AS dataset_count
  FROM {{ source('ckan_api', 'datasets') }}
  WHERE coalesce(organization_id, '') <> ''
  GROUP BY organization_id
)
SELECT
  coalesce(e.id, r.id) AS id,
  e.name,
  coalesce(e.title, e.name) AS title,
  e.description,
  e.type,
  e.state,
  e.image_url,
  e.created,
  e.is_organization,
  e.approval_status,
  coalesce(e.embedded, false) AS embedded,
  coalesce(r.dataset_count, 0)::BIGINT AS dataset_count
FROM embedded e
FULL OUTER JOIN referenced r ON r.id = e.id
ORDER BY id
