/**
 * The incremental ckan_clean models (datasets, resources, dataset_search_terms, tags): a rebuild
 * after the raw database changed (edits, new datasets, deletions, datasets gone from it,
 * organizations renamed, URLs that become shared or stop being shared) gives every table exactly
 * what --full-refresh gives.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { buildCkanApiDatabase } from '../../src/sources/ckan/db/index.js';
import { buildModelDatabase, loadProject, selectByGroup, type ModelBuildResult } from '../../src/sql/index.js';
import { generatePackages, writePageFiles, type CkanPackage } from '../support/ckan-corpus.js';
import { repoRoot } from '../support/cli.js';
import { sortedTables } from '../support/table-dump.js';

const VARS = { site: 'test', ckan_api_url: 'https://data.example.org/api/3/action', ckan_site_url: 'https://data.example.org' };
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-clean-incr-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function clean(raw: string, target: string, fullRefresh = false): Promise<ModelBuildResult> {
  const project = await loadProject(path.join(repoRoot, 'models'));
  const [selection] = selectByGroup(project, 'ckan_clean');
  assert.ok(selection);
  return buildModelDatabase({ project, selection, target, sources: { ckan_api: raw }, vars: VARS, shrinkTolerance: 1, allowShrink: true, fullRefresh });
}

const SHARED = 'https://agency.example/shared/file.csv';
/** Shared by four datasets at first (no term), by three once one of them drops it (a term of each). */
const UNSHARED = 'https://agency.example/shared/later-unshared.csv';
const modified = '2030-01-01T00:00:00';

describe('incremental ckan_clean', () => {
  test('a rebuild after edits, additions, deletions and removals equals --full-refresh, table by table', async () => {
    const base = generatePackages(400, 5);
    // Three datasets share a URL (terms kept); a fourth will share it later (terms dropped).
    for (const i of [1, 2, 3]) (base[i]!['resources'] as Record<string, unknown>[]).push({ id: `shared-${i}`, url: SHARED, format: 'CSV' });
    for (const i of [5, 6, 7, 8]) (base[i]!['resources'] as Record<string, unknown>[]).push({ id: `unshared-${i}`, url: UNSHARED, format: 'CSV' });
    const pages = await writePageFiles(path.join(dir, 'base'), base, 100);
    const raw1 = path.join(dir, 'ckan_api_1.db');
    await buildCkanApiDatabase(raw1, pages);
    const target = path.join(dir, 'clean_ckan_api.db');
    const first = await clean(raw1, target);
    assert.deepEqual(first.models.filter((m) => m.materialization === 'incremental').map((m) => [m.name, m.incremental]), [['datasets', false], ['resources', false], ['dataset_search_terms', false], ['tags', false]]);
    const before = (await sortedTables(target))['dataset_search_terms']!;
    assert.equal(before.filter((t) => t['url'] === SHARED).length, 3, 'a URL shared by three datasets is a term of each');
    assert.equal(before.filter((t) => t['url'] === UNSHARED).length, 0, 'a URL shared by four datasets is no term');

    // The delta: edits (title, resources and tags gone, a new resource, the shared URL added to
    // a fourth dataset), an organization renamed through its latest dataset, new datasets.
    const org = base.find((p) => p['organization'] !== null && typeof p['organization'] === 'object')!['organization'] as Record<string, unknown>;
    const edits: CkanPackage[] = [
      { ...base[10]!, title: 'edited title', metadata_modified: modified },
      { ...base[11]!, resources: [], tags: [], metadata_modified: modified },
      { ...base[12]!, resources: [...(base[12]!['resources'] as Record<string, unknown>[]), { id: 'new-res', url: 'https://new.example/x.csv' }], metadata_modified: modified },
      { ...base[4]!, resources: [{ id: 'shared-4', url: SHARED }], metadata_modified: modified },
      { ...base[8]!, resources: (base[8]!['resources'] as Record<string, unknown>[]).filter((r) => r['url'] !== UNSHARED), metadata_modified: modified },
      { ...base[13]!, organization: { ...org, title: 'Renamed organisation' }, owner_org: org['id'], metadata_modified: '2031-01-01T00:00:00' } as unknown as CkanPackage,
    ];
    const added = generatePackages(5, 6).map((p, i) => ({ ...p, id: `added-${i}`, name: `added-dataset-number-${i}`, metadata_modified: modified }));
    const delta = await writePageFiles(path.join(dir, 'delta'), [...edits, ...added], 100);
    // The last base page is gone (its datasets leave the raw database), and a listing marks deletions.
    const kept = pages.slice(0, -1);
    const listed = [...base.slice(0, 300), ...edits, ...added].map((p) => String(p.id)).filter((id) => id !== String(base[20]!.id));
    const listing = path.join(dir, 'ids.ndjson');
    fs.writeFileSync(listing, listed.map((id) => `${JSON.stringify({ id })}\n`).join(''));
    const raw2 = path.join(dir, 'ckan_api_2.db');
    await buildCkanApiDatabase(raw2, [...kept, ...delta], { listings: [{ files: [listing], listedAt: new Date('2030-02-01T00:00:00Z'), afterPages: kept.length + delta.length }] });

    const second = await clean(raw2, target);
    assert.deepEqual(second.models.filter((m) => m.materialization === 'incremental').map((m) => [m.name, m.incremental]), [['datasets', true], ['resources', true], ['dataset_search_terms', true], ['tags', true]]);
    const incremental = await sortedTables(target);
    const fullTarget = path.join(dir, 'full', 'clean_ckan_api.db');
    const full = await clean(raw2, fullTarget, true);
    assert.ok(full.models.every((m) => m.incremental !== true));
    const expected = await sortedTables(fullTarget);
    assert.deepEqual(Object.keys(incremental), Object.keys(expected));
    for (const table of Object.keys(expected)) assert.deepEqual(incremental[table], expected[table], `${table}: incremental equals --full-refresh`);

    // The scenario did what it says.
    const datasets = expected['datasets']!;
    assert.equal(datasets.length, 300 + added.length);
    assert.equal(datasets.find((d) => d['id'] === base[20]!.id)?.['deleted_at'] !== null, true, 'a deletion is marked');
    assert.equal(datasets.find((d) => d['id'] === base[13]!.id)?.['organization_title'], 'Renamed organisation');
    assert.equal(expected['resources']!.filter((r) => r['dataset_id'] === base[11]!.id).length, 0, 'a dataset that lost its resources has none');
    assert.equal(expected['dataset_search_terms']!.filter((t) => t['url'] === SHARED).length, 0, 'a URL shared by four datasets is no term');
    assert.deepEqual(expected['dataset_search_terms']!.filter((t) => t['url'] === UNSHARED).map((t) => t['dataset_id']).sort(), [5, 6, 7].map((i) => base[i]!.id).sort(), 'a URL no longer shared by four is a term of the three left');
    assert.equal(expected['dataset_search_terms']!.filter((t) => t['dataset_id'] === base[20]!.id).length, 0, 'a deleted dataset has no terms');
    assert.equal(first.counts['dataset_search_terms']! > 0, true);
  });
});
