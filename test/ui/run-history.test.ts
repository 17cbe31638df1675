/** Run history read back from real session logs. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isMallardError, runSession } from '../../src/engine/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { findRunFile, formatRunDetail, formatRunList, listRunHistory, readRunDetail } from '../../src/ui/index.js';
import { Aggregate } from './file-tasks.js';
import { tempDir } from './helpers.js';

async function session(dir: string, clock: FakeClock, opts: ConstructorParameters<typeof Aggregate>[2] = {}): Promise<string> {
  const { summary } = await runSession([new Aggregate(dir, 4, opts)], { artifactsDir: dir, scope: 'site-a', clock, command: 'mallard build --site site-a', workers: 2 });
  clock.advance(60_000);
  return summary.runId;
}

describe('run history', () => {
  test('lists runs newest first, finds them by id, prefix or latest, and reads their details', async (t) => {
    const dir = await tempDir(t);
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10));
    const failedRun = await session(dir, clock, { failing: new Set([1]), flaky: new Set([2]) });
    const okRun = await session(dir, clock);
    const list = listRunHistory(dir);
    assert.deepEqual(list.runs.map((r) => [r.runId, r.status]), [[okRun, 'success'], [failedRun, 'failed']]);
    assert.equal(listRunHistory(dir, 1).runs.length, 1);
    const table = formatRunList(list).split('\n');
    assert.match(table[0] as string, /^RUN\s+STATUS\s+STARTED\s+DURATION\s+RAN\s+COMPLETE\s+FAILED\s+SKIPPED\s+ASKED FOR$/);
    assert.match(table[1] as string, new RegExp(`^${okRun}\\s+success\\s+2026-11-22T10:01:00Z\\s+0 ms\\s+2\\s+3\\s+0\\s+0\\s+mallard build --site site-a$`));
    assert.match(table[2] as string, new RegExp(`^${failedRun}\\s+failed\\s+2026-11-22T10:00:00Z\\s+\\d+ ms\\s+3\\s+0\\s+1\\s+1\\s+mallard build`));

    assert.equal(findRunFile(dir, 'latest'), path.join(dir, 'runs', `${okRun}.jsonl`));
    assert.equal(findRunFile(dir, failedRun.slice(0, 14)), path.join(dir, 'runs', `${failedRun}.jsonl`));
    const detail = await readRunDetail(findRunFile(dir, failedRun));
    assert.equal(detail.scope, 'site-a');
    assert.equal(detail.workers, 2);
    assert.equal(detail.summary?.status, 'failed');
    assert.deepEqual(detail.failures.map((f) => [f.id, f.error, f.code, f.attempt]), [['Leaf(i=1)', 'HTTP 404 for leaf 1', 'ERR_HTTP', 1]]);
    assert.deepEqual(detail.retried.map((r) => [r.id, r.retries, r.lastError]), [['Leaf(i=2)', 1, 'HTTP 503']]);
    const text = formatRunDetail(detail);
    assert.match(text, new RegExp(`^run ${failedRun} \\(site site-a\\): failed\\ncommand:   mallard build --site site-a\\n`));
    assert.match(text, /===== mallard run .*: FAILED/);
    assert.match(text, /\nfailures \(1\):\n {2}2026-11-22T10:00:00Z Leaf\(i=1\) \(1 attempt\): \[ERR_HTTP\] HTTP 404 for leaf 1\n/);
    assert.match(text, /\nretried \(1 task, 1 retry\):\n {2}Leaf\(i=2\): 1 retry, last error: \[ERR_HTTP\] HTTP 503$/);
  });

  test('a log without an end (killed run) is listed as unfinished and shown with its counts so far', async (t) => {
    const dir = await tempDir(t);
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10));
    const id = await session(dir, clock, { failing: new Set([0]) });
    const file = path.join(dir, 'runs', `${id}.jsonl`);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    fs.writeFileSync(file, lines.slice(0, -1).join('\n') + '\n{"type":"task_do');
    const list = listRunHistory(dir);
    assert.equal(list.runs[0]?.status, 'running');
    assert.match(formatRunList(list), new RegExp(`${id}\\s+unfinished\\s+2026-11-22T10:00:00Z\\s+-\\s+-`));
    const detail = await readRunDetail(file);
    assert.equal(detail.summary, undefined);
    assert.equal(detail.events.failed, 1);
    assert.match(formatRunDetail(detail), /No end recorded: the run is still going, or its process died; last event 2026-11-22T10:00:00Z\.\nSo far: 4 started, 3 done, 1 failed, 1 skipped, 0 retries\./);
  });

  test('unknown, ambiguous and malformed ids are usage errors naming recent runs', async (t) => {
    const dir = await tempDir(t);
    assert.throws(() => findRunFile(dir, 'latest'), (e: unknown) => isMallardError(e) && e.code === 'ERR_USAGE' && /no runs are recorded/.test(e.suggestions[0] ?? ''));
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10));
    const a = await session(dir, clock);
    clock.advance(-60_000);
    const b = await session(dir, clock);
    assert.equal(a.slice(0, 16), b.slice(0, 16));
    assert.throws(() => findRunFile(dir, a.slice(0, 16)), (e: unknown) => isMallardError(e) && e.code === 'ERR_USAGE' && /^2 runs start with/.test(e.message));
    assert.throws(() => findRunFile(dir, 'nope'), (e: unknown) => isMallardError(e) && e.message.startsWith('no run nope in ') && e.suggestions[0]?.includes(a) === true);
    assert.throws(() => findRunFile(dir, '../x'), (e: unknown) => isMallardError(e) && e.code === 'ERR_USAGE' && e.message === 'not a run id: "../x"');
  });
});
