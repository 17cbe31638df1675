/**
 * `schedule status`: the ticks a schedule should have served in a window, against its run
 * records: ran, failed, missed (no record at all), late and overlapped (skipped and
 * recorded), running, interrupted (a run whose process died), or due (too recent to call
 * missed yet).
 */
import os from 'node:os';
import type { ScheduleConfig } from '../config/index.js';
import { pidAlive } from './overlap.js';
import { keyStates, type ScheduledRunRecord } from './records.js';
import { isoTick, runKey, tickSource } from './ticks.js';

export type TickStatus = 'ran' | 'failed' | 'missed' | 'late' | 'overlapped' | 'running' | 'interrupted' | 'due';

export interface TickRow {
  tick: string;
  key: string;
  status: TickStatus;
  /** How long after the tick the run started (ran and failed). */
  startDelayMs?: number;
  durationMs?: number;
  reason?: string;
  runIds: string[];
}

export interface ScheduleStatus {
  schedule: string;
  cron: string;
  timezone: string;
  from: string;
  to: string;
  counts: Record<TickStatus, number>;
  /** Newest first. */
  ticks: TickRow[];
  /** More ticks than the limit (default 5000) in the window: the oldest were left out, and not counted. */
  truncated: boolean;
  nextTick?: string;
}

const GRACE_MS = 15 * 60_000;

export function scheduleStatus(
  name: string,
  schedule: ScheduleConfig,
  records: readonly ScheduledRunRecord[],
  window: { now: number; days: number; limit?: number; isAlive?: (pid: number) => boolean },
): ScheduleStatus {
  const source = tickSource(schedule);
  const from = window.now - window.days * 86_400_000;
  const limit = window.limit ?? 5000;
  // newest first, at most limit + 1 (to tell whether older ones were left out)
  const recent = source.latest(limit + 1, window.now).filter((t) => t > from);
  const ticks = recent.slice(0, limit).reverse();
  const states = keyStates(records.filter((r) => r.schedule === name));
  const counts: Record<TickStatus, number> = { ran: 0, failed: 0, missed: 0, late: 0, overlapped: 0, running: 0, interrupted: 0, due: 0 };
  const rows: TickRow[] = [];
  for (const tick of ticks) {
    const key = runKey(name, tick);
    const row = classify(key, tick, states.get(key), window.now, window.isAlive ?? pidAlive);
    counts[row.status]++;
    rows.push(row);
  }
  const [next] = source.next(1, window.now);
  return {
    schedule: name, cron: schedule.cron, timezone: schedule.timezone, from: isoTick(from), to: isoTick(window.now),
    counts, ticks: rows.reverse(), truncated: recent.length > limit, ...(next === undefined ? {} : { nextTick: isoTick(next) }),
  };
}

function classify(key: string, tick: number, r: ScheduledRunRecord | undefined, now: number, isAlive: (pid: number) => boolean): TickRow {
  const base = { tick: isoTick(tick), key, runIds: (r?.steps ?? []).flatMap((s) => (s.runId === undefined ? [] : [s.runId])) };
  if (r === undefined) return { ...base, status: now - tick < GRACE_MS ? 'due' : 'missed' };
  const timing = {
    startDelayMs: Date.parse(r.startedAt) - tick,
    ...(r.endedAt === undefined ? {} : { durationMs: Date.parse(r.endedAt) - Date.parse(r.startedAt) }),
  };
  switch (r.status) {
    case 'succeeded':
      return { ...base, ...timing, status: 'ran' };
    case 'failed': {
      const step = r.steps.find((s) => s.exitCode !== 0);
      const failure = step === undefined ? undefined : `${step.command}: ${step.failedTask === undefined ? '' : `${step.failedTask}: `}${step.error ?? `exit ${step.exitCode}`}`;
      const reason = [r.reason, failure].filter((x) => x !== undefined).join('; ') || undefined;
      return { ...base, ...timing, status: 'failed', ...(reason === undefined ? {} : { reason }) };
    }
    case 'skipped: late':
      return { ...base, status: 'late', ...(r.reason === undefined ? {} : { reason: r.reason }) };
    case 'skipped: overlap':
      return { ...base, status: 'overlapped', ...(r.reason === undefined ? {} : { reason: r.reason }) };
    default: {
      const alive = r.pid !== undefined && (r.host !== os.hostname() || isAlive(r.pid));
      return { ...base, ...timing, status: alive ? 'running' : 'interrupted', ...(alive ? {} : { reason: `pid ${r.pid ?? '?'} on ${r.host ?? '?'} ended without recording an outcome` }) };
    }
  }
}
