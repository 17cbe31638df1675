import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryReceiptStore } from '../../src/engine/receipts.js';
import { runTasks } from '../../src/engine/scheduler.js';
import { world } from './helpers.js';

const fixed = { clock: new FakeClock(), random: () => 1 };

describe('dependencies discovered at run time', () => {
  test('a task yields tasks it needs; they run, then it resumes, even with one worker', async () => {
    const { task, log, fs } = world();
    const crawl = task('crawl', {
      run: async (ctx) => {
        log.push('crawl: first page says 3 more');
        await ctx.need([task('p1'), task('p2'), task('p3')]);
        log.push(`crawl: resumed with ${['p1', 'p2', 'p3'].filter((p) => fs.read(p) !== undefined).length} pages`);
      },
    });
    const summary = await runTasks([crawl], { ...fixed, workers: 1 });
    assert.equal(summary.status, 'success');
    assert.deepEqual(log, ['crawl', 'crawl: first page says 3 more', 'p1', 'p2', 'p3', 'crawl: resumed with 3 pages']);
    assert.equal(summary.counts.ran, 4);
  });

  test('finished work is not rerun: complete dynamic tasks are skipped', async () => {
    const { task, log, fs } = world();
    const receipts = new MemoryReceiptStore();
    await runTasks([task('p1')], { ...fixed, receipts });
    log.length = 0;
    const crawl = task('crawl', { run: async (ctx) => ctx.need([task('p1'), task('p2')]) });
    await runTasks([crawl], { ...fixed, receipts });
    assert.deepEqual(log, ['crawl', 'p2']);
    assert.ok(fs.read('p2'));
  });

  test('a rerun with everything complete checks the recorded dynamic inputs and does nothing', async () => {
    const { task, log, fs } = world();
    const receipts = new MemoryReceiptStore();
    const crawl = () => task('crawl', { run: async (ctx) => ctx.need([task('p1'), task('p2')]) });
    await runTasks([crawl()], { ...fixed, receipts });
    log.length = 0;
    const again = await runTasks([crawl()], { ...fixed, receipts });
    assert.deepEqual(log, []);
    assert.equal(again.counts.alreadyComplete, 1);
    // A dynamic input that changed since (rerun by someone else) makes the crawl stale.
    fs.delete('p2');
    await runTasks([task('p2')], { ...fixed, receipts });
    log.length = 0;
    const dry = await runTasks([crawl()], { ...fixed, receipts, dryRun: true });
    assert.match(dry.plan[0]?.message ?? '', /inputs changed since its run: Spec\(name=p2\)/);
  });

  test('a failing dynamic dependency fails the task that needed it', async () => {
    const { task } = world();
    const bad = task('bad', { run: async () => { throw new Error('page 2 is gone'); } });
    const crawl = task('crawl', { run: async (ctx) => ctx.need([task('ok'), bad]) });
    const downstream = task('load', { requires: () => [crawl] });
    const summary = await runTasks([downstream], { ...fixed, workers: 2 });
    assert.equal(summary.status, 'failed');
    const failed = Object.fromEntries(summary.failures.map((f) => [f.id, f]));
    assert.equal(failed['Spec(name=bad)']?.message, 'page 2 is gone');
    assert.equal(failed['Spec(name=crawl)']?.code, 'ERR_DEPENDENCY_FAILED');
    assert.deepEqual(summary.skipped.map((s) => s.id), ['Spec(name=load)']);
  });
});
