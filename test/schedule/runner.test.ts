/**
 * runScheduled in-process, with steps and notifier given as functions: the lock makes a call
 * racing a running one skip (deterministically, through the onLocked seam), and the
 * notification rule (first failure of a streak, retry when undelivered, recovery once).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { LoadedConfig, ScheduleConfig } from '../../src/config/index.js';
import type { ChannelResult, NotificationEvent } from '../../src/notify/index.js';
import { readRecords, runScheduled, type ResolvedStep, type RunScheduledOptions, type StepRecord } from '../../src/schedule/index.js';

const schedule: ScheduleConfig = { cron: '0 * * * *', timezone: 'UTC', run: ['config check'], notify: { webhook: 'https://hooks.example.org/x' } };
const step: ResolvedStep = { line: 'config check', commandId: 'config:check', args: [], site: true, configFile: true };
const loaded = { config: { site: 'demo', schedules: { hourly: schedule } }, file: '/x/configs/demo.yaml', hash: '' } as unknown as LoadedConfig;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-runner-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function options(dir: string, now: string, over: Partial<RunScheduledOptions> = {}): RunScheduledOptions {
  return {
    loaded, name: 'hourly', schedule, steps: [step], artifactsDir: dir, now: Date.parse(now),
    runStep: async (): Promise<StepRecord> => ({ command: 'config check', exitCode: 0 }),
    notify: async () => [],
    ...over,
  };
}

describe('runScheduled', () => {
  test('a call while another holds the schedule lock is skipped as an overlap, and the held one still runs once', () =>
    withDir(async (dir) => {
      let steps = 0;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const runStep = async (): Promise<StepRecord> => ((steps += 1), { command: 'config check', exitCode: 0 });
      const first = runScheduled(options(dir, '2026-05-01T10:10:00Z', { runStep, onLocked: async () => (locked(), held) }));
      await isLocked;
      const second = await runScheduled(options(dir, '2026-05-01T10:20:00Z', { runStep }));
      assert.equal(second.action, 'skipped');
      assert.equal(second.record.status, 'skipped: overlap');
      assert.match(second.record.reason!, new RegExp(`another scheduled run of site demo is going on: pid ${process.pid}`));
      release();
      assert.equal((await first).record.status, 'succeeded');
      const third = await runScheduled(options(dir, '2026-05-01T10:30:00Z', { runStep }));
      assert.equal(third.action, 'already-done');
      assert.equal(steps, 1);
      assert.deepEqual(readRecords(third.recordsFile).map((r) => r.status), ['skipped: overlap', 'running', 'succeeded']);
    }));

  test('stops at the first failing step', () =>
    withDir(async (dir) => {
      const ran: string[] = [];
      const steps = ['a', 'b', 'c'].map((line) => ({ ...step, line }));
      const out = await runScheduled(options(dir, '2026-05-01T10:10:00Z', {
        steps,
        runStep: async (s) => (ran.push(s.line), { command: s.line, exitCode: s.line === 'b' ? 1 : 0 }),
      }));
      assert.deepEqual(ran, ['a', 'b']);
      assert.equal(out.record.status, 'failed');
      assert.deepEqual(out.record.steps.map((s) => s.exitCode), [0, 1]);
    }));

  test('a step that finds the site locked by a run started since the check (exit 75) makes the tick an overlap: not a failure, no notification, run again later', () =>
    withDir(async (dir) => {
      const sent: NotificationEvent[] = [];
      let exitCode = 75;
      const out = await runScheduled(options(dir, '2026-05-01T10:10:00Z', {
        lockedExitCode: 75,
        notify: async (e) => (sent.push(e), []),
        runStep: async () => ({ command: 'config check', exitCode }),
      }));
      assert.equal(out.record.status, 'skipped: overlap');
      assert.match(out.record.reason!, /found site demo locked by another run \(exit 75\)/);
      assert.deepEqual(sent, []);
      exitCode = 0;
      const again = await runScheduled(options(dir, '2026-05-01T10:20:00Z', { lockedExitCode: 75, runStep: async () => ({ command: 'config check', exitCode }) }));
      assert.equal(again.action, 'ran', 'an overlapped tick is not done: the next call runs it');
      assert.equal(again.record.status, 'succeeded');
    }));

  test('notifies the first failure of a streak, again only if it was not delivered, and the first success after', () =>
    withDir(async (dir) => {
      const sent: NotificationEvent[] = [];
      let deliver = false;
      const notify = async (e: NotificationEvent): Promise<ChannelResult[]> => (sent.push(e), [{ channel: 'webhook', to: 'x', ok: deliver }]);
      const at = async (hour: number, exitCode: number): Promise<void> => {
        await runScheduled(options(dir, `2026-05-01T${String(hour).padStart(2, '0')}:05:00Z`, {
          notify,
          runStep: async () => ({ command: 'config check', exitCode, runId: `run-${hour}`, ...(exitCode === 0 ? {} : { failedTask: 'T(x=1)', error: 'boom' }) }),
        }));
      };
      await at(1, 0); // success with no failure before: nothing
      await at(2, 1); // failure, not delivered
      deliver = true;
      await at(3, 1); // same streak, but nobody was told yet: try again
      await at(4, 1); // told already: quiet
      await at(5, 0); // recovery
      await at(6, 0); // quiet
      await at(7, 1); // a new streak
      assert.deepEqual(sent.map((e) => [e.tick.slice(11, 13), e.kind]), [['02', 'failed'], ['03', 'failed'], ['05', 'recovered'], ['07', 'failed']]);
      assert.equal(sent[0]!.task, 'T(x=1)');
      assert.equal(sent[0]!.runId, 'run-2');
      assert.equal(sent[2]!.failuresBefore, 3);
    }));

  test('no notify section: nothing is sent whatever happens', () =>
    withDir(async (dir) => {
      const quiet: ScheduleConfig = { ...schedule };
      delete quiet.notify;
      let calls = 0;
      const out = await runScheduled(options(dir, '2026-05-01T10:10:00Z', {
        schedule: quiet, runStep: async () => ({ command: 'x', exitCode: 1 }), notify: async () => ((calls += 1), []),
      }));
      assert.equal(out.record.status, 'failed');
      assert.equal(calls, 0);
      assert.equal(out.record.notified, undefined);
    }));
});
