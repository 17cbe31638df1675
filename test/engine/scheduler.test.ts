import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { MallardError } from '../../src/engine/errors.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { MemoryReceiptStore } from '../../src/engine/receipts.js';
import { runTasks } from '../../src/engine/scheduler.js';
import { formatSummary } from '../../src/engine/summary.js';
import { world } from './helpers.js';

const fixed = { clock: new FakeClock(), random: () => 1 };

describe('ordering and completeness', () => {
  test('runs dependencies before dependents, each task once', async () => {
    const { task, log } = world();
    const a = task('a');
    const b = task('b', { requires: () => [a] });
    const c = task('c', { requires: () => [a] });
    const d = task('d', { requires: () => [b, c] });
    const summary = await runTasks([d], { ...fixed, workers: 3 });
    assert.equal(summary.status, 'success');
    assert.equal(log.length, 4);
    assert.equal(log[0], 'a');
    assert.equal(log[3], 'd');
    assert.equal(summary.counts.ran, 4);
  });

  test('a requirement listed twice, as the same object or an equal one, is one dependency', async () => {
    const { task, log } = world();
    const a = task('a');
    const b = task('b', { family: 'Other' });
    const d = task('d', { requires: () => [a, b, a, task('a'), b] });
    const graphs: Array<Extract<EngineEvent, { type: 'graph' }>> = [];
    const summary = await runTasks([d], { ...fixed, workers: 1, onEvent: (e) => void (e.type === 'graph' && graphs.push(e)) });
    assert.equal(summary.status, 'success');
    assert.deepEqual([...log].sort(), ['a', 'b', 'd']);
    assert.equal(summary.counts.ran, 3);
    const edges = graphs[graphs.length - 1]?.edges.map((e) => `${e.from}->${e.to}:${e.count}`).sort();
    assert.deepEqual(edges, ['Other->Spec:1', 'Spec->Spec:1']);
  });

  test('a second run with the same receipts does nothing', async () => {
    const { task, log } = world();
    const receipts = new MemoryReceiptStore();
    const build = () => task('top', { requires: () => [task('x'), task('y')] });
    await runTasks([build()], { ...fixed, receipts });
    const second = await runTasks([build()], { ...fixed, receipts });
    assert.equal(log.length, 3);
    assert.equal(second.counts.ran, 0);
    assert.equal(second.counts.alreadyComplete, 3, 'the whole graph is checked (a changed input anywhere is noticed): all complete');
  });

  test('outputs that exist without a receipt are not taken as complete', async () => {
    const { task, fs, log } = world();
    fs.write('a', 'left by a crashed run');
    const summary = await runTasks([task('a')], fixed);
    assert.deepEqual(log, ['a']);
    assert.equal(summary.counts.ran, 1);
  });

  test('a missing upstream output reruns only what is missing and downstream of it', async () => {
    const { task, fs, log } = world();
    const receipts = new MemoryReceiptStore();
    const graph = () => {
      const leaves = ['l1', 'l2', 'l3'].map((n) => task(n));
      return task('root', { requires: () => leaves });
    };
    await runTasks([graph()], { ...fixed, receipts });
    fs.delete('root');
    fs.delete('l2');
    log.length = 0;
    await runTasks([graph()], { ...fixed, receipts });
    assert.deepEqual(log, ['l2', 'root']);
  });

  test('a task that finishes without its outputs fails', async () => {
    const { task } = world();
    const summary = await runTasks([task('lazy', { skipWrite: true })], fixed);
    assert.equal(summary.status, 'failed');
    assert.equal(summary.failures[0]?.code, 'ERR_OUTPUT_MISSING');
    assert.match(summary.failures[0]?.message ?? '', /mem:lazy/);
  });

  test('a missing external input fails with a clear message and skips its dependents', async () => {
    const { task } = world();
    const input = task('input.csv', { family: 'Input', external: true });
    const summary = await runTasks([task('report', { requires: () => [input] })], fixed);
    assert.equal(summary.failures[0]?.code, 'ERR_MISSING_INPUT');
    assert.equal(summary.counts.skipped, 1);
  });

  test('an existing external input is complete without a receipt', async () => {
    const { task, fs, log } = world();
    fs.write('input.csv', 'data');
    const input = task('input.csv', { family: 'Input', external: true });
    const summary = await runTasks([task('report', { requires: () => [input] })], fixed);
    assert.deepEqual(log, ['report']);
    assert.equal(summary.counts.alreadyComplete, 1);
  });
});

describe('cycles', () => {
  test('a cycle is an error that prints the path', async () => {
    const { task } = world();
    const a = task('a', { requires: () => [b] });
    const b = task('b', { requires: () => [c] });
    const c = task('c', { requires: () => [a] });
    await assert.rejects(runTasks([a], fixed), (err: MallardError) => {
      assert.equal(err.code, 'ERR_CYCLE');
      assert.equal(err.message, 'dependency cycle: Spec(name=a) -> Spec(name=b) -> Spec(name=c) -> Spec(name=a)');
      return true;
    });
  });

  test('a task needing its own dependent at run time fails instead of deadlocking', async () => {
    const { task } = world();
    let child = undefined as unknown as ReturnType<typeof task>;
    const parent = task('parent', { run: async (ctx) => ctx.need([child]) });
    child = task('child', { requires: () => [parent] });
    const summary = await runTasks([parent], { ...fixed, workers: 1 });
    assert.equal(summary.failures[0]?.code, 'ERR_CYCLE');
  });
});

describe('failures', () => {
  test("a failure's suggestions reach the summary, its text and the task_failed event as hints", async () => {
    const { task } = world();
    const bad = task('bad', {
      run: async () => {
        throw new MallardError('ERR_STATE_FILE', 'the crawl manifest /x/crawl.json is malformed', { suggestions: ['delete that file and rerun download-datasets-info'] });
      },
    });
    const events: EngineEvent[] = [];
    const summary = await runTasks([bad], { ...fixed, onEvent: (e) => events.push(e) });
    assert.deepEqual(summary.failures.map((f) => f.hints), [['delete that file and rerun download-datasets-info']]);
    assert.match(formatSummary(summary), /failed: Spec\(name=bad\): \[ERR_STATE_FILE\] the crawl manifest \/x\/crawl\.json is malformed\n    hint: delete that file and rerun download-datasets-info/);
    const failed = events.find((e) => e.type === 'task_failed');
    assert.deepEqual(failed?.type === 'task_failed' ? failed.hints : undefined, ['delete that file and rerun download-datasets-info']);
  });

  test('a failure skips everything downstream and independent branches keep going', async () => {
    const { task, log } = world();
    const bad = task('bad', { run: async () => { throw new Error('boom'); } });
    const mid = task('mid', { requires: () => [bad] });
    const good = task('good');
    const top = task('top', { requires: () => [mid, good] });
    const other = task('other');
    const summary = await runTasks([top, other], { ...fixed, workers: 1 });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(log.sort(), ['bad', 'good', 'other']);
    assert.deepEqual(summary.failures.map((f) => [f.id, f.message]), [['Spec(name=bad)', 'boom']]);
    assert.deepEqual(summary.skipped.map((s) => s.id).sort(), ['Spec(name=mid)', 'Spec(name=top)']);
    assert.ok(summary.skipped.every((s) => s.message === 'upstream failed: Spec(name=bad)'));
  });

  test('--fail-fast stops starting tasks after the first failure', async () => {
    const { task, log } = world();
    const bad = task('bad', { run: async () => { throw new Error('boom'); } });
    const summary = await runTasks([bad, task('x'), task('y')], { ...fixed, workers: 1, failFast: true });
    assert.deepEqual(log, ['bad']);
    assert.equal(summary.counts.skipped, 2);
    assert.match(summary.skipped[0]?.message ?? '', /fail-fast/);
  });

  test('an aborted signal interrupts the run', async () => {
    const { task, log } = world();
    const controller = new AbortController();
    const first = task('first', { run: async () => controller.abort() });
    const summary = await runTasks([first, task('second'), task('third')], { ...fixed, workers: 1, signal: controller.signal });
    assert.equal(summary.status, 'interrupted');
    assert.deepEqual(log, ['first']);
    assert.equal(summary.counts.skipped, 2);
  });
});

describe('retries', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 5000 };

  test('retries a retryable error with exponential backoff, in the same run', async () => {
    const { task } = world();
    const clock = new FakeClock();
    let calls = 0;
    const flaky = task('flaky', {
      retry: policy,
      run: async () => {
        calls += 1;
        if (calls < 4) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
    });
    const events: EngineEvent[] = [];
    const summary = await runTasks([flaky], { clock, random: () => 0, onEvent: (e) => events.push(e) });
    assert.equal(summary.status, 'success');
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000]);
    assert.equal(events.filter((e) => e.type === 'task_retry').length, 3);
    assert.equal(summary.counts.retried, 1);
  });

  test('delays are capped, jittered, and never shorter than Retry-After', async () => {
    const { task } = world();
    const clock = new FakeClock();
    let calls = 0;
    // Six attempts, so the exponential (1 s, 2 s, 4 s, 8 s, 16 s) runs into the 5 s cap twice;
    // jitter alternates between its extremes (random 0 keeps the delay whole, 1 halves it; a
    // Retry-After wait draws no random number).
    const randoms = [0, 1, 0, 1, 0];
    const limited = task('limited', {
      retry: { ...policy, maxAttempts: 6 },
      run: async () => {
        calls += 1;
        if (calls === 1) throw new MallardError('ERR_HTTP', '429', { retryable: true, retryAfterMs: 30_000 });
        if (calls < 6) throw new MallardError('ERR_HTTP', '503', { retryable: true });
      },
    });
    const summary = await runTasks([limited], { clock, random: () => randoms.shift() ?? 0 });
    assert.equal(summary.status, 'success');
    assert.equal(calls, 6);
    // 30 s Retry-After (beats a 0.5 s jittered delay); 2 s whole; 4 s halved; 8 s capped to 5 s,
    // whole; 16 s capped to 5 s, halved.
    assert.deepEqual(clock.sleeps, [30_000, 2000, 2000, 5000, 2500]);
  });

  test('does not retry a 404 or a usage error', async () => {
    for (const error of [Object.assign(new Error('Not Found'), { statusCode: 404 }), new MallardError('ERR_CONFIG', 'bad key')]) {
      const { task } = world();
      const clock = new FakeClock();
      let calls = 0;
      const t = task('t', { retry: policy, run: async () => { calls += 1; throw error; } });
      const summary = await runTasks([t], { clock });
      assert.equal(calls, 1);
      assert.equal(summary.status, 'failed');
      assert.deepEqual(clock.sleeps, []);
    }
  });

  test('gives up after maxAttempts and reports the last error', async () => {
    const { task } = world();
    let calls = 0;
    const t = task('t', { retry: policy, run: async () => { calls += 1; throw new MallardError('ERR_HTTP', `HTTP 503 #${calls}`, { retryable: true }); } });
    const summary = await runTasks([t], fixed);
    assert.equal(calls, 4);
    assert.equal(summary.failures[0]?.message, 'HTTP 503 #4');
  });
});
