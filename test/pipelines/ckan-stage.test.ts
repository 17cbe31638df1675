/** The CKAN stage end to end: download → create → insert against a faulty local portal. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { runSession } from '../../src/engine/session.js';
import { CRAWL_FAMILIES, ckanStage } from '../../src/pipelines/ckan.js';
import { createHttpClient } from '../../src/http/index.js';
import { listArtifacts } from '../../src/store/index.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { generatePackages } from '../support/ckan-corpus.js';
import { expectedCounts, readDb } from '../support/ckan-db.js';
import { fakeClock } from '../support/fake-clock.js';
import { testConfig } from './ckan-fixture-config.js';

let dir: string;
let server: CkanTestServer;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-ckan-stage-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function stage() {
  const config = testConfig(server.actionUrl);
  const client = createHttpClient({ clock: fakeClock(), retries: 3, timeoutMs: 5000 });
  return ckanStage({ config, file: 'test', hash: 'h' }, { artifactsDir: dir, client: () => client });
}

const run = (task: ReturnType<typeof stage>['insert']) =>
  runSession([task], { artifactsDir: dir, scope: 'test-portal', workers: 3, clock: new FakeClock(Date.UTC(2026, 10, 22, 12)), random: () => 0 });

describe('the CKAN stage: download, create, insert', () => {
  test('with faults on: every dataset once, child counts match the source, a read-only artifact, and a rerun does nothing', async () => {
    const corpus = generatePackages(1200, 7);
    server = await startCkanServer({ packages: corpus, maxRows: 250 });
    server.schedule(
      { kind: 'status', status: 503 },
      { kind: 'rate-limit', retryAfter: '3' },
      { kind: 'html' },
      { kind: 'drop', fraction: 0.4 },
      { kind: 'truncate', fraction: 0.6 },
    );
    const { summary } = await run(stage().insert);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.equal(server.pendingFaults(), 0);

    const [artifact] = await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' });
    assert.ok(artifact, 'ckan_api was published');
    assert.equal(fs.statSync(artifact.absolutePath).mode & 0o777, 0o444);
    const expected = expectedCounts([corpus]);
    for (const table of ['datasets', 'resources', 'tags', 'extras', 'groups', 'organizations'] as const) {
      assert.equal(artifact.manifest.tables[table], expected[table], `${table} rows`);
    }
    const ids = await readDb(artifact.absolutePath, (db) => db.all('SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS d FROM datasets'));
    assert.deepEqual(ids, [{ n: 1200, d: 1200 }]);
    assert.equal(artifact.manifest.lineage.rawInputs.length, 5, 'five pages of 250 are its raw inputs');

    const requests = server.requests.length;
    const again = await run(stage().insert);
    assert.equal(again.summary.counts.ran, 0);
    assert.equal(server.requests.length, requests, 'no network work on a rerun');
    assert.equal((await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' })).length, 1, 'nothing republished');
  });

  test('new pages after a --refresh reload the database and publish a new artifact', async () => {
    const corpus = generatePackages(300, 3);
    server = await startCkanServer({ packages: corpus, maxRows: 1000 });
    await run(stage().insert);
    server.packages = [...corpus, ...generatePackages(50, 99)];
    const { summary } = await runSession([stage().insert], {
      artifactsDir: dir,
      scope: 'test-portal',
      clock: new FakeClock(Date.UTC(2026, 10, 22, 13)),
      force: ['CkanPage', 'CkanCrawl'],
      runtimeFamilies: CRAWL_FAMILIES,
    });
    assert.equal(summary.status, 'success');
    const artifacts = await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' });
    assert.equal(artifacts.length, 2);
    assert.deepEqual(artifacts.map((a) => a.manifest.tables['datasets']).sort(), [300, 350]);
  });

  test('a deleted published ckan_api is made again by the insert alone: no page is fetched again', async () => {
    server = await startCkanServer({ packages: generatePackages(120, 5), maxRows: 1000 });
    await run(stage().insert);
    const [artifact] = await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' });
    assert.ok(artifact);
    fs.rmSync(artifact.absolutePath);
    fs.rmSync(artifact.absolutePath.replace(/\.db$/, '.manifest.json'));
    const requests = server.requests.length;
    const { summary } = await runSession([stage().insert], { artifactsDir: dir, scope: 'test-portal', clock: new FakeClock(Date.UTC(2026, 10, 22, 14)) });
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.deepEqual(summary.groups.filter((g) => g.outcome === 'ran').map((g) => g.family), ['InsertDatasetsInfo']);
    assert.equal(server.requests.length, requests);
    assert.equal((await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' })).length, 1);
  });

  for (const change of ['deleted', 'edited'] as const) {
    test(`a raw page ${change} after the load is noticed by insert-datasets-info: that page is fetched again and the database reloaded`, async () => {
      server = await startCkanServer({ packages: generatePackages(300, 8), maxRows: 100 });
      await run(stage().insert);
      const rawDir = path.join(dir, 'raw', 'test-portal', 'ckan');
      const page = fs.readdirSync(rawDir).filter((f) => f.startsWith('page_')).sort()[1] as string;
      const file = path.join(rawDir, page);
      if (change === 'deleted') fs.rmSync(file);
      else fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/"title":"/, '"title":"EDITED '));
      const requests = server.requests.length;
      const { summary } = await runSession([stage().insert], { artifactsDir: dir, scope: 'test-portal', clock: new FakeClock(Date.UTC(2026, 10, 22, 15)) });
      assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
      const ran = summary.groups.filter((g) => g.outcome === 'ran').map((g) => g.family);
      assert.ok(ran.includes('InsertDatasetsInfo'), `not "Nothing to do": ${ran.join(', ')}`);
      assert.equal(server.requests.length - requests, 1, 'only the changed page is fetched again');
      assert.ok(!fs.readFileSync(file, 'utf8').includes('EDITED'));
      assert.equal((await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' })).length, 2);
    });
  }

  test('a portal whose data does not fit: the coercions are warned about, in the load report and the manifest; no absolute paths', async () => {
    const corpus = generatePackages(20, 5);
    const odd = [
      { ...corpus[0]!, tags: ['water', 'air'] },
      { ...corpus[1]!, extras: { theme: 'water' } },
      { ...corpus[2]!, metadata_created: 'last tuesday' },
    ];
    server = await startCkanServer({ packages: [...odd, ...corpus.slice(3)] });
    const { summary } = await run(stage().insert);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    const warning = summary.warnings.map((w) => w.message).join('\n');
    assert.match(warning, /1 unparseable timestamps, 2 list items that are not objects, 1 values that should be lists or objects/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'work', 'test-portal', 'ckan_api.load.json'), 'utf8'));
    assert.deepEqual(report.load.coerced.byField, { metadata_created: 1, 'tags[]': 2, extras: 1 });
    const [artifact] = await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' });
    assert.deepEqual((artifact?.manifest.build?.['coerced'] as { byField: unknown }).byField, report.load.coerced.byField);
    const files = await readDb(artifact!.absolutePath, (db) => db.all('SELECT DISTINCT file FROM (SELECT file FROM pages UNION ALL SELECT page_file FROM datasets)'));
    assert.deepEqual(files, [{ file: 'raw/test-portal/ckan/page_000000000.ndjson' }]);
  });
});
