import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collapseParams, collapseValues } from '../../src/engine/collapse.js';
import { FakeClock } from '../support/fake-clock.js';
import { runTasks } from '../../src/engine/scheduler.js';
import { formatSummary } from '../../src/engine/summary.js';
import { world } from './helpers.js';

describe('collapsing parameters', () => {
  test('integer ranges, steps and lists', () => {
    assert.equal(collapseValues([3, 0, 1, 2, 4]), '0...4');
    assert.equal(collapseValues([0, 1000, 2000, 3000]), '0...3000 (step 1000)');
    assert.equal(collapseValues([1, 2, 5, 6, 7, 10]), '1,2,5...7,10');
    assert.equal(collapseValues(['b', 'a']), 'a,b');
    assert.equal(collapseValues(['a', 'b', 'c', 'd', 'e', 'f']), 'a,b,c... (6 values)');
  });

  test('one family with one varying key becomes one line', () => {
    const params = Array.from({ length: 5000 }, (_, i) => ({ site: 'uk', i }));
    assert.equal(collapseParams('Leaf', params), 'Leaf(site=uk, i=0...4999)');
    assert.equal(collapseParams('Leaf', [{ i: 7 }]), 'Leaf(i=7)');
    assert.equal(collapseParams('Page', [{ a: 1, b: 'x' }, { a: 2, b: 'y' }]), 'Page(a=1, b=x), Page(a=2, b=y)');
    assert.equal(collapseParams('Page', [1, 2, 3, 4].map((a) => ({ a, b: `v${a}` }))), 'Page(a=1, b=v1), Page(a=2, b=v2), Page(a=3, b=v3) and 1 more');
  });
});

describe('the end-of-run summary', () => {
  test('counts and groups what ran, what failed with its error, and what was skipped', async () => {
    const { task } = world();
    const leaves = Array.from({ length: 6 }, (_, i) => task(`leaf${i}`, { family: 'Leaf' }));
    const bad = task('bad', { family: 'Fetch', run: async () => { throw new Error('HTTP 404 at https://example.test/x'); } });
    const top = task('top', { family: 'Aggregate', requires: () => [...leaves, bad] });
    const summary = await runTasks([top], { clock: new FakeClock(), workers: 2 });
    assert.deepEqual(summary.counts, { scheduled: 8, ran: 6, alreadyComplete: 0, failed: 1, skipped: 1, retried: 0, wouldRun: 0 });
    const text = formatSummary(summary);
    assert.match(text, /: FAILED /);
    assert.match(text, /\* 6 ran successfully:\n {4}- 6 Leaf\(name=leaf0,leaf1,leaf2\.\.\. \(6 values\)\)/);
    assert.match(text, /failed: Fetch\(name=bad\): HTTP 404 at https:\/\/example\.test\/x/);
    assert.match(text, /skipped 1: upstream failed: Fetch\(name=bad\)/);
    assert.match(text, /Failed: 1 task failed, 1 skipped\./);
  });

  test('warnings from succeeding tasks are repeated in the summary', async () => {
    const { task } = world();
    const crawl = task('crawl', { family: 'Crawl', run: async (ctx) => ctx.warn('got 90 of 100 datasets the portal reported') });
    const summary = await runTasks([crawl], { clock: new FakeClock() });
    assert.equal(summary.status, 'success');
    assert.deepEqual(summary.warnings, [{ id: 'Crawl(name=crawl)', family: 'Crawl', message: 'got 90 of 100 datasets the portal reported' }]);
    assert.match(formatSummary(summary), /^WARNING Crawl\(name=crawl\): got 90 of 100 datasets the portal reported$/m);
  });

  test('a run with nothing to do says so', async () => {
    const { task, fs } = world();
    fs.write('x', 'made outside');
    const summary = await runTasks([task('x', { external: true })], { clock: new FakeClock() });
    assert.match(formatSummary(summary), /Nothing to do: everything asked for was complete\./);
  });
});
