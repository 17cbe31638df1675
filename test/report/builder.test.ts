import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildReportData, renderReportHtml, writeRunReport, STATE } from '../../src/report/index.js';
import { withTempDir } from '../support/temp-dir.js';
import { realEngineRun } from './engine-run.js';
import { SYNTHETIC_FAMILIES, writeSyntheticLog } from './synthetic-log.js';

test('a 5,000-task log: counts per family, failures grouped by code and message, retries, lanes within the workers', async () => {
  await withTempDir(async (dir) => {
    const runs = path.join(dir, 'runs');
    fs.mkdirSync(runs);
    const log = writeSyntheticLog(path.join(runs, '20261201T100000Z-abc123.jsonl'), { tasks: 5000, failRate: 0.02, retryRate: 0.05 });
    const data = await buildReportData(log.file);
    assert.equal(data.run.status, 'failed');
    assert.equal(data.tasks.id.length, 5000);
    for (const name of SYNTHETIC_FAMILIES) {
      const f = data.families.find((x) => x.name === name);
      assert.ok(f, name);
      const want = log.byFamily[name]!;
      assert.deepEqual({ done: f.counts.done, failed: f.counts.failed, skipped: f.counts.skipped, running: f.counts.running }, want, name);
      assert.ok(f.lanes <= 4, `${name} needs ${f.lanes} lanes with 4 workers`);
    }
    assert.equal(data.families.find((f) => f.name === 'CkanPage')?.counts.complete, 3);
    // HTTP 404s of different tasks and URLs are one group; CKAN NotFound another.
    const codes = data.failures.map((g) => g.code).sort();
    assert.deepEqual(codes, ['ERR_CKAN', 'ERR_HTTP']);
    for (const g of data.failures) {
      assert.equal(g.count, log.failureCodes[g.code!]);
      assert.equal(g.tasks.length, g.errors.length);
    }
    const http = data.failures.find((g) => g.code === 'ERR_HTTP')!;
    assert.match(http.pattern, /^HTTP N Not Found for <task>: https:\/\/api\.github\.com\/repos\/N$/);
    assert.match(http.errors[0]!, /^HTTP 404 Not Found for \w+\(site=data-gov-uk/);
    assert.equal(data.retries.total, log.counts.retries);
    assert.equal((data.retries.byLayer.http ?? 0) + (data.retries.byLayer.task ?? 0), log.counts.retries);
    assert.equal(data.graph.recorded, true);
    assert.equal(data.graph.nodes.length, 5);
    assert.equal(data.graph.edges.length, 4);
    // Laid out left to right along the chain.
    const x = (f: string): number => data.graph.nodes.find((n) => n.family === f)!.x;
    assert.ok(x('CkanPage') < x('SourcegraphSearch') && x('SourcegraphSearch') < x('GithubRepo'));
    // Two attempts of one family never share a lane at the same time.
    const s = data.segments;
    const byLane = new Map<string, Array<[number, number]>>();
    for (let i = 0; i < s.task.length; i++) {
      const key = `${data.tasks.family[s.task[i]!]}:${s.lane[i]}`;
      const list = byLane.get(key) ?? [];
      list.push([s.start[i]!, s.end[i]!]);
      byLane.set(key, list);
    }
    for (const list of byLane.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) assert.ok(list[i]![0] >= list[i - 1]![1], 'overlap in a lane');
    }
  });
});

test('a log without run_finished, graph or run_started fields, with a cut last line, still makes a report', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, '20261201T110000Z-old000.jsonl');
    const log = writeSyntheticLog(file, { tasks: 300, finished: false, graph: false, truncate: true });
    fs.appendFileSync(file, ''); // the cut line stays last
    const data = await buildReportData(file);
    assert.equal(data.run.status, 'running');
    assert.equal(data.run.truncated, true);
    assert.equal(data.graph.recorded, false);
    assert.deepEqual(data.graph.edges, []);
    assert.ok(data.run.unknown.includes('graph'));
    assert.ok(log.counts.running > 0);
    const running = data.families.reduce((n, f) => n + f.counts.running, 0);
    assert.equal(running, log.counts.running);
    // Open attempts end at the last event, not at -1.
    assert.ok(data.segments.end.every((e) => e >= 0));
    assert.ok(data.logOffset < fs.statSync(file).size, 'resumes before the cut line');

    fs.writeFileSync(file, '{"type":"task_started","id":"A(i=1)","at":5}\nnot json\n{"type":"task_done","id":"A(i=1)"}\n');
    const bare = await buildReportData(file);
    assert.equal(bare.run.badLines, 1);
    assert.equal(bare.families[0]?.name, 'A');
    assert.equal(bare.families[0]?.counts.done, 1);
    assert.ok(bare.run.unknown.includes('run_started'));
    assert.match(renderReportHtml(bare), /<script id="report-data" type="application\/json">/);

    // An interrupted run, and a summary from a version that had no status.
    fs.writeFileSync(file, '{"type":"run_started","runId":"x","at":5,"roots":[],"workers":2,"dryRun":false}\n{"type":"run_finished","at":9,"summary":{"status":"interrupted","durationMs":4}}\n');
    const stopped = await buildReportData(file);
    assert.equal(stopped.run.status, 'interrupted');
    assert.equal(stopped.run.durationMs, 4);
    fs.writeFileSync(file, '{"type":"run_finished","at":9,"summary":{}}\n');
    const noStatus = await buildReportData(file);
    assert.equal(noStatus.run.status, 'unknown');
    assert.ok(noStatus.run.unknown.includes('status'));
    assert.equal(noStatus.run.workers, null);
  });
});

test('the report of a real engine run: what the engine wrote, beside the log', async () => {
  await withTempDir(async (dir) => {
    const run = await realEngineRun(dir);
    assert.equal(run.summary.status, 'failed');
    const runsDir = path.dirname(run.logFile);
    const written = await writeRunReport(runsDir, run.runId);
    assert.equal(written.file, path.join(runsDir, `${run.runId}.html`));
    assert.equal(written.failures, run.summary.counts.failed);
    const data = await buildReportData(run.logFile);
    const fetch = data.families.find((f) => f.name === 'FetchPage')!;
    assert.equal(fetch.counts.failed, 4);
    assert.equal(fetch.counts.done, 36);
    assert.equal(fetch.retries, 4);
    assert.equal(data.retries.total, run.summary.counts.retried);
    assert.deepEqual(data.families.find((f) => f.name === 'LoadPages')?.counts, { pending: 0, running: 0, retrying: 0, done: 2, failed: 0, skipped: 2, complete: 0 });
    assert.equal(data.families.find((f) => f.name === 'BuildDatabase')?.counts.skipped, 1);
    assert.equal(data.run.scope, 'test-site');
    assert.equal(data.run.workers, 3);
    const group = data.failures.find((g) => g.code === 'ERR_CKAN')!;
    assert.equal(group.count, 4);
    assert.equal(group.pattern, 'CKAN error NotFound: page N is gone');
    // Data and text in the page cannot break out of their script element.
    const html = fs.readFileSync(written.file, 'utf8');
    assert.ok(!html.includes('</script><script>alert'));
    assert.equal(STATE.failed, 4);
  });
});
