/**
 * The live display (listr2) written to a captured stream that says it is a terminal: one row
 * per family with counts, failures under their row, families found at run time added.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRenderer, type Renderer } from '../../src/ui/index.js';
import { capture, Script, stripAnsi, summaryOf, type Capture } from './helpers.js';

/** Lets the renderer's lazy imports settle (preloaded here, so only a few turns are needed). */
async function untilWritten(c: Capture): Promise<void> {
  const modules = ['listr2', 'log-update', 'cli-truncate', 'wrap-ansi'];
  await Promise.all(modules.map((m) => import(m)));
  for (let i = 0; i < 1000 && c.text() === ''; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.notEqual(c.text(), '', 'the live display started');
}

/** The last frame: from the last header line to the end. */
function lastFrame(text: string): string[] {
  const lines = stripAnsi(text).split(/\r?\n/);
  const start = lines.findLastIndex((l) => l.includes('run R1 (4 workers)'));
  return lines.slice(start).filter((l) => l.trim() !== '');
}

describe('tty renderer', () => {
  test('10,000 tasks: a row per family with counts, the failure under its row, a family found at run time, then the summary', async () => {
    const s = new Script();
    const out = capture(true);
    const err = capture(true);
    const r: Renderer = createRenderer('tty', { stdout: out.stream, stderr: err.stream, clock: s.clock });
    r.onEvent(s.started('R1', ['Aggregate(n=10000)']));
    for (let i = 0; i < 10_000; i++) r.onEvent(s.pending(`Leaf(i=${i})`));
    r.onEvent(s.pending('Aggregate(n=10000)'));
    r.onEvent(s.planned({ Leaf: { toRun: 10_000, complete: 0 }, Aggregate: { toRun: 1, complete: 0 } }));
    await untilWritten(err);
    for (let i = 0; i < 10_000; i++) {
      const id = `Leaf(i=${i})`;
      r.onEvent(s.start(id));
      if (i === 7) {
        r.onEvent(s.retry(id, 'socket hang up'));
        r.onEvent(s.start(id, 2));
        r.onEvent({ ...s.failed(id, 'boom', 2), code: 'ERR_X' } as never);
      } else r.onEvent(s.done(id));
    }
    for (let n = 0; n < 3; n++) r.onEvent(s.pending(`Page(n=${n})`));
    for (let n = 0; n < 3; n++) {
      r.onEvent(s.start(`Page(n=${n})`));
      r.onEvent(s.done(`Page(n=${n})`));
    }
    r.onEvent(s.skipped('Aggregate(n=10000)', 'upstream failed: Leaf(i=7)'));
    r.onEvent(s.finished(summaryOf('failed', { scheduled: 10_004, ran: 10_002, failed: 1, skipped: 1 })));
    await r.close();
    assert.equal(out.text(), '', 'nothing on stdout');
    const frame = lastFrame(err.text());
    const rows = frame.slice(0, frame.findIndex((l) => l.startsWith('=====')));
    assert.ok(rows.length <= 8, `a row per family, not per task: ${rows.join(' | ')}`);
    assert.match(rows[0] as string, /run R1 \(4 workers\): 10002\/10004 done, 1 failed, 1 skipped$/);
    const row = (family: string): string => rows.find((l) => l.includes(` ${family}: `)) ?? '';
    assert.match(row('Leaf'), /✖ Leaf: 9999\/10000 done, 1 failed, 1 retry$/);
    assert.match(row('Aggregate'), /↓ Aggregate: 0\/1 done, 1 skipped$/);
    assert.match(row('Page'), /✔ Page: 3\/3 done$/);
    assert.ok(rows.some((l) => /✖ Leaf\(i=7\): \[ERR_X\] boom$/.test(l)), 'the failure with its task id and error');
    assert.ok(rows.some((l) => /↻ Leaf\(i=7\): attempt 1 failed, again in 1\.0 s: \[ERR_HTTP\] socket hang up$/.test(l)), 'the retry');
    assert.match(err.text(), /Failed: 1 task failed, 1 skipped\./);
  });

  test('a dry run shows no live display, only the summary', async () => {
    const s = new Script();
    const err = capture(true);
    const r = createRenderer('tty', { stdout: capture(true).stream, stderr: err.stream, clock: s.clock });
    r.onEvent(s.started('R1', ['Leaf(i=0)'], true));
    r.onEvent(s.pending('Leaf(i=0)'));
    r.onEvent(s.planned({ Leaf: { toRun: 1, complete: 0 } }));
    r.onEvent(s.finished(summaryOf('dry-run', { scheduled: 1, wouldRun: 1 })));
    await r.close();
    assert.equal(stripAnsi(err.text()).split('\n')[0], '===== mallard run R1: DRY-RUN (5.0 s) =====');
  });

  test('a notice before the display starts is written as a line', async () => {
    const err = capture(true);
    const r = createRenderer('tty', { stdout: capture(true).stream, stderr: err.stream });
    r.notice('SIGINT: stopping');
    await r.close();
    assert.equal(err.text(), 'SIGINT: stopping\n');
  });
});
