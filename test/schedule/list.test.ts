/** schedule list and config check through the built CLI: next ticks across a DST change, step commands checked. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';

async function site(t: { after: (fn: () => Promise<void>) => void }, schedules: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-list-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'configs'));
  await writeFile(path.join(dir, 'configs', 'demo.yaml'), `site: demo\nckan: { url: "http://127.0.0.1:9/api/3/action" }\nschedules:\n${schedules}`);
  return dir;
}

test('schedule list shows the next ticks in UTC and local time, across the autumn change in New York', async (t) => {
  const dir = await site(t, '  early:\n    cron: "30 1 * * *"\n    timezone: America/New_York\n    run: [freshness, "runs --limit 3"]\n    notify: { webhookEnv: HOOK_URL_FOR_TEST }\n');
  const r = runCli(['schedule', 'list', '--site', 'demo', '--count', '3', '--now', '2026-10-31T00:00:00Z'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    'early: "30 1 * * *" in America/New_York; notifies by webhook (HOOK_URL_FOR_TEST is not set: it would not be sent)',
    '  1. freshness',
    '  2. runs --limit 3',
    '  next: 2026-10-31T05:30:00Z  (2026-10-31 01:30 EDT (America/New_York))',
    '  next: 2026-11-01T05:30:00Z  (2026-11-01 01:30 EDT (America/New_York))',
    '  next: 2026-11-02T06:30:00Z  (2026-11-02 01:30 EST (America/New_York))',
    '',
  ].join('\n'));
  const json = runCli(['schedule', 'list', '--site', 'demo', '--count', '1', '--now', '2026-10-31T00:00:00Z', '--json'], { cwd: dir, env: { HOOK_URL_FOR_TEST: 'https://h.example.org/x' } });
  const parsed = JSON.parse(json.stdout) as { schedules: Array<{ nextTicks: string[]; notify: string[] }> };
  assert.deepEqual(parsed.schedules[0]!.nextTicks, ['2026-10-31T05:30:00Z']);
  assert.deepEqual(parsed.schedules[0]!.notify, ['webhook']);
});

test('config check reports a step that names no command, with its line, and a did-you-mean', async (t) => {
  const dir = await site(t, '  weekly:\n    cron: "0 5 * * 1"\n    run:\n      - freshness\n      - artifacts prun --keep 3\n');
  const r = runCli(['config', 'check', '--site', 'demo'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^Error: configs\/demo\.yaml:8: schedules\.weekly\.run\[1\]: unknown command "artifacts prun": .*\(did you mean "artifacts prune"\?\)$/m);
  const self = await site(t, '  loop:\n    cron: "0 5 * * 1"\n    run: ["run-scheduled loop"]\n');
  const s = runCli(['config', 'check', '--site', 'demo'], { cwd: self });
  assert.equal(s.status, 2);
  assert.match(s.stderr, /schedules\.loop\.run\[0\]: "run-scheduled" cannot be a step of a schedule/);
});
