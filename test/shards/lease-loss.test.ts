/**
 * A plan step whose lease is taken over stops: the renewal finds another holder, the lease's
 * signal interrupts the step's session (a page it was waiting for is abandoned), nothing is
 * committed or published, the step fails with ERR_LEASE_LOST naming the lease, and its run
 * log is uploaded all the same.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { siteConfigSchema, type SiteConfig } from '../../src/config/index.js';
import { isMallardError, parseShardSpec, runSession } from '../../src/engine/index.js';
import { runShardStep } from '../../src/pipelines/shard-steps.js';
import { SitePipeline } from '../../src/pipelines/site-pipeline.js';
import { openShardStore } from '../../src/shards/index.js';
import { stepPublisher } from '../../src/shards/run-publish.js';
import { createGcsStore } from '../../src/sync/index.js';
import { generatePackages } from '../support/ckan-corpus.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { repoRoot } from '../support/cli.js';
import { FakeClock } from '../support/fake-clock.js';
import { startGcsFakeServer, type GcsFakeServer } from '../support/gcs-fake-server.js';

const SITE = 'lease-loss';
let root: string;
let ckan: CkanTestServer;
let gcs: GcsFakeServer;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-lease-loss-'));
  ckan = await startCkanServer({ packages: generatePackages(4, 3) });
  gcs = await startGcsFakeServer({ buckets: ['lease-bucket'] });
});
after(async () => {
  await Promise.all([ckan?.close(), gcs?.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a plan step that loses its lease', () => {
  test('stops at once with ERR_LEASE_LOST, commits no plan, and leaves the lease to the step that took it over', async () => {
    const location = { bucket: 'lease-bucket', prefix: 'run' };
    const objectStore = await createGcsStore({ apiEndpoint: gcs.host });
    const store = await openShardStore(location, SITE, { objectStore });
    const config = siteConfigSchema.parse({ site: SITE, ckan: { url: ckan.actionUrl, rows: 1 }, http: { retries: 0, timeoutMs: 120_000 } }) as SiteConfig;
    const artifactsDir = path.join(root, 'plan');
    const pipeline = new SitePipeline({ config, file: 'test', hash: 'h' }, { artifactsDir, modelsDir: path.join(repoRoot, 'models'), env: {} });
    // Page 0 never answers: the step is busy when its lease is taken.
    ckan.schedule({ fault: { kind: 'hang' }, match: (q) => q.get('start') === '0' });
    const started = Date.now();
    const step = runShardStep({
      store, storeUrl: 'gs://lease-bucket/run', spec: parseShardSpec('plan'), command: 'download-datasets-info', site: SITE, artifactsDir, pipeline,
      roots: [pipeline.ckan().crawl], notice: () => {}, lease: { renewMs: 100 }, publisher: stepPublisher(location, objectStore),
      execute: async (tasks, onEvent, stop) => (await runSession(tasks, { artifactsDir, scope: SITE, workers: 2, ...(onEvent ? { onEvent } : {}), ...(stop ? { signal: stop } : {}) })).summary,
    });
    while (!ckan.requests.some((r) => r.query.get('start') === '0')) await new Promise((r) => setTimeout(r, 20));
    // Another plan step, 10 minutes later by its clock: the lease looks expired, it takes it over.
    const later = await openShardStore(location, SITE, { objectStore: await createGcsStore({ apiEndpoint: gcs.host }), clock: new FakeClock(Date.now() + 10 * 60_000) });
    const other = await later.acquireLease('download-datasets-info --shard plan', 'r-other', { host: 'other-host', renewMs: 3_600_000 });

    const err = await step.then(() => assert.fail('the step went on after losing its lease'), (e: unknown) => e);
    assert.ok(isMallardError(err), String(err));
    assert.equal(err.code, 'ERR_LEASE_LOST');
    assert.match(err.message, /the lease gs:\/\/lease-bucket\/run\/state\/lease-loss\/locks\/lease-loss\.single\.json of run .* was taken over/);
    assert.ok(Date.now() - started < 30_000, 'it stopped instead of waiting for the hung page');
    assert.equal(await store.currentPlan('ckan'), undefined, 'no plan committed');
    const lease = JSON.parse(gcs.object('lease-bucket', 'run/state/lease-loss/locks/lease-loss.single.json')!.data.toString('utf8')) as { holder: string };
    assert.equal(lease.holder, 'r-other', 'the lost lease was not released over the new holder');
    assert.ok(gcs.names('lease-bucket', 'run/runs/').length > 0, 'the failed step uploaded its run log');
    assert.deepEqual(gcs.names('lease-bucket', 'run/read_only/'), [], 'and published nothing');
    await other.release();
  });
});
