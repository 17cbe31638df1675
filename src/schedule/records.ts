/**
 * The run records of scheduled runs: `<artifacts>/runs/schedules/<site>.jsonl`, one JSON
 * line appended per event of a tick (running, then its end; or a skip). Under runs/ so
 * `sync-artifacts` backs them up and a throwaway runner restores them with `--pull`.
 * A key's state: succeeded once any line says so (a later skip never undoes a success);
 * otherwise its latest line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJsonLines } from '../engine/index.js';

export type ScheduledStatus = 'running' | 'succeeded' | 'failed' | 'skipped: overlap' | 'skipped: late';

export interface StepRecord {
  /** The command line as configured. */
  command: string;
  /** null when the child was killed by a signal. */
  exitCode: number | null;
  /** The run id of the run log the step wrote, when it wrote one. */
  runId?: string;
  durationMs?: number;
  /** The failed task and its error (from the step's run log), or its error line. */
  failedTask?: string;
  error?: string;
}

export interface NotificationRecord {
  channel: 'webhook' | 'email';
  to: string;
  ok: boolean;
  error?: string;
}

export interface ScheduledRunRecord {
  key: string;
  schedule: string;
  tick: string;
  status: ScheduledStatus;
  startedAt: string;
  endedAt?: string;
  steps: StepRecord[];
  /** Why it was skipped: the lock holder, how late. */
  reason?: string;
  pid?: number;
  host?: string;
  /** 'failed' / 'recovered' when this run sent notifications, with each channel's outcome. */
  notified?: { kind: 'failed' | 'recovered'; channels: NotificationRecord[] };
}

export function recordsFile(artifactsDir: string, site: string): string {
  return path.join(path.resolve(artifactsDir), 'runs', 'schedules', `${site}.jsonl`);
}

/** Appends one record as one write (O_APPEND), fsynced: a reader never sees half a line. */
export function appendRecord(file: string, record: ScheduledRunRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every record in the file, in order; a torn or foreign line is ignored. */
export function readRecords(file: string): ScheduledRunRecord[] {
  return readJsonLines(file).filter((r): r is ScheduledRunRecord => {
    const v = r as Partial<ScheduledRunRecord> | null;
    return typeof v?.key === 'string' && typeof v.schedule === 'string' && typeof v.status === 'string';
  });
}

/** The state of each key: the success if there is one, else the latest record. */
export function keyStates(records: readonly ScheduledRunRecord[]): Map<string, ScheduledRunRecord> {
  const states = new Map<string, ScheduledRunRecord>();
  for (const r of records) {
    const seen = states.get(r.key);
    if (seen?.status === 'succeeded') continue;
    states.set(r.key, r);
  }
  return states;
}

/** The finished runs (succeeded or failed) of one schedule, oldest first. */
export function finishedRuns(records: readonly ScheduledRunRecord[], schedule: string): ScheduledRunRecord[] {
  return records.filter((r) => r.schedule === schedule && (r.status === 'succeeded' || r.status === 'failed'));
}
