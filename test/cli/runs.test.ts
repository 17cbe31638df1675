/** `runs` and `runs show` through the built CLI, on run logs made by real sessions. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, after, describe, test } from 'node:test';
import { runSession } from '../../src/engine/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { Aggregate } from '../ui/file-tasks.js';
import { runCli, type CliResult } from '../support/cli.js';

function cli(args: string[], cwd: string, env: Record<string, string> = {}): CliResult {
  return runCli(args, { cwd, env });
}

describe('runs', () => {
  let dir = '';
  let artifacts = '';
  const ids: { ok: string; failed: string } = { ok: '', failed: '' };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-cli-runs-'));
    artifacts = path.join(dir, 'artifacts');
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 10));
    const out = path.join(dir, 'out');
    const run = async (failing: number[]): Promise<string> => {
      const opts = { failing: new Set(failing) };
      const { summary } = await runSession([new Aggregate(out, 3, opts)], { artifactsDir: artifacts, scope: 'demo', clock, command: 'mallard build --site demo' });
      clock.advance(90_000);
      return summary.runId;
    };
    ids.failed = await run([2]);
    ids.ok = await run([]);
  });

  after(() => rm(dir, { recursive: true, force: true }));

  test('lists recent runs, newest first, from ./artifacts by default', () => {
    const r = cli(['runs'], dir);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] as string, /^RUN\s+STATUS\s+STARTED\s+DURATION\s+RAN\s+COMPLETE\s+FAILED\s+SKIPPED\s+ASKED FOR$/);
    assert.match(lines[1] as string, new RegExp(`^${ids.ok}\\s+success\\s+2026-11-22T10:01:30Z\\s+\\S+ ms\\s+2\\s+2\\s+0\\s+0\\s+mallard build --site demo$`));
    assert.match(lines[2] as string, new RegExp(`^${ids.failed}\\s+failed\\s+2026-11-22T10:00:00Z\\s+\\S+ ms\\s+2\\s+0\\s+1\\s+1\\s+mallard build --site demo$`));
    assert.equal(lines.length, 3);
  });

  test('--limit, --artifacts-dir and ARTIFACTS_DIR', () => {
    const elsewhere = os.tmpdir();
    const r = cli(['runs', '--limit', '1', '--artifacts-dir', artifacts], elsewhere);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, 2);
    const e = cli(['runs'], elsewhere, { ARTIFACTS_DIR: artifacts });
    assert.match(e.stdout, new RegExp(ids.failed));
  });

  test('--json gives the records', () => {
    const r = cli(['runs', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { runsDir: string; runs: Array<{ runId: string; status: string; counts: { failed: number }; command: string }> };
    assert.equal(body.runsDir, fs.realpathSync(path.join(artifacts, 'runs')));
    assert.deepEqual(body.runs.map((x) => [x.runId, x.status, x.counts.failed]), [[ids.ok, 'success', 0], [ids.failed, 'failed', 1]]);
    assert.equal(body.runs[0]?.command, 'mallard build --site demo');
  });

  test('an empty artifacts directory is not an error', async () => {
    const r = cli(['runs', '--artifacts-dir', path.join(dir, 'none')], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^No runs recorded in .*none\/runs yet\.$/m);
  });

  test('runs show: the summary, then each failure with its time, id, attempts and error', () => {
    const r = cli(['runs', 'show', ids.failed], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^run ${ids.failed} \\(site demo\\): failed\\n`));
    assert.match(r.stdout, /===== mallard run \S+: FAILED \(\d\.\d s\) =====/);
    assert.match(r.stdout, /\* 1 skipped:\n {4}- 1 Aggregate\(n=3\)/);
    assert.match(r.stdout, /\nfailures \(1\):\n {2}2026-11-22T10:00:00Z Leaf\(i=2\) \(1 attempt\): \[ERR_HTTP\] HTTP 404 for leaf 2\n/);
  });

  test('runs show latest --json gives the summary and the failures as data', () => {
    const r = cli(['runs', 'show', 'latest', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { runId: string; scope: string; summary: { status: string; counts: { ran: number } }; failures: unknown[] };
    assert.equal(body.runId, ids.ok);
    assert.equal(body.scope, 'demo');
    assert.equal(body.summary.status, 'success');
    assert.equal(body.summary.counts.ran, 2);
    assert.deepEqual(body.failures, []);
  });

  test('runs show with an unknown id exits 2 and names recent runs', () => {
    const r = cli(['runs', 'show', 'nope'], dir);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Error: no run nope in .*runs\n {2}hint: recent runs: /);
    assert.match(r.stderr, new RegExp(ids.ok));
  });

  test('runs show without an id is a usage error; help lists both commands', () => {
    assert.equal(cli(['runs', 'show'], dir).status, 2);
    const help = cli(['--help'], dir);
    assert.match(help.stdout, /^\s+runs\s+List recent runs with status, start, duration, task counts and\b/m);
    assert.match(help.stdout, /^\s+runs show\s+Show one run: its summary, every failure with its error, and\b/m);
    const showHelp = cli(['runs', 'show', '--help'], dir);
    assert.match(showHelp.stdout, /\$ \S+ runs show latest/);
  });
});
