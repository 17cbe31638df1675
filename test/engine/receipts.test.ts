import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { JournalReceiptStore } from '../../src/engine/receipt-journal.js';
import { MemoryReceiptStore } from '../../src/engine/receipts.js';
import { runTasks } from '../../src/engine/scheduler.js';
import { world } from './helpers.js';

const fixed = { clock: new FakeClock(), random: () => 1 };

describe('receipts and input changes', () => {
  test('a receipt records run id, outputs, and input stamps', async () => {
    const { task } = world();
    const receipts = new MemoryReceiptStore();
    const summary = await runTasks([task('b', { requires: () => [task('a')] })], { ...fixed, receipts, runId: 'run-1' });
    const r = receipts.get('Spec(name=b)');
    assert.equal(r?.runId, 'run-1');
    assert.deepEqual(Object.keys(r?.outputs ?? {}), ['mem:b']);
    assert.deepEqual(Object.keys(r?.inputStamps ?? {}), ['Spec(name=a)']);
    assert.equal(summary.runId, 'run-1');
  });

  test('an upstream rerun makes downstream stale, and dry-run explains why', async () => {
    const { task, log } = world();
    const receipts = new MemoryReceiptStore();
    const b = () => task('b', { requires: () => [task('a')] });
    await runTasks([b()], { ...fixed, receipts });
    await runTasks([task('a')], { ...fixed, receipts, force: ['Spec(name=a)'] });
    log.length = 0;
    const dry = await runTasks([b()], { ...fixed, receipts, dryRun: true });
    assert.deepEqual(log, [], 'a dry run runs nothing');
    assert.equal(dry.status, 'dry-run');
    assert.deepEqual(dry.plan, [{ id: 'Spec(name=b)', family: 'Spec', message: 'inputs changed since its run: Spec(name=a)' }]);
    await runTasks([b()], { ...fixed, receipts });
    assert.deepEqual(log, ['b']);
  });

  test('dry-run names each reason: missing output, no receipt, output changed, version, forced', async () => {
    const { task, fs } = world();
    const receipts = new MemoryReceiptStore();
    await runTasks([task('changed'), task('versioned'), task('forced')], { ...fixed, receipts });
    fs.write('changed', 'edited by hand');
    fs.write('orphan', 'no run made this');
    const dry = await runTasks(
      [task('missing'), task('orphan'), task('changed'), task('versioned', { version: '2' }), task('forced')],
      { ...fixed, receipts, dryRun: true, force: ['Spec(name=forced)'] },
    );
    const reasons = Object.fromEntries(dry.plan.map((p) => [p.id, p.message]));
    assert.deepEqual(reasons, {
      'Spec(name=missing)': 'missing output mem:missing',
      'Spec(name=orphan)': 'no receipt: outputs exist but no successful run recorded them',
      'Spec(name=changed)': 'output changed since its run: mem:changed',
      'Spec(name=versioned)': 'task version changed (1 -> 2)',
      'Spec(name=forced)': 'forced (--force)',
    });
  });

  test('--force by family reruns those tasks and everything downstream of them', async () => {
    const { task, log } = world();
    const receipts = new MemoryReceiptStore();
    const graph = () => task('report', { family: 'Report', requires: () => [task('load', { family: 'Load', requires: () => [task('dl', { family: 'Download' })] })] });
    await runTasks([graph()], { ...fixed, receipts });
    log.length = 0;
    const summary = await runTasks([graph()], { ...fixed, receipts, force: ['Load'] });
    assert.deepEqual(log, ['load', 'report']);
    assert.equal(summary.counts.alreadyComplete, 1);
  });

  test('a diamond converges in one run: a complete task above a missing one reruns too', async () => {
    const { task, fs, log } = world();
    const receipts = new MemoryReceiptStore();
    const c = () => task('c');
    const graph = () => task('root', { requires: () => [task('a', { requires: () => [c()] }), task('b', { requires: () => [c()] })] });
    await runTasks([graph()], { ...fixed, receipts });
    fs.delete('c');
    fs.delete('b');
    fs.delete('root');
    log.length = 0;
    await runTasks([graph()], { ...fixed, receipts });
    assert.deepEqual([...log].sort(), ['a', 'b', 'c', 'root']);
    log.length = 0;
    const third = await runTasks([graph()], { ...fixed, receipts });
    assert.equal(third.counts.ran, 0, 'nothing is stale after the second run');
  });
});

describe('the receipt journal', () => {
  test('survives reopening, ignores a torn last line, and compacts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-journal-'));
    try {
      const file = path.join(dir, 'r.jsonl');
      const store = JournalReceiptStore.open(file);
      for (let i = 0; i < 3; i += 1) {
        store.put({ taskId: `t${i}`, runId: 'r', finishedAt: 0, durationMs: 0, version: '1', inputs: '', outputs: { o: `${i}` } });
      }
      store.put({ taskId: 't0', runId: 'r2', finishedAt: 0, durationMs: 0, version: '1', inputs: '', outputs: { o: 'new' } });
      await store.close();
      fs.appendFileSync(file, '{"taskId":"t9","outp');
      const reopened = JournalReceiptStore.open(file);
      assert.equal(reopened.get('t0')?.runId, 'r2');
      assert.equal(reopened.get('t2')?.outputs.o, '2');
      assert.equal(reopened.get('t9'), undefined);
      await reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
