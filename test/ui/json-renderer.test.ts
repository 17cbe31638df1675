/** --json: one JSON object per event on stdout, nothing on stderr; the summary is run_finished. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineEvent } from '../../src/engine/index.js';
import { createRenderer } from '../../src/ui/index.js';
import { capture, Script, summaryOf } from './helpers.js';

describe('json renderer', () => {
  test('every event is one line of JSON, in order, ending with run_finished and its summary', async () => {
    const s = new Script(5);
    const out = capture();
    const err = capture();
    const r = createRenderer('json', { stdout: out.stream, stderr: err.stream, clock: s.clock });
    const events: EngineEvent[] = [
      s.started(),
      s.pending('Leaf(i=0)', 'missing output "odd\nname"'),
      s.planned({ Leaf: { toRun: 1, complete: 0 } }),
      s.start('Leaf(i=0)'),
      s.failed('Leaf(i=0)', 'boom'),
      s.finished(summaryOf('failed', { failed: 1, scheduled: 1 })),
    ];
    for (const e of events) r.onEvent(e);
    r.notice('not for machines');
    await r.close();
    assert.equal(err.text(), '');
    const lines = out.text().split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.deepEqual(lines.map((l) => JSON.parse(l) as EngineEvent), events);
    const last = JSON.parse(lines.at(-1) as string) as Extract<EngineEvent, { type: 'run_finished' }>;
    assert.equal(last.summary.status, 'failed');
  });

  test('100,000 tasks: all events arrive, in a bounded number of writes', async () => {
    const s = new Script();
    let writes = 0;
    let text = '';
    const stream = {
      write(chunk: string): boolean {
        writes += 1;
        text += chunk;
        return true;
      },
    };
    const r = createRenderer('json', { stdout: stream, stderr: capture().stream });
    r.onEvent(s.started());
    for (let i = 0; i < 100_000; i++) r.onEvent(s.pending(`Leaf(i=${i})`));
    await r.close();
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 100_001);
    assert.equal((JSON.parse(lines[100_000] as string) as { id: string }).id, 'Leaf(i=99999)');
    assert.ok(writes < 100, `${writes} writes`);
  });
});
