/** What the engine reports of a run besides task outcomes: the family graph, every retry by layer, interruptions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import type { EngineEvent, GraphEvent } from '../../src/engine/events.js';
import { MallardError } from '../../src/engine/errors.js';
import { runTasks } from '../../src/engine/scheduler.js';
import { formatSummary } from '../../src/engine/summary.js';
import { world } from './helpers.js';

const fixed = { clock: new FakeClock(), random: () => 1 };

describe('graph events', () => {
  test('after planning, and whole again once run-time dependencies added tasks and families', async () => {
    const { task } = world();
    const leaves = [0, 1, 2].map((i) => task(`leaf${i}`, { family: 'Leaf' }));
    const crawl = task('crawl', { family: 'Crawl', run: async (ctx) => ctx.need([0, 1, 2, 3].map((i) => task(`page${i}`, { family: 'Page' }))) });
    const root = task('root', { family: 'Root', requires: () => [...leaves, crawl] });
    const events: EngineEvent[] = [];
    await runTasks([root], { ...fixed, onEvent: (e) => events.push(e) });
    const graphs = events.filter((e): e is GraphEvent => e.type === 'graph');
    assert.ok(graphs.length >= 2, `${graphs.length} graph events`);
    assert.deepEqual(graphs[0], {
      type: 'graph',
      at: graphs[0]?.at,
      families: { Crawl: { tasks: 1 }, Leaf: { tasks: 3 }, Root: { tasks: 1 } },
      edges: [{ from: 'Crawl', to: 'Root', count: 1 }, { from: 'Leaf', to: 'Root', count: 3 }],
    });
    const last = graphs.at(-1) as GraphEvent;
    assert.deepEqual(last.families, { Crawl: { tasks: 1 }, Leaf: { tasks: 3 }, Page: { tasks: 4 }, Root: { tasks: 1 } });
    assert.deepEqual(last.edges, [{ from: 'Crawl', to: 'Root', count: 1 }, { from: 'Leaf', to: 'Root', count: 3 }, { from: 'Page', to: 'Crawl', count: 4 }]);
    const planned = events.findIndex((e) => e.type === 'tasks_planned');
    assert.ok(events.indexOf(graphs[0] as EngineEvent) > planned, 'the first graph event comes after the plan');
    assert.ok(events.indexOf(last) < events.findIndex((e) => e.type === 'run_finished'));
  });
});

describe('retries in the run log and the summary', () => {
  test('engine retries are layer task, ctx.retried notes keep their layer; the summary counts both per family', async () => {
    const { task } = world();
    let tries = 0;
    const flaky = task('flaky', {
      family: 'Flaky',
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
      run: async () => {
        tries += 1;
        if (tries < 3) throw new MallardError('ERR_HTTP', 'HTTP 503', { retryable: true });
      },
    });
    const fetcher = task('fetch', {
      family: 'Fetch',
      run: async (ctx) => {
        ctx.retried({ attempt: 1, delayMs: 500, error: 'HTTP 429', code: 'ERR_HTTP', layer: 'http' });
        ctx.retried({ attempt: 2, delayMs: 1000, error: 'socket hang up', layer: 'http' });
      },
    });
    const events: EngineEvent[] = [];
    const summary = await runTasks([flaky, fetcher], { ...fixed, onEvent: (e) => events.push(e) });
    assert.equal(summary.status, 'success');
    const retries = events.filter((e) => e.type === 'task_retry');
    assert.deepEqual(retries.map((e) => [e.family, e.layer, e.attempt]).sort(), [['Fetch', 'http', 1], ['Fetch', 'http', 2], ['Flaky', 'task', 1], ['Flaky', 'task', 2]]);
    assert.deepEqual(summary.retries, { total: 4, byLayer: { task: 2, http: 2 }, byFamily: { Flaky: { task: 2 }, Fetch: { http: 2 } } });
    assert.match(formatSummary(summary), /\* 4 retries: 2 task, 2 http \(Flaky 2, Fetch 2\)|\* 4 retries: 2 http, 2 task \((Flaky 2, Fetch 2|Fetch 2, Flaky 2)\)/);
  });
});

describe('interruptions', () => {
  test('a task waiting on queued run-time dependencies hears they were not run: the run ends, interrupted', async () => {
    const { task } = world();
    const stop = new AbortController();
    const crawl = task('crawl', {
      family: 'Crawl',
      run: async (ctx) => ctx.need(Array.from({ length: 10 }, (_, i) => task(`p${i}`, { family: 'Page', run: async () => { if (i === 0) stop.abort(new MallardError('ERR_INTERRUPTED', 'interrupted by SIGINT')); } }))),
    });
    const summary = await runTasks([crawl], { ...fixed, workers: 2, signal: stop.signal });
    assert.equal(summary.status, 'interrupted');
    assert.equal(summary.counts.failed, 0, 'interrupted work is not a failure');
    assert.ok(summary.skipped.some((s) => s.id === 'Crawl(name=crawl)' && /stopped before it finished: the run was interrupted/.test(s.message)), JSON.stringify(summary.skipped));
    assert.ok(summary.skipped.some((s) => /^not started: the run was interrupted$/.test(s.message)));
  });

  test('a signal after all the work was done: success', async () => {
    const { task } = world();
    const stop = new AbortController();
    const last = task('last', { requires: () => [task('first')], run: async () => stop.abort(new MallardError('ERR_INTERRUPTED', 'interrupted by SIGTERM')) });
    const summary = await runTasks([last], { ...fixed, signal: stop.signal });
    assert.equal(summary.status, 'success');
    assert.equal(summary.counts.ran, 2);
  });
});
