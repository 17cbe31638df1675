/**
 * The ticks of a schedule: the instants its cron expression names in its time zone, as
 * croner computes them (daylight saving included: a time skipped by a spring-forward runs
 * at the first valid time after the gap, and a time that occurs twice in autumn runs once).
 */
import { Cron } from 'croner';
import type { ScheduleConfig } from '../config/index.js';

export interface TickSource {
  /** The latest tick at or before `now`, or undefined when there is none. */
  tickAt(now: number): number | undefined;
  /** The next `n` ticks strictly after `from`. */
  next(n: number, from: number): number[];
  /** Ticks in (from, to], oldest first, at most `limit`. */
  between(from: number, to: number, limit?: number): number[];
  /** The latest `n` ticks at or before `to`, newest first. */
  latest(n: number, to: number): number[];
}

export function tickSource(schedule: Pick<ScheduleConfig, 'cron' | 'timezone'>): TickSource {
  // No callback: croner only evaluates the pattern and never starts a timer.
  const job = new Cron(schedule.cron, { timezone: schedule.timezone });
  return {
    tickAt(now) {
      // previousRuns excludes a tick exactly at the reference: ask from one second later.
      const [prev] = job.previousRuns(1, new Date(Math.floor(now / 1000) * 1000 + 1000));
      return prev !== undefined && prev.getTime() <= now ? prev.getTime() : undefined;
    },
    next(n, from) {
      return job.nextRuns(n, new Date(from)).map((d) => d.getTime());
    },
    latest(n, to) {
      return job.previousRuns(n, new Date(Math.floor(to / 1000) * 1000 + 1000)).map((d) => d.getTime()).filter((t) => t <= to);
    },
    between(from, to, limit = 10_000) {
      const out: number[] = [];
      let cursor = new Date(from);
      while (out.length < limit) {
        const next = job.nextRun(cursor);
        if (next === null || next.getTime() > to) break;
        out.push(next.getTime());
        cursor = next;
      }
      return out;
    },
  };
}

/** ISO UTC without milliseconds: `2026-03-29T01:30:00Z`. */
export function isoTick(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The run key of a tick: `<schedule>@<tick ISO>`. */
export function runKey(schedule: string, tick: number): string {
  return `${schedule}@${isoTick(tick)}`;
}
