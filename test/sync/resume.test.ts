/**
 * The run state travels with the artifacts: build, push (with the state to resume), pull
 * into a new directory (new mtimes and inodes), rerun: nothing to do. Against the real GCS
 * emulator.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runSession } from '../../src/engine/index.js';
import { pullArtifacts, syncArtifacts } from '../../src/sync/index.js';
import { Aggregate } from '../ui/file-tasks.js';
import { emulatorSuite } from './helpers.js';

describe('state that survives a restore (GCS emulator)', () => {
  const gcs = emulatorSuite();

  test('build, push, pull into a new directory, rerun: nothing to do; locks never travel', async () => {
    const src = gcs.dir('src');
    const work = (root: string): string => path.join(root, 'work', 'demo');
    const first = await runSession([new Aggregate(work(src), 4)], { artifactsDir: src, scope: 'demo', workers: 1 });
    assert.equal(first.summary.counts.ran, 5);
    fs.mkdirSync(path.join(src, '.mallard', 'locks'), { recursive: true });
    fs.writeFileSync(path.join(src, '.mallard', 'locks', 'demo.lock'), '{"pid":1}');
    const pushed = await syncArtifacts({ store: gcs.store, artifactsDir: src, bucket: 'resume', prefix: 'ci', includeRaw: true });
    assert.ok(pushed.uploads.some((u) => u.path === '.mallard/receipts/demo.jsonl'), JSON.stringify(pushed.uploads));
    assert.ok(!pushed.uploads.some((u) => u.path.includes('locks') || u.path.startsWith('.cache')), JSON.stringify(pushed.uploads));
    const into = gcs.dir('fresh-runner');
    await pullArtifacts({ store: gcs.store, bucket: 'resume', prefix: 'ci', into, includeRaw: true });
    assert.equal(fs.existsSync(path.join(into, '.mallard', 'locks')), false);
    const runs: string[] = [];
    const again = await runSession([new Aggregate(work(into), 4, { onRun: (id) => runs.push(id) })], { artifactsDir: into, scope: 'demo', workers: 1 });
    assert.equal(runs.join(','), '', 'restored outputs are vouched for by content');
    assert.equal(again.summary.counts.ran, 0);
    const more = await runSession([new Aggregate(work(into), 5, { onRun: (id) => runs.push(id) })], { artifactsDir: into, scope: 'demo', workers: 1 });
    assert.deepEqual(runs.sort(), ['Aggregate(n=5)', 'Leaf(i=4)'], 'only new work');
    assert.equal(more.summary.status, 'success');
  });
});
