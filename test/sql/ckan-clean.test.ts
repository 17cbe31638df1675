/**
 * The ckan_clean models (models/ckan_clean) on ckan_api databases built by the real loader from
 * generated packages (with hand-made edge cases) and from the recorded CKAN responses.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCkanApiDatabase } from '../../src/sources/ckan/db/index.js';
import { buildModelDatabase, loadProject, selectByGroup, type ModelBuildResult } from '../../src/sql/index.js';
import { generatePackages, writePageFiles, type CkanPackage } from '../support/ckan-corpus.js';
import { ckanFixture, ckanFixtureNames, ckanFixturesMissing } from '../support/ckan-fixtures.js';
import { repoRoot } from '../support/cli.js';
import { query } from './helpers.js';

const VARS = { site: 'test', ckan_api_url: 'https://data.example.org/api/3/action', ckan_site_url: 'https://data.example.org' };

/** `listed`: the ids of an id listing made after the pages (those it lacks are deleted at LISTED_AT). */
async function buildClean(dir: string, packages: CkanPackage[], listed?: string[]): Promise<{ clean: string; result: ModelBuildResult }> {
  const pages = await writePageFiles(path.join(dir, 'pages'), packages, 50);
  const raw = path.join(dir, 'ckan_api.db');
  const listings = [];
  if (listed !== undefined) {
    const file = path.join(dir, 'ids_000000000.ndjson');
    await writeFile(file, listed.map((id) => `${JSON.stringify({ id })}\n`).join(''));
    listings.push({ files: [file], listedAt: new Date(LISTED_AT), afterPages: pages.length });
  }
  await buildCkanApiDatabase(raw, pages, { listings });
  const project = await loadProject(path.join(repoRoot, 'models'));
  const [selection] = selectByGroup(project, 'ckan_clean');
  assert.ok(selection);
  const clean = path.join(dir, 'clean_ckan_api.db');
  const result = await buildModelDatabase({ project, selection, target: clean, sources: { ckan_api: raw }, vars: VARS, shrinkTolerance: 0.1, allowShrink: false });
  return { clean, result };
}

const LISTED_AT = '2026-11-30T12:00:00.000Z';
const ORG = { id: 'org-1-id', name: 'council', title: 'The Council', is_organization: true, state: 'active' };
const SHARED_URL = 'https://www.agency.example/open-data/';

function edgeCases(): CkanPackage[] {
  const base = { metadata_created: '2020-01-01T00:00:00', state: 'active', private: false, organization: ORG, owner_org: ORG.id };
  const shared = (i: number) => ({ id: `shared-${i}`, url: `${SHARED_URL}`, format: 'html' });
  return [
    { ...base, id: 'a1', name: 'older', title: 'Old title', metadata_modified: '2020-01-02T00:00:00', resources: [] },
    { ...base, id: 'a1', name: 'purchase-card-transactions-2021', title: 'New title', metadata_modified: '2021-06-01T00:00:00', tags: [{ name: ' spending ' }, { name: 'spending' }, { name: '' }],
      resources: [
        { id: '0c6a1c1e-3b9a-4b7e-9e5d-1f0b2a3c4d5e', url: 'https://Files.Example.org:8443/data/card.csv', format: ' .csv ', size: '391.4 MB' },
        { id: 'r2', url: 'http://user@example.com/x/y.json?z=1', format: 'Geo JSON', size: 1234 },
        { id: 'r3', url: '', format: '', size: '12' },
        shared(1),
      ] },
    { ...base, id: 'b2', name: 'fr', title: { fr: 'Titre', 'en-GB': 'English title' }, notes: { de: 'Notiz', fr: 'Note' }, metadata_modified: '2021-01-01T00:00:00', organization: null, owner_org: 'hidden-org', resources: [shared(2)] },
    { ...base, id: 'c3', name: 'c3', title: 'C', metadata_modified: '2021-01-01T00:00:00', resources: [shared(3), { id: 'r9', url: 'https://example.org/unique/file.zip', format: 'ZIP' }] },
    { ...base, id: 'd4', name: 'd4', title: 'D', metadata_modified: '2021-01-01T00:00:00', resources: [shared(4)] },
  ] as unknown as CkanPackage[];
}

describe('ckan_clean models', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-ckan-clean-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('edge cases: dedupe, English titles, formats, hosts, sizes, tags, orgs, search terms', async () => {
    const { clean, result } = await buildClean(path.join(dir, 'edge'), edgeCases());
    assert.deepEqual(result.models.map((m) => m.name), ['organizations', 'datasets', 'resources', 'dataset_search_terms', 'tags']);
    const datasets = await query(clean, 'SELECT id, name, title, notes, landing_page_url, organization_id, organization_name, organization_title FROM datasets ORDER BY id');
    assert.deepEqual(datasets.map((d) => d['id']), ['a1', 'b2', 'c3', 'd4']);
    assert.deepEqual(datasets[0], {
      id: 'a1', name: 'purchase-card-transactions-2021', title: 'New title', notes: null,
      landing_page_url: 'https://data.example.org/dataset/purchase-card-transactions-2021',
      organization_id: 'org-1-id', organization_name: 'council', organization_title: 'The Council',
    });
    assert.equal(datasets[1]?.['title'], 'English title');
    assert.equal(datasets[1]?.['notes'], 'Notiz');
    assert.equal(datasets[1]?.['organization_name'], null);
    const orgs = await query(clean, 'SELECT id, name, embedded, dataset_count FROM organizations ORDER BY id');
    assert.deepEqual(orgs, [{ id: 'hidden-org', name: null, embedded: false, dataset_count: '1' }, { id: 'org-1-id', name: 'council', embedded: true, dataset_count: '3' }]);
    const res = await query(clean, "SELECT position, format, url_host, size_bytes, size_estimated FROM resources WHERE dataset_id = 'a1' ORDER BY position");
    assert.deepEqual(res, [
      { position: 0, format: 'CSV', url_host: 'files.example.org', size_bytes: '391400000', size_estimated: true },
      { position: 1, format: 'GEOJSON', url_host: 'example.com', size_bytes: '1234', size_estimated: false },
      { position: 2, format: null, url_host: null, size_bytes: '12', size_estimated: false },
      { position: 3, format: 'HTML', url_host: 'www.agency.example', size_bytes: null, size_estimated: false },
    ]);
    assert.deepEqual(await query(clean, "SELECT name, name_normalized FROM tags WHERE dataset_id = 'a1'"), [{ name: 'spending', name_normalized: 'spending' }]);
    const terms = await query(clean, "SELECT kind, term FROM dataset_search_terms WHERE dataset_id = 'a1' ORDER BY kind, term");
    assert.deepEqual(terms, [
      { kind: 'dataset_name', term: 'purchase-card-transactions-2021' },
      { kind: 'landing_page', term: 'data.example.org/dataset/purchase-card-transactions-2021' },
      { kind: 'resource_id', term: '0c6a1c1e-3b9a-4b7e-9e5d-1f0b2a3c4d5e' },
      { kind: 'resource_url', term: 'example.com/x/y.json?z=1' },
      { kind: 'resource_url', term: 'files.example.org:8443/data/card.csv' },
    ]);
    // The URL shared by four datasets identifies none of them; a unique one is kept.
    assert.deepEqual(await query(clean, `SELECT count(*)::INTEGER AS n FROM dataset_search_terms WHERE url = '${SHARED_URL}'`), [{ n: 0 }]);
    assert.deepEqual(await query(clean, "SELECT term FROM dataset_search_terms WHERE dataset_id = 'c3' AND kind = 'resource_url'"), [{ term: 'example.org/unique/file.zip' }]);
  });

  test('generated corpus: one row per id, every resource and tag kept, all schema tests pass', async () => {
    const packages = generatePackages(400, 7);
    const { clean, result } = await buildClean(path.join(dir, 'corpus'), packages);
    assert.ok(result.tests.length >= 15 && result.tests.every((t) => t.failures === 0));
    const ids = new Set(packages.map((p) => p.id));
    assert.equal(result.counts['datasets'], ids.size);
    assert.equal(result.counts['resources'], packages.reduce((n, p) => n + (p.resources?.length ?? 0), 0));
    const [terms] = await query(clean, "SELECT count(*) FILTER (kind = 'landing_page')::INTEGER AS pages, count(DISTINCT dataset_id)::INTEGER AS datasets FROM dataset_search_terms");
    assert.deepEqual(terms, { pages: ids.size, datasets: ids.size });
    const multilingual = packages.find((p) => typeof p['title'] === 'object' && p['title'] !== null && 'en' in (p['title'] as object));
    if (multilingual !== undefined) {
      const [row] = await query(clean, `SELECT title FROM datasets WHERE id = '${multilingual.id}'`);
      assert.equal(row?.['title'], (multilingual['title'] as Record<string, string>)['en']);
    }
  });

  test('deleted datasets: kept with deleted_at, no search terms, schema tests pass', async () => {
    const packages = generatePackages(30, 11);
    const gone = new Set([packages[3]!.id, packages[17]!.id]);
    const { clean, result } = await buildClean(path.join(dir, 'deleted'), packages, packages.map((p) => p.id).filter((id) => !gone.has(id)));
    assert.ok(result.tests.every((t) => t.failures === 0), JSON.stringify(result.tests.filter((t) => t.failures > 0)));
    assert.equal(result.counts['datasets'], 30, 'deleted datasets stay');
    const deleted = await query(clean, "SELECT id, strftime(deleted_at, '%Y-%m-%dT%H:%M:%S') AS at FROM datasets WHERE deleted_at IS NOT NULL ORDER BY id");
    assert.deepEqual(deleted, [...gone].sort().map((id) => ({ id, at: '2026-11-30T12:00:00' })));
    const searched = await query(clean, 'SELECT DISTINCT dataset_id FROM dataset_search_terms ORDER BY dataset_id');
    assert.deepEqual(searched.map((r) => r['dataset_id']), packages.map((p) => p.id).filter((id) => !gone.has(id)).sort(), 'only live datasets are searched');
    const resources = await query(clean, `SELECT count(*)::INTEGER AS n FROM resources WHERE dataset_id IN ('${[...gone].join("','")}')`);
    assert.deepEqual(resources, [{ n: [...gone].reduce((n, id) => n + (packages.find((p) => p.id === id)?.resources?.length ?? 0), 0) }], 'their resources are kept too');
    const [comment] = await query(clean, "SELECT comment FROM duckdb_columns() WHERE table_name = 'datasets' AND column_name = 'deleted_at'");
    assert.match(String(comment?.['comment']), /found gone from the portal/, 'the column is described in the database');
  });

  test('recorded CKAN responses build and pass the schema tests', { skip: ckanFixturesMissing() }, async () => {
    const packages: CkanPackage[] = [];
    for (const name of ckanFixtureNames()) {
      const body = ckanFixture(name);
      if (!body.success) continue;
      const result = body.result as { results?: CkanPackage[] } & Partial<CkanPackage>;
      if (Array.isArray(result.results)) packages.push(...result.results);
      else if (typeof result.id === 'string') packages.push(result as CkanPackage);
    }
    const { clean, result } = await buildClean(path.join(dir, 'recorded'), packages);
    assert.equal(result.counts['datasets'], new Set(packages.map((p) => p.id)).size);
    const kinds = await query(clean, 'SELECT DISTINCT kind FROM dataset_search_terms ORDER BY kind');
    assert.deepEqual(kinds.map((k) => k['kind']), ['dataset_id', 'dataset_name', 'landing_page', 'resource_id', 'resource_url']);
    const [nulls] = await query(clean, 'SELECT count(*) FILTER (title IS NULL)::INTEGER AS n FROM datasets');
    assert.deepEqual(nulls, { n: 0 });
  });
});
