/** Issue #10: incremental crawls (--since auto) against the loopback portal: deltas merged, deletions marked, resumable. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { runSession } from '../../src/engine/session.js';
import type { Task } from '../../src/engine/index.js';
import type { SiteConfig } from '../../src/config/index.js';
import { ckanStage, downloadDatasetsInfo } from '../../src/pipelines/ckan.js';
import { createHttpClient } from '../../src/http/index.js';
import { listArtifacts } from '../../src/store/index.js';
import { startCkanServer, type CkanPackage, type CkanTestServer } from '../support/ckan-server.js';
import { readDb } from '../support/ckan-db.js';
import { fakeClock, FakeClock } from '../support/fake-clock.js';
import { smallCorpus } from '../sources/ckan/harness.js';
import { testConfig } from './ckan-fixture-config.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
let dir: string;
let server: CkanTestServer;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-ckan-incr-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const client = createHttpClient({ clock: fakeClock(), retries: 3, timeoutMs: 5000 });
const options = (extra: { since?: 'auto' | 'full'; reconcileEveryMs?: number } = {}) => ({ artifactsDir: dir, client: () => client, ...extra });
const run = (task: Task, at: number, workers = 3) => runSession([task], { artifactsDir: dir, scope: 'test-portal', workers, clock: new FakeClock(at), random: () => 0 });
const searches = () => server.count('/api/3/action/package_search');

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '');
}

/** A modified copy of a package, as the portal serves it after an edit at `at`. */
function edited(pkg: CkanPackage, at: number): CkanPackage {
  return { ...pkg, title: `${String(pkg.title)} (edited)`, metadata_modified: iso(at) };
}

async function loadAndRead(config: SiteConfig, at: number) {
  const { insert } = ckanStage({ config, file: 'test', hash: 'h' }, options());
  const { summary } = await run(insert, at);
  assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
  const artifacts = await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' });
  const latest = artifacts.at(-1);
  assert.ok(latest);
  const rows = await readDb(latest.absolutePath, (db) => db.all("SELECT id, title, strftime(deleted_at, '%Y-%m-%dT%H:%M:%S') AS deleted_at FROM datasets ORDER BY id"));
  return { summary, rows, manifest: latest.manifest };
}

describe('download-datasets-info --since auto', () => {
  test('fetches only what changed, merges newest-wins, marks deletions at the reconcile interval, warns on drift', async () => {
    const corpus = smallCorpus(250);
    server = await startCkanServer({ packages: corpus, maxRows: 100 });
    const config = testConfig(server.actionUrl, { rows: 100 });
    const first = await run(downloadDatasetsInfo(config, options({ since: 'auto' })), T0);
    assert.equal(first.summary.status, 'success', 'no base crawl yet: a full crawl');
    const full = searches();
    assert.equal(full, 3);

    // A day later: 3 datasets edited, 2 created, 4 deleted.
    const t1 = T0 + DAY;
    const byId = [...corpus].sort((a, b) => (a.id < b.id ? -1 : 1));
    const edits = byId.slice(10, 13).map((p) => edited(p, t1 - 3_600_000));
    const created = [0, 1].map((i) => ({ ...corpus[0]!, id: `new-${i}`, name: `new-${i}`, title: `New ${i}`, metadata_modified: iso(t1 - 1_000) }));
    const deleted = new Set(byId.slice(100, 104).map((p) => p.id));
    server.packages = [...corpus.filter((p) => !deleted.has(p.id) && !edits.some((e) => e.id === p.id)), ...edits, ...created];

    const update = await run(downloadDatasetsInfo(config, options({ since: 'auto' })), t1);
    assert.equal(update.summary.status, 'success', JSON.stringify(update.summary.failures));
    const deltaRequests = server.requests.slice(-(searches() - full));
    assert.equal(deltaRequests.length, 2, 'one delta page and the total: work proportional to the change');
    assert.equal(deltaRequests[0]?.query.get('fq'), `metadata_modified:[${new Date(T0 - 3_600_000).toISOString()} TO *]`, 'since the last complete crawl minus the hour of overlap');
    assert.equal(deltaRequests[0]?.query.get('sort'), 'metadata_modified asc, id asc');

    const loaded = await loadAndRead(config, t1);
    assert.equal(loaded.rows.length, 252, 'base + 2 created; the deletions are not known yet (no listing within 7 days)');
    for (const e of edits) assert.equal(loaded.rows.find((r) => r['id'] === e.id)?.['title'], e.title, 'the newest version wins');
    assert.ok(loaded.rows.every((r) => r['deleted_at'] === null));
    assert.match(loaded.summary.warnings.map((w) => w.message).join('\n'), /252 datasets loaded \(not deleted\) but the portal reports 248: 4 more than reported/, 'the drift is said');

    // Eight days after the base crawl: the delta, then an id listing that finds the 4 deletions.
    const t2 = T0 + 8 * DAY;
    const before = searches();
    const reconcile = await run(downloadDatasetsInfo(config, options({ since: 'auto' })), t2);
    assert.equal(reconcile.summary.status, 'success', JSON.stringify(reconcile.summary.failures));
    const listing = server.requests.slice(before).filter((r) => r.query.get('fl') === 'id');
    assert.equal(listing.length, 3, '248 ids in pages of 100, keyed by id');
    assert.match(listing[1]?.query.get('fq') ?? '', /^id:\[".+" TO \*\]$/);

    const final = await loadAndRead(config, t2);
    assert.equal(final.rows.length, 252, 'deleted datasets stay in the database');
    const marked = final.rows.filter((r) => r['deleted_at'] !== null);
    assert.deepEqual(marked.map((r) => r['id']).sort(), [...deleted].sort());
    assert.ok(marked.every((r) => r['deleted_at'] === '2026-01-09T00:00:00'), 'deleted at the listing time');
    assert.equal(final.manifest.build?.['deleted'], 4);
    assert.deepEqual(final.summary.warnings, [], 'merged total matches the portal again');
  });

  test('ckan.incremental makes it the default; an update interrupted half way resumes without losing datasets', async () => {
    const corpus = smallCorpus(120);
    server = await startCkanServer({ packages: corpus, maxRows: 10 });
    const config = testConfig(server.actionUrl, { rows: 10, incremental: true });
    assert.equal((await run(downloadDatasetsInfo(config, options()), T0)).summary.status, 'success');

    const t1 = T0 + DAY;
    const edits = corpus.slice(0, 45).map((p, i) => edited(p, t1 - 60_000 + i));
    server.packages = [...corpus.slice(45), ...edits];
    // The fourth delta page fails (a CKAN error is not retried): the update stops half way.
    server.schedule({ fault: { kind: 'ckan-error', status: 409, type: 'Validation Error', message: 'try later' }, match: (q) => q.get('sort') === 'metadata_modified asc, id asc' && /2026-01-01T23:59:00\.029Z/.test(q.get('fq') ?? '') });
    const broken = await run(downloadDatasetsInfo(config, options()), t1, 1);
    assert.equal(broken.summary.status, 'failed');
    assert.equal(server.pendingFaults(), 0);
    const beforeResume = server.requests.length;
    // Meanwhile one more dataset changes: the resumed update must still get all of them.
    const late = edited(corpus[50]!, t1 + 1000);
    server.packages = [...server.packages.filter((p) => p.id !== late.id), late];
    const resumed = await run(downloadDatasetsInfo(config, options()), t1 + 2000, 1);
    assert.equal(resumed.summary.status, 'success', JSON.stringify(resumed.summary.failures));
    const again = server.requests.slice(beforeResume).filter((r) => r.query.get('sort') === 'metadata_modified asc, id asc');
    assert.equal(again[0]?.query.get('fq')?.includes('2026-01-01T23:59:00.029Z'), true, 'resumes at the page that failed, not from the start');

    const loaded = await loadAndRead(config, t1 + 3000);
    assert.equal(loaded.rows.length, 120);
    for (const e of [...edits, late]) assert.equal(loaded.rows.find((r) => r['id'] === e.id)?.['title'], e.title, `${e.id} has its newest version`);
  });
});
