/** The run log reaches the file soon after each event, not only at failures and the end: what `ui` tails. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RunLog } from '../../src/engine/index.js';
import { withTempDir } from '../support/temp-dir.js';

test('buffered events are on disk within a fraction of a second, without waiting for 256 KB or the end', async () => {
  await withTempDir(async (dir) => {
    const log = new RunLog(dir, 'r1');
    log.write({ type: 'run_started', runId: 'r1', at: 1, roots: [], workers: 1, dryRun: false });
    assert.equal(fs.readFileSync(log.file, 'utf8').split('\n').length, 2, 'run_started is written through');
    const written = Date.now();
    const seen = new Promise<void>((resolve) => {
      const watcher = fs.watch(log.file, () => {
        if (!fs.readFileSync(log.file, 'utf8').includes('task_done')) return;
        watcher.close();
        resolve();
      });
    });
    log.write({ type: 'task_done', id: 'A(i=1)', family: 'A', at: 2, attempt: 1, durationMs: 1 });
    assert.ok(!fs.readFileSync(log.file, 'utf8').includes('task_done'), 'buffered at first');
    await seen;
    assert.ok(Date.now() - written < 1000, `${Date.now() - written} ms`);
    log.close();
    assert.equal(fs.readFileSync(path.join(dir, 'r1.jsonl'), 'utf8').trim().split('\n').length, 2);
  });
});
