/**
 * `run-scheduled <schedule>`: the one entry point a timer calls. It works out the tick it
 * serves (the latest at or before now), and under a lock of its own per site:
 *   - does nothing when that tick already succeeded;
 *   - skips (recorded) a tick older than maxLate, or any tick while a run of the site holds
 *     the site's run lock, or while another scheduled run of the site is going on;
 *   - otherwise runs the steps in order, stopping at the first failure, and records the run;
 *   - notifies on a failure that opens a streak, and on the first success after failures.
 */
import os from 'node:os';
import { durationMs, type LoadedConfig, type ScheduleConfig } from '../config/index.js';
import { acquireLock, isMallardError, MallardError, sessionPaths, systemClock, type Clock, type Lock, type LockHolder } from '../engine/index.js';
import type { ChannelResult, NotificationEvent } from '../notify/index.js';
import { describeHolder, liveHolder, pidAlive, scheduleLockFile } from './overlap.js';
import { appendRecord, finishedRuns, keyStates, readRecords, recordsFile, type ScheduledRunRecord, type StepRecord } from './records.js';
import type { ResolvedStep } from './steps.js';
import { isoTick, runKey, tickSource } from './ticks.js';

export interface RunScheduledOptions {
  loaded: LoadedConfig;
  name: string;
  schedule: ScheduleConfig;
  steps: readonly ResolvedStep[];
  artifactsDir: string;
  /** The time the tick is worked out from (--now), ms. */
  now: number;
  /** Overrides the schedule's maxLate (ms). */
  maxLateMs?: number;
  /** Real time, for the records' start and end and the lock. */
  clock?: Clock;
  runStep: (step: ResolvedStep, signal?: AbortSignal) => Promise<StepRecord>;
  notify: (event: NotificationEvent) => Promise<ChannelResult[]>;
  isAlive?: (pid: number) => boolean;
  signal?: AbortSignal;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Test seam: awaited once the schedule lock is held, before the records are read. */
  onLocked?: () => Promise<void> | void;
  /**
   * The exit code of a step that found the site locked by another run (the CLI's 75): the
   * lock was taken between the overlap check and the step, so the tick is an overlap, not a failure.
   */
  lockedExitCode?: number;
}

export type ScheduledAction = 'ran' | 'already-done' | 'skipped';

export interface ScheduledOutcome {
  action: ScheduledAction;
  key: string;
  tick: string;
  /** The record written (none for already-done: the earlier success is returned). */
  record: ScheduledRunRecord;
  recordsFile: string;
}

export async function runScheduled(opts: RunScheduledOptions): Promise<ScheduledOutcome> {
  const site = opts.loaded.config.site;
  const tick = tickSource(opts.schedule).tickAt(opts.now);
  if (tick === undefined) {
    throw new MallardError('ERR_USAGE', `schedule ${opts.name} ("${opts.schedule.cron}") has no tick at or before ${new Date(opts.now).toISOString()}`);
  }
  const key = runKey(opts.name, tick);
  const file = recordsFile(opts.artifactsDir, site);
  const base = { key, schedule: opts.name, tick: isoTick(tick) };
  const done = keyStates(readRecords(file)).get(key);
  if (done?.status === 'succeeded') return { action: 'already-done', key, tick: base.tick, record: done, recordsFile: file };

  const clock = opts.clock ?? systemClock;
  const isAlive = opts.isAlive ?? pidAlive;
  let lock: Lock;
  try {
    lock = await acquireLock(scheduleLockFile(opts.artifactsDir, site), { clock, command: `run-scheduled ${opts.name} (${key})`, isAlive });
  } catch (err) {
    if (!isMallardError(err) || err.code !== 'ERR_LOCKED') throw err;
    const holder = err.context.holder as LockHolder | undefined;
    return skip(file, base, clock, 'skipped: overlap', `another scheduled run of site ${site} is going on: ${holder ? describeHolder(holder) : err.message}`);
  }
  try {
    await opts.onLocked?.();
    return await underLock(opts, { file, base, tick, clock, isAlive });
  } finally {
    lock.release();
  }
}

interface Ctx {
  file: string;
  base: { key: string; schedule: string; tick: string };
  tick: number;
  clock: Clock;
  isAlive: (pid: number) => boolean;
}

async function underLock(opts: RunScheduledOptions, ctx: Ctx): Promise<ScheduledOutcome> {
  const { file, base, clock } = ctx;
  const records = readRecords(file);
  const state = keyStates(records).get(base.key);
  if (state?.status === 'succeeded') return { action: 'already-done', key: base.key, tick: base.tick, record: state, recordsFile: file };
  const maxLate = opts.maxLateMs ?? (opts.schedule.maxLate === undefined ? undefined : durationMs(opts.schedule.maxLate));
  const late = opts.now - ctx.tick;
  if (maxLate !== undefined && late > maxLate) {
    return skip(file, base, clock, 'skipped: late', `tick ${base.tick} is ${formatMs(late)} old, more than maxLate ${formatMs(maxLate)}`);
  }
  const holder = liveHolder(sessionPaths(opts.artifactsDir, opts.loaded.config.site).lock, ctx.isAlive);
  if (holder !== undefined) {
    return skip(file, base, clock, 'skipped: overlap', `a run of site ${opts.loaded.config.site} holds its lock: ${describeHolder(holder)}`);
  }
  const startedAt = new Date(clock.now()).toISOString();
  const identity = { pid: process.pid, host: os.hostname() };
  appendRecord(file, { ...base, status: 'running', startedAt, steps: [], ...identity });
  opts.log?.(`run-scheduled: ${base.key}: running ${opts.steps.length} step${opts.steps.length === 1 ? '' : 's'}`);
  const steps = await runSteps(opts);
  const failed = steps.find((s) => s.exitCode !== 0);
  const overlapped = failed !== undefined && opts.lockedExitCode !== undefined && failed.exitCode === opts.lockedExitCode;
  const status = overlapped ? 'skipped: overlap' : failed === undefined && steps.length === opts.steps.length ? 'succeeded' : 'failed';
  const record: ScheduledRunRecord = { ...base, status, startedAt, endedAt: new Date(clock.now()).toISOString(), steps, ...identity };
  if (overlapped) record.reason = `step "${failed.command}" found site ${opts.loaded.config.site} locked by another run (exit ${failed.exitCode})`;
  if (opts.signal?.aborted) record.reason = `interrupted${typeof opts.signal.reason === 'string' ? ` by ${opts.signal.reason}` : ''}`;
  const notified = overlapped ? undefined : await maybeNotify(opts, records, record);
  if (notified !== undefined) record.notified = notified;
  appendRecord(file, record);
  return { action: 'ran', key: base.key, tick: base.tick, record, recordsFile: file };
}

async function runSteps(opts: RunScheduledOptions): Promise<StepRecord[]> {
  const out: StepRecord[] = [];
  for (const step of opts.steps) {
    if (opts.signal?.aborted) break;
    opts.log?.(`run-scheduled: step ${out.length + 1}/${opts.steps.length}: ${step.line}`);
    const result = await opts.runStep(step, opts.signal);
    out.push(result);
    if (result.exitCode !== 0) {
      opts.log?.(`run-scheduled: step "${step.line}" failed (exit code ${result.exitCode ?? 'none: killed'}); the remaining steps are not run`);
      break;
    }
  }
  return out;
}

/** Notifies a failure unless an earlier one of the same streak was delivered; a success after failures. */
async function maybeNotify(opts: RunScheduledOptions, before: readonly ScheduledRunRecord[], record: ScheduledRunRecord): Promise<ScheduledRunRecord['notified']> {
  if (opts.schedule.notify === undefined) return undefined;
  const history = finishedRuns(before, opts.name);
  const streak: ScheduledRunRecord[] = [];
  for (let i = history.length - 1; i >= 0 && history[i]!.status === 'failed'; i--) streak.push(history[i]!);
  let kind: 'failed' | 'recovered';
  if (record.status === 'failed') {
    const told = streak.some((r) => r.notified?.kind === 'failed' && r.notified.channels.some((c) => c.ok));
    if (told) return undefined;
    kind = 'failed';
  } else {
    if (streak.length === 0) return undefined;
    kind = 'recovered';
  }
  const event = notificationEvent(opts, record, kind, streak.length);
  const channels = await opts.notify(event);
  for (const c of channels) if (!c.ok) opts.log?.(`run-scheduled: warning: the ${c.channel} notification to ${c.to} failed: ${c.error ?? 'unknown error'}`);
  return { kind, channels };
}

function notificationEvent(opts: RunScheduledOptions, record: ScheduledRunRecord, kind: 'failed' | 'recovered', failuresBefore: number): NotificationEvent {
  const failed = record.steps.find((s) => s.exitCode !== 0);
  const last = failed ?? record.steps.at(-1);
  return {
    kind, site: opts.loaded.config.site, schedule: opts.name, tick: record.tick, timezone: opts.schedule.timezone, host: os.hostname(),
    ...(last?.runId === undefined ? {} : { runId: last.runId }),
    ...(failed === undefined ? { failuresBefore } : {
      step: failed.command, exitCode: failed.exitCode,
      ...(failed.failedTask === undefined ? {} : { task: failed.failedTask }),
      ...(failed.error === undefined ? {} : { error: failed.error }),
    }),
    ...(kind === 'failed' && failed === undefined ? { error: 'interrupted before every step ran' } : {}),
  };
}

function skip(file: string, base: Ctx['base'], clock: Clock, status: 'skipped: overlap' | 'skipped: late', reason: string): ScheduledOutcome {
  const now = new Date(clock.now()).toISOString();
  const record: ScheduledRunRecord = { ...base, status, startedAt: now, endedAt: now, steps: [], reason, pid: process.pid, host: os.hostname() };
  appendRecord(file, record);
  return { action: 'skipped', key: base.key, tick: base.tick, record, recordsFile: file };
}

export function formatMs(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d${hours % 24 === 0 ? '' : `${hours % 24}h`}`;
}
