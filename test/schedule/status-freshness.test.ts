/**
 * schedule status (expected ticks against records) and freshness (artifact ages against
 * thresholds, with real published DuckDB artifacts and the built CLI's exit codes).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ScheduleConfig } from '../../src/config/index.js';
import { appendRecord, recordsFile, scheduleStatus, type ScheduledRunRecord } from '../../src/schedule/index.js';
import { publishArtifact } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { createDuckDb } from '../store/helpers.js';

describe('schedule status', () => {
  const hourly: ScheduleConfig = { cron: '0 * * * *', timezone: 'UTC', run: ['freshness'] };
  const rec = (hour: number, status: ScheduledRunRecord['status'], extra: Partial<ScheduledRunRecord> = {}): ScheduledRunRecord => {
    const tick = `2026-05-01T${String(hour).padStart(2, '0')}:00:00Z`;
    return { key: `hourly@${tick}`, schedule: 'hourly', tick, status, startedAt: `2026-05-01T${String(hour).padStart(2, '0')}:02:00.000Z`, endedAt: `2026-05-01T${String(hour).padStart(2, '0')}:03:00.000Z`, steps: [], ...extra };
  };

  test('each expected tick is ran, failed, late, overlapped, missed, running, interrupted or due', () => {
    const records: ScheduledRunRecord[] = [
      rec(1, 'running', { pid: 11, host: os.hostname() }), rec(1, 'succeeded', { steps: [{ command: 'freshness', exitCode: 0, runId: 'r1' }] }),
      rec(2, 'failed', { steps: [{ command: 'freshness', exitCode: 1, failedTask: 'T(x=1)', error: 'boom' }] }),
      rec(3, 'skipped: overlap', { reason: 'a run of site demo holds its lock' }),
      rec(3, 'succeeded'), // the overlap was followed by a success: it ran
      rec(4, 'skipped: late', { reason: 'too old' }),
      rec(5, 'skipped: overlap', { reason: 'held' }),
      // 6: nothing at all
      rec(7, 'running', { pid: 4242, host: os.hostname() }), // dead
      rec(8, 'running', { pid: 4343, host: os.hostname() }), // alive
      rec(2, 'succeeded', { schedule: 'other', key: 'other@2026-05-01T02:00:00Z' }), // another schedule
    ];
    const s = scheduleStatus('hourly', hourly, records, { now: Date.parse('2026-05-01T09:05:00Z'), days: 9 / 24 + 0.001, isAlive: (pid) => pid === 4343 });
    assert.deepEqual(s.ticks.map((t) => [t.tick.slice(11, 13), t.status]), [
      ['09', 'due'], ['08', 'running'], ['07', 'interrupted'], ['06', 'missed'], ['05', 'overlapped'], ['04', 'late'], ['03', 'ran'], ['02', 'failed'], ['01', 'ran'],
    ]);
    assert.deepEqual({ ...s.counts }, { ran: 2, failed: 1, missed: 1, late: 1, overlapped: 1, running: 1, interrupted: 1, due: 1 });
    assert.equal(s.ticks.find((t) => t.status === 'failed')!.reason, 'freshness: T(x=1): boom');
    assert.deepEqual(s.ticks.at(-1)!.runIds, ['r1']);
    assert.equal(s.ticks.at(-1)!.startDelayMs, 120_000);
    assert.equal(s.nextTick, '2026-05-01T10:00:00Z');
  });

  test('the CLI prints the window and exits 1 when a tick failed or was missed', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-status-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, 'configs'));
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), 'site: demo\nckan: { url: "http://127.0.0.1:9/api/3/action" }\nschedules:\n  daily: { cron: "0 6 * * *", timezone: Europe/London, run: [freshness] }\n');
    const file = recordsFile(path.join(dir, 'artifacts'), 'demo');
    for (const day of ['01', '02', '04']) {
      appendRecord(file, { key: `daily@2026-05-${day}T05:00:00Z`, schedule: 'daily', tick: `2026-05-${day}T05:00:00Z`, status: 'succeeded', startedAt: `2026-05-${day}T05:01:00Z`, endedAt: `2026-05-${day}T05:09:00Z`, steps: [] });
    }
    const r = runCli(['schedule', 'status', '--site', 'demo', '--days', '4', '--now', '2026-05-04T12:00:00Z'], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^daily \("0 6 \* \* \*" in Europe\/London\), 2026-04-30T12:00:00Z \.\. 2026-05-04T12:00:00Z: 3 ran, 1 missed; next 2026-05-05T05:00:00Z$/m);
    assert.match(r.stdout, /^ {2}2026-05-03T05:00:00Z {2}missed/m);
    assert.match(r.stdout, /^ {2}2026-05-04T05:00:00Z {2}ran {9}started \+1m, took 480s$/m);
    const ok = runCli(['schedule', 'status', '--site', 'demo', '--days', '1', '--now', '2026-05-04T12:00:00Z', '--json'], { cwd: dir });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { schedules: Array<{ counts: { ran: number } }> }).schedules[0]!.counts.ran, 1);
  });
});

describe('freshness (built CLI, real artifacts)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-fresh-'));
    await mkdir(path.join(dir, 'configs'));
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), [
      'site: demo',
      'ckan: { url: "http://127.0.0.1:9/api/3/action" }',
      'freshness:',
      '  warn_after: 1d',
      '  error_after: 3d',
      '  artifacts:',
      '    usage: { warn_after: 8d, error_after: 15d }',
      '    github_api: { warn_after: 2d }',
    ].join('\n') + '\n');
    const db = path.join(dir, 'src.db');
    await createDuckDb(db, { t: 3 });
    const artifactsDir = path.join(dir, 'artifacts');
    for (const [name, at] of [['ckan_api', '2026-05-01T00:00:00Z'], ['ckan_api', '2026-05-09T00:00:00Z'], ['usage', '2026-05-01T00:00:00Z']] as const) {
      await publishArtifact({ artifactsDir, site: 'demo', name, sourcePath: db, toolVersion: '0', now: () => new Date(at) });
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const fresh = (now: string, json = false) => runCli(['freshness', '--site', 'demo', '--now', now, ...(json ? ['--json'] : [])], { cwd: dir });

  test('each name against its thresholds; a listed name never published is an error (exit 1)', () => {
    const r = fresh('2026-05-10T00:00:00Z');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^ +OK +ckan_api +24h old \(2026-05-09T00:00:00\.000Z\) +\[warn 1d, error 3d\]$/m);
    assert.match(r.stdout, /^ +ERROR +github_api +never published +\[warn 2d, error 3d\]: never published/m);
    assert.match(r.stdout, /^ +WARN +usage +9d old .*\[warn 8d, error 15d\]: older than warn_after 8d$/m);
  });

  test('warnings alone exit 0; ages past error_after exit 1, as JSON too', async () => {
    const other = path.join(dir, 'configs', 'demo.yaml');
    const { readFile } = await import('node:fs/promises');
    await writeFile(other, (await readFile(other, 'utf8')).replace('    github_api: { warn_after: 2d }\n', ''));
    const warnOnly = fresh('2026-05-10T06:00:00Z');
    assert.equal(warnOnly.status, 0, warnOnly.stdout);
    assert.match(warnOnly.stdout, /WARN +usage/);
    const late = fresh('2026-05-17T00:00:00Z', true);
    assert.equal(late.status, 1);
    const report = JSON.parse(late.stdout) as { sites: Array<{ worst: string; rows: Array<{ name: string; status: string }> }> };
    assert.equal(report.sites[0]!.worst, 'error');
    assert.deepEqual(report.sites[0]!.rows.map((x) => [x.name, x.status]), [['ckan_api', 'error'], ['usage', 'error']]);
  });
});
