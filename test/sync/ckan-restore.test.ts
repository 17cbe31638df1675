/**
 * Issue #10 with a restore: a portal's artifacts pushed to the bucket with raw/ and pulled into
 * a new directory (new mtimes and inodes everywhere) go on incrementally. The next
 * insert-datasets-info merges only the delta into the restored ckan_api, which the pull's
 * digests vouch for. Against the real GCS emulator and the loopback CKAN server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runSession, type Task } from '../../src/engine/index.js';
import { createHttpClient } from '../../src/http/index.js';
import { ckanStage, downloadDatasetsInfo } from '../../src/pipelines/ckan.js';
import type { SiteConfig } from '../../src/config/index.js';
import { listArtifacts } from '../../src/store/index.js';
import { pullArtifacts, syncArtifacts } from '../../src/sync/index.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { fakeClock, FakeClock } from '../support/fake-clock.js';
import { smallCorpus } from '../sources/ckan/harness.js';
import { testConfig } from '../pipelines/ckan-fixture-config.js';
import { emulatorSuite } from './helpers.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const client = createHttpClient({ clock: fakeClock(), retries: 3, timeoutMs: 5000 });
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');

describe('a CKAN site restored from the bucket (GCS emulator)', () => {
  const gcs = emulatorSuite();
  let server: CkanTestServer | undefined;
  after(async () => server?.close());

  test('push with raw/, pull into a new directory, the portal changes: insert-datasets-info merges only the delta', async () => {
    const corpus = smallCorpus(150);
    server = await startCkanServer({ packages: corpus, maxRows: 50 });
    const config: SiteConfig = testConfig(server.actionUrl, { rows: 50 });
    const loaded = { config, file: 'test', hash: 'h' };
    const run = (dir: string, task: Task, at: number) => runSession([task], { artifactsDir: dir, scope: 'test-portal', workers: 2, clock: new FakeClock(at), random: () => 0, runtimeFamilies: ['CkanPage', 'CkanCrawl'] });
    const opts = (dir: string) => ({ artifactsDir: dir, client: () => client, since: 'auto' as const });
    const crawlAndLoad = async (dir: string, at: number) => {
      assert.equal((await run(dir, downloadDatasetsInfo(config, opts(dir)), at)).summary.status, 'success');
      const { insert } = ckanStage(loaded, opts(dir));
      const { summary } = await run(dir, insert, at);
      assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
      return JSON.parse(fs.readFileSync(insert.reportFile, 'utf8')) as Record<string, unknown>;
    };

    const src = gcs.dir('laptop');
    const first = await crawlAndLoad(src, T0);
    assert.equal(first['incremental'], false);
    await syncArtifacts({ store: gcs.store, artifactsDir: src, bucket: 'restore', prefix: 'uk', includeRaw: true });

    const into = gcs.dir('new-machine');
    await pullArtifacts({ store: gcs.store, bucket: 'restore', prefix: 'uk', into, includeRaw: true });
    const restored = (await listArtifacts(into, { site: 'test-portal', name: 'ckan_api' })).at(-1);
    assert.ok(restored);
    const original = fs.statSync(path.join(src, restored.path));
    const copy = fs.statSync(restored.absolutePath);
    assert.notEqual(copy.ino, original.ino, 'a new file');
    assert.notEqual(copy.mtimeMs, original.mtimeMs, 'with a new mtime');

    // Nothing changed yet: the load stage is complete in the restored directory (its report names
    // the artifact relative to the directory, not the laptop's path), and in a directory moved too.
    const loadOnly = async (dir: string) => (await run(dir, ckanStage(loaded, opts(dir)).insert, T0 + 1000)).summary;
    const noop = await loadOnly(into);
    assert.deepEqual([noop.status, noop.counts.ran], ['success', 0], 'the restored load is complete');
    const moved = `${src}-moved`;
    fs.renameSync(src, moved);
    const movedNoop = await loadOnly(moved);
    assert.deepEqual([movedNoop.status, movedNoop.counts.ran], ['success', 0], 'the moved load is complete');
    fs.renameSync(moved, src);

    server.packages = [...corpus.slice(2), ...corpus.slice(0, 2).map((p) => ({ ...p, title: 'edited', metadata_modified: iso(T0 + DAY - 1000) }))];
    const second = await crawlAndLoad(into, T0 + DAY);
    const incremental = second['incremental'] as Record<string, unknown> | false;
    assert.ok(incremental, `incremental after the restore, not full: ${String(second['fullBecause'])}`);
    assert.equal(incremental['from'], restored.path);
    assert.equal((incremental['merged'] as Record<string, unknown>)['replaced'], 2);
  });
});
