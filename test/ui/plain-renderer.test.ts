/** Plain lines: timestamps, per-task lines in small runs, bounded per-family progress in large ones. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRenderer, LOG_LINES_PER_INTERVAL, PROGRESS_INTERVAL_MS, SMALL_RUN_TASKS } from '../../src/ui/index.js';
import { capture, Script, summaryOf } from './helpers.js';

describe('plain renderer, small run', () => {
  test('a line per task, failures and retries with id and error, then the summary', async () => {
    const s = new Script(1000);
    const out = capture();
    const err = capture();
    const r = createRenderer('plain', { stdout: out.stream, stderr: err.stream, clock: s.clock });
    const events = [
      s.started('R1', ['Aggregate(n=3)']),
      s.pending('Leaf(i=0)'),
      s.pending('Leaf(i=1)'),
      s.pending('Aggregate(n=3)'),
      s.planned({ Aggregate: { toRun: 1, complete: 0 }, Leaf: { toRun: 2, complete: 1 } }),
      s.start('Leaf(i=0)'),
      s.start('Leaf(i=1)'),
      s.log('Leaf(i=0)', 'fetched page 1\nof 3'),
      s.done('Leaf(i=0)'),
      s.retry('Leaf(i=1)', 'socket hang up'),
      s.start('Leaf(i=1)', 2),
      s.failed('Leaf(i=1)', 'HTTP 404', 2),
      s.skipped('Aggregate(n=3)', 'upstream failed: Leaf(i=1)'),
      s.finished(summaryOf('failed', { scheduled: 4, ran: 1, failed: 1, skipped: 1, alreadyComplete: 1 })),
    ];
    for (const e of events) r.onEvent(e);
    await r.close();
    assert.equal(out.text(), '', 'plain mode writes nothing on stdout');
    const lines = err.lines();
    assert.deepEqual(lines.slice(0, 15), [
      '2026-11-22T10:00:00Z run R1 started: Aggregate(n=3) (4 workers)',
      '2026-11-22T10:00:04Z plan: 3 to run, 1 already complete',
      '2026-11-22T10:00:04Z   Aggregate: 1 to run, 0 complete',
      '2026-11-22T10:00:04Z   Leaf: 2 to run, 1 complete',
      '2026-11-22T10:00:05Z start Leaf(i=0)',
      '2026-11-22T10:00:06Z start Leaf(i=1)',
      '2026-11-22T10:00:07Z Leaf(i=0): fetched page 1 ⏎ of 3',
      '2026-11-22T10:00:08Z done Leaf(i=0) in 250 ms',
      '2026-11-22T10:00:09Z retry Leaf(i=1): attempt 1 failed, next in 1.0 s: [ERR_HTTP] socket hang up',
      '2026-11-22T10:00:10Z start Leaf(i=1) (attempt 2)',
      '2026-11-22T10:00:11Z FAILED Leaf(i=1) (2 attempts): HTTP 404',
      '2026-11-22T10:00:12Z skipped Aggregate(n=3): upstream failed: Leaf(i=1)',
      '2026-11-22T10:00:13Z run R1 finished: FAILED in 5.0 s',
      '===== mallard run R1: FAILED (5.0 s) =====',
      'Scheduled 4 tasks of which:',
    ]);
    assert.equal(lines.at(-1), 'Failed: 1 task failed, 1 skipped.');
  });

  test('close(summary) prints the given summary once, even when called twice', async () => {
    const s = new Script();
    const err = capture();
    const r = createRenderer('plain', { stdout: capture().stream, stderr: err.stream, clock: s.clock });
    r.onEvent(s.started());
    await r.close(summaryOf('success', { scheduled: 2, ran: 2 }));
    await r.close(summaryOf('success', { scheduled: 2, ran: 2 }));
    assert.equal(err.lines().filter((l) => l.startsWith('===== mallard run')).length, 1);
    assert.match(err.text(), /Every requested task is complete\./);
  });

  test('no summary is printed when the run never finished and none is given', async () => {
    const s = new Script();
    const err = capture();
    const r = createRenderer('plain', { stdout: capture().stream, stderr: err.stream, clock: s.clock });
    r.onEvent(s.started());
    await r.close();
    assert.equal(err.lines().length, 1);
  });

  test('notices are timestamped lines', async () => {
    const s = new Script();
    const err = capture();
    const r = createRenderer('plain', { stdout: capture().stream, stderr: err.stream, clock: s.clock });
    r.notice('SIGINT: stopping');
    await r.close();
    assert.deepEqual(err.lines(), ['2026-11-22T10:00:00Z SIGINT: stopping']);
  });
});

/** Feeds a run of n leaves and one aggregate: every leaf starts and ends, some fail or retry. */
function largeRun(n: number, opts: { verbose?: boolean; stepMs?: number; failEvery?: number; logEvery?: number } = {}) {
  const s = new Script(opts.stepMs ?? 1);
  const err = capture();
  const r = createRenderer('plain', { stdout: capture().stream, stderr: err.stream, clock: s.clock, verbose: opts.verbose ?? false });
  r.onEvent(s.started('BIG', ['Aggregate(n=big)']));
  for (let i = 0; i < n; i++) r.onEvent(s.pending(`Leaf(i=${i})`));
  r.onEvent(s.pending('Aggregate(n=big)'));
  r.onEvent(s.planned({ Leaf: { toRun: n, complete: 0 }, Aggregate: { toRun: 1, complete: 0 } }));
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const id = `Leaf(i=${i})`;
    r.onEvent(s.start(id));
    if (opts.logEvery !== undefined && i % opts.logEvery === 0) r.onEvent(s.log(id, `message ${i}`));
    if (opts.failEvery !== undefined && i % opts.failEvery === 0) {
      r.onEvent(s.retry(id, 'timeout'));
      r.onEvent(s.start(id, 2));
      r.onEvent(s.failed(id, 'timeout again', 2));
      failed += 1;
    } else r.onEvent(s.done(id));
  }
  if (failed > 0) r.onEvent(s.skipped('Aggregate(n=big)', 'upstream failed: Leaf(i=0)'));
  else {
    r.onEvent(s.start('Aggregate(n=big)'));
    r.onEvent(s.done('Aggregate(n=big)'));
  }
  r.onEvent(s.finished(summaryOf(failed > 0 ? 'failed' : 'success', { scheduled: n + 1, ran: n + 1 - failed, failed })));
  return { r, err, failed, elapsedMs: s.clock.now() - Date.UTC(2026, 10, 22, 10) };
}

describe('plain renderer, large run', () => {
  test('100,000 tasks produce a bounded number of lines: progress by family, a line when a family finishes', async () => {
    const { r, err, elapsedMs } = largeRun(100_000);
    await r.close();
    const lines = err.lines();
    const progress = lines.filter((l) => / progress Leaf: \d+\/100000 done/.test(l));
    // One round of progress at most every PROGRESS_INTERVAL_MS of (fake) time.
    assert.ok(progress.length >= 10, `expected progress lines, got ${progress.length}`);
    assert.ok(progress.length <= Math.ceil(elapsedMs / PROGRESS_INTERVAL_MS) + 1, `${progress.length} progress lines in ${elapsedMs} ms`);
    assert.ok(lines.length < 150, `${lines.length} lines for 100,000 tasks`);
    assert.ok(!lines.some((l) => / start Leaf\(i=/.test(l)), 'no per-task start lines in a large run');
    assert.ok(lines.some((l) => / finished Leaf: 100000\/100000 done in /.test(l)));
    assert.ok(lines.some((l) => / finished Aggregate: 1\/1 done/.test(l)));
    assert.match(err.text(), /Every requested task is complete\./);
  });

  test('progress lines are spaced by the interval of the injected clock', async () => {
    const { r, err } = largeRun(1000, { stepMs: 100 });
    await r.close();
    const stamps = err
      .lines()
      .filter((l) => l.includes(' progress Leaf:'))
      .map((l) => Date.parse(l.slice(0, 20)));
    assert.ok(stamps.length > 5);
    for (let i = 1; i < stamps.length; i++) assert.ok((stamps[i] as number) - (stamps[i - 1] as number) >= PROGRESS_INTERVAL_MS);
  });

  test('every failure and retry still gets its own line', async () => {
    const { r, err, failed } = largeRun(2000, { failEvery: 100 });
    await r.close();
    const lines = err.lines();
    assert.equal(failed, 20);
    assert.equal(lines.filter((l) => / FAILED Leaf\(i=\d+\) \(2 attempts\): timeout again$/.test(l)).length, 20);
    assert.equal(lines.filter((l) => / retry Leaf\(i=\d+\): attempt 1 failed, next in 1\.0 s: \[ERR_HTTP\] timeout$/.test(l)).length, 20);
    assert.ok(lines.some((l) => / finished Leaf: 1980\/2000 done, 20 failed/.test(l)));
  });

  test('task messages are capped per interval in a large run, with a count of the rest', async () => {
    const { r, err } = largeRun(20_000, { logEvery: 1, stepMs: 1 });
    await r.close();
    const lines = err.lines();
    const messages = lines.filter((l) => / Leaf\(i=\d+\): message \d+$/.test(l));
    const dropped = lines
      .map((l) => / \((\d+) more task messages? in the run log\)$/.exec(l))
      .filter((m) => m !== null)
      .reduce((n, m) => n + Number(m[1]), 0);
    assert.ok(messages.length < 20_000 / 10, `${messages.length} message lines`);
    assert.ok(messages.length >= LOG_LINES_PER_INTERVAL);
    assert.equal(messages.length + dropped, 20_000, 'every message is either printed or counted');
  });

  test('--verbose keeps a line per task however large the run', async () => {
    const { r, err } = largeRun(SMALL_RUN_TASKS * 4, { verbose: true });
    await r.close();
    assert.equal(err.lines().filter((l) => / done Leaf\(i=\d+\)/.test(l)).length, SMALL_RUN_TASKS * 4);
  });

  test('a run that grows past the small-run limit at run time switches to progress lines', async () => {
    const s = new Script(10);
    const err = capture();
    const r = createRenderer('plain', { stdout: capture().stream, stderr: err.stream, clock: s.clock });
    r.onEvent(s.started('R', ['Crawl()']));
    r.onEvent(s.pending('Crawl()'));
    r.onEvent(s.planned({ Crawl: { toRun: 1, complete: 0 } }));
    r.onEvent(s.start('Crawl()'));
    r.onEvent(s.pending('Page(n=0)', 'missing output p0'));
    for (let i = 1; i <= SMALL_RUN_TASKS + 10; i++) r.onEvent(s.pending(`Page(n=${i})`));
    for (let i = 0; i <= SMALL_RUN_TASKS + 10; i++) {
      r.onEvent(s.start(`Page(n=${i})`));
      r.onEvent(s.done(`Page(n=${i})`));
    }
    await r.close();
    const lines = err.lines();
    assert.ok(lines.some((l) => l.endsWith('found Page(n=0) (needed at run time): missing output p0')));
    assert.ok(lines.some((l) => l.endsWith(`more than ${SMALL_RUN_TASKS} tasks to run now: progress by family from here`)));
    assert.ok(!lines.some((l) => / start Page\(n=/.test(l)));
    assert.ok(lines.some((l) => / finished Page: 61\/61 done/.test(l)));
  });
});
