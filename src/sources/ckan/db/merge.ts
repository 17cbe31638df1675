/**
 * Merging a load of the new page files (a small ckan_api database of its own, attached as
 * DELTA) into a copy of the previous ckan_api, so that the result equals a load of every page:
 *
 * - datasets: a new version replaces the old one unless the old one was modified later (the
 *   load's rule: latest metadata_modified wins, NULL last, then the later page, and every new
 *   page comes after every old one); its resources, tags, extras and groups go with it;
 * - organizations: each organization a replaced or new version names is decided again from the
 *   datasets now kept (the one modified last, then the highest id, that embeds it), parsed from
 *   `raw` as the tolerant load does;
 * - pages: the new files' rows are appended (the old rows keep their loaded_at);
 * - deleted_at: from the new listings (deletions.ts, applyListingsIncrementally).
 */
import { sqlString, sqlStringList, type DuckDbHandle } from '../../../duckdb/index.js';
import { LIST_SPEC, fromJsonStructure } from './columns.js';
import { applyListingsIncrementally, type ListingInput } from './deletions.js';
import { insertOrganizationsSql } from './load-sql.js';

export const DELTA = 'ckan_delta';
const CHILD_TABLES = ['resources', 'tags', 'extras', 'groups'] as const;
const WINNERS = 'ckan_inc_winners';
const ORG_IDS = 'ckan_inc_orgs';
const SEEN = 'ckan_inc_seen';
/** The organization candidates' table insertOrganizationsSql reads (load-sql.ts). */
const ORGS = 'ckan_load_orgs';

export interface MergeCounts {
  /** Datasets not in the previous database. */
  added: number;
  /** Datasets whose version was replaced by a newer one. */
  replaced: number;
  /** Datasets of the new pages whose previous version stays (it was modified later). */
  kept: number;
  /** Organizations decided again. */
  organizations: number;
  /** Datasets whose deleted_at the new listings changed. */
  deletedChanged: number;
}

/** The new versions that win, and the organizations they (and the versions they replace) name. */
async function decideWinners(db: DuckDbHandle): Promise<void> {
  await db.run(`CREATE TEMP TABLE ${WINNERS} AS
SELECT n.id, o.id IS NOT NULL AS replaces, o.organization_id AS old_org
FROM ${DELTA}.datasets n LEFT JOIN datasets o ON o.id = n.id
WHERE NOT coalesce(o.metadata_modified IS NOT NULL AND (n.metadata_modified IS NULL OR n.metadata_modified < o.metadata_modified), false);
CREATE TEMP TABLE ${ORG_IDS} AS
SELECT organization_id AS id FROM ${DELTA}.datasets WHERE id IN (SELECT id FROM ${WINNERS}) AND coalesce(organization_id, '') <> ''
UNION SELECT old_org FROM ${WINNERS} WHERE coalesce(old_org, '') <> '';`);
}

async function replaceDatasets(db: DuckDbHandle): Promise<void> {
  const replaced = `(SELECT id FROM ${WINNERS} WHERE replaces)`;
  const winners = `(SELECT id FROM ${WINNERS})`;
  const statements = [`DELETE FROM datasets WHERE id IN ${replaced}`];
  for (const t of CHILD_TABLES) statements.push(`DELETE FROM ${t} WHERE dataset_id IN ${replaced}`);
  statements.push(`INSERT INTO datasets SELECT * FROM ${DELTA}.datasets WHERE id IN ${winners}`);
  for (const t of CHILD_TABLES) statements.push(`INSERT INTO ${t} SELECT * FROM ${DELTA}.${t} WHERE dataset_id IN ${winners}`);
  statements.push(`INSERT INTO pages SELECT * FROM ${DELTA}.pages`);
  for (const sql of statements) await db.run(sql);
}

/**
 * The organizations named by a changed dataset, decided again among the datasets kept now. The
 * candidate modified last is found from the plain columns; when it is the new version the delta
 * load chose for that organization too, the delta's row is the answer (no `raw` is read). For the
 * others (an organization whose datasets moved away, say) the candidates are parsed from `raw`,
 * the one modified last first, all of them only where it does not embed the organization.
 */
async function redecideOrganizations(db: DuckDbHandle): Promise<void> {
  const structure = sqlString(fromJsonStructure({ organization: LIST_SPEC['organization'] as never }));
  const embeds = (t: string): string => `json_extract_string(${t}.raw, '$.organization.id') = ${t}.organization_id AND coalesce(${t}.organization_id, '') <> ''`;
  const candidate = (where: string): string => `SELECT from_json(d.raw, ${structure}).organization AS o, d.metadata_modified AS modified, d.id
FROM datasets d JOIN ckan_inc_ranked r ON r.id = d.id
WHERE ${where} AND r.org IN (SELECT id FROM ckan_inc_slow) AND json_extract_string(d.raw, '$.organization.id') = r.org`;
  await db.run(`DELETE FROM organizations WHERE id IN (SELECT id FROM ${ORG_IDS});
CREATE TEMP TABLE ckan_inc_ranked AS
SELECT id, organization_id AS org, row_number() OVER (PARTITION BY organization_id ORDER BY metadata_modified DESC NULLS LAST, id DESC) AS rn
FROM datasets WHERE organization_id IN (SELECT id FROM ${ORG_IDS});
CREATE TEMP TABLE ckan_inc_fast AS
SELECT r.org AS id FROM ckan_inc_ranked r
JOIN (SELECT organization_id AS org, id FROM ${DELTA}.datasets d WHERE ${embeds('d')}
      QUALIFY row_number() OVER (PARTITION BY organization_id ORDER BY metadata_modified DESC NULLS LAST, id DESC) = 1) w
  ON w.org = r.org AND w.id = r.id
WHERE r.rn = 1 AND r.id IN (SELECT id FROM ${WINNERS});
CREATE TEMP TABLE ckan_inc_slow AS SELECT id FROM ${ORG_IDS} WHERE id NOT IN (SELECT id FROM ckan_inc_fast);
INSERT INTO organizations SELECT * FROM ${DELTA}.organizations WHERE id IN (SELECT id FROM ckan_inc_fast);`);
  const [slow] = await db.all('SELECT count(*)::BIGINT AS n FROM ckan_inc_slow');
  if (Number(slow?.['n']) > 0) {
    await db.run(`CREATE TEMP TABLE ${ORGS} AS ${candidate('r.rn = 1')};
INSERT INTO ${ORGS} ${candidate(`r.rn > 1 AND r.org NOT IN (SELECT o.id FROM ${ORGS})`)};`);
    await db.run(insertOrganizationsSql());
    await db.run(`DROP TABLE ${ORGS}`);
  }
  await db.run('DROP TABLE ckan_inc_ranked; DROP TABLE ckan_inc_fast; DROP TABLE ckan_inc_slow;');
}

/** Every id of the new pages (duplicates and losing versions too) with the last new page it is in. */
async function seenIds(db: DuckDbHandle, newPages: readonly string[]): Promise<void> {
  if (newPages.length === 0) {
    await db.run(`CREATE TEMP TABLE ${SEEN} (id VARCHAR, last_page INTEGER)`);
    return;
  }
  await db.run(`CREATE TEMP TABLE ${SEEN} AS
SELECT id, max(page) AS last_page FROM (
  SELECT file_index::INTEGER AS page, from_json(json, '{"id": "VARCHAR"}').id AS id
  FROM read_json_objects(${sqlStringList(newPages)}, format = 'newline_delimited'))
WHERE coalesce(id, '') <> '' GROUP BY id`);
}

async function counts(db: DuckDbHandle): Promise<Pick<MergeCounts, 'added' | 'replaced' | 'kept' | 'organizations'>> {
  const [row] = await db.all(`SELECT
  (SELECT count(*) FROM ${WINNERS} WHERE NOT replaces)::BIGINT AS added,
  (SELECT count(*) FROM ${WINNERS} WHERE replaces)::BIGINT AS replaced,
  (SELECT count(*) FROM ${DELTA}.datasets WHERE id NOT IN (SELECT id FROM ${WINNERS}))::BIGINT AS kept,
  (SELECT count(*) FROM ${ORG_IDS})::BIGINT AS organizations`);
  return { added: Number(row?.['added']), replaced: Number(row?.['replaced']), kept: Number(row?.['kept']), organizations: Number(row?.['organizations']) };
}

/**
 * Merges the load at `deltaFile` (the new pages, loaded alone; undefined when there are none)
 * into the ckan_api tables of `db`, then applies the new listings (`afterPages` counted among the
 * new pages). `newPages` are the delta's page files, in load order.
 */
export async function mergeCkanDelta(db: DuckDbHandle, deltaFile: string | undefined, newPages: readonly string[], listings: readonly ListingInput[]): Promise<MergeCounts> {
  let merged: Pick<MergeCounts, 'added' | 'replaced' | 'kept' | 'organizations'> = { added: 0, replaced: 0, kept: 0, organizations: 0 };
  if (deltaFile !== undefined) await db.run(`ATTACH ${sqlString(deltaFile)} AS ${DELTA} (READ_ONLY)`);
  await db.run('BEGIN TRANSACTION');
  try {
    if (deltaFile !== undefined) {
      await decideWinners(db);
      merged = await counts(db);
      await replaceDatasets(db);
      await redecideOrganizations(db);
    }
    await seenIds(db, newPages);
    const deletedChanged = await applyListingsIncrementally(db, SEEN, listings);
    await db.run('COMMIT');
    return { ...merged, deletedChanged };
  } catch (err) {
    await db.run('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${SEEN}; DROP TABLE IF EXISTS ${WINNERS}; DROP TABLE IF EXISTS ${ORG_IDS};`).catch(() => undefined);
    if (deltaFile !== undefined) await db.run(`DETACH DATABASE IF EXISTS ${DELTA}`).catch(() => undefined);
  }
}
