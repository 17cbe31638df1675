/** Captured output streams and a script of synthetic engine events on a fake clock. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { type EngineEvent, type RunSummary } from '../../src/engine/index.js';
import { FakeClock } from '../support/fake-clock.js';

export interface Capture {
  stream: { write(chunk: string): boolean; isTTY?: boolean; columns?: number; rows?: number };
  text(): string;
  lines(): string[];
}

export function capture(tty = false): Capture {
  const chunks: string[] = [];
  const stream: Capture['stream'] = {
    write(chunk: string): boolean {
      chunks.push(String(chunk));
      return true;
    },
  };
  if (tty) Object.assign(stream, { isTTY: true, columns: 160, rows: 60 });
  return {
    stream,
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((l) => l !== ''),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** 2026-11-22T10:00:00Z */
export const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

/** Builds events stamped with a fake clock that moves `step` ms per event. */
export class Script {
  readonly clock = new FakeClock(T0);
  constructor(readonly step = 0) {}

  private at(): number {
    const at = this.clock.now();
    this.clock.advance(this.step);
    return at;
  }

  started(runId = 'R1', roots = ['Aggregate(n=3)'], dryRun = false): EngineEvent {
    return { type: 'run_started', runId, at: this.at(), roots, workers: 4, dryRun };
  }
  planned(byFamily: Record<string, { toRun: number; complete: number }>): EngineEvent {
    const sum = (k: 'toRun' | 'complete'): number => Object.values(byFamily).reduce((n, f) => n + f[k], 0);
    return { type: 'tasks_planned', at: this.at(), toRun: sum('toRun'), complete: sum('complete'), byFamily };
  }
  pending(id: string, reason = 'missing output x'): EngineEvent {
    return { type: 'task_pending', id, family: familyOf(id), at: this.at(), reason };
  }
  start(id: string, attempt = 1): EngineEvent {
    return { type: 'task_started', id, family: familyOf(id), at: this.at(), attempt };
  }
  done(id: string, attempt = 1, durationMs = 250): EngineEvent {
    return { type: 'task_done', id, family: familyOf(id), at: this.at(), attempt, durationMs };
  }
  retry(id: string, error: string, attempt = 1, delayMs = 1000): EngineEvent {
    return { type: 'task_retry', id, family: familyOf(id), at: this.at(), attempt, delayMs, error, code: 'ERR_HTTP', layer: 'task' };
  }
  failed(id: string, error: string, attempt = 1): EngineEvent {
    return { type: 'task_failed', id, family: familyOf(id), at: this.at(), attempt, error };
  }
  skipped(id: string, reason: string): EngineEvent {
    return { type: 'task_skipped', id, family: familyOf(id), at: this.at(), reason };
  }
  log(id: string, message: string): EngineEvent {
    return { type: 'task_log', id, family: familyOf(id), at: this.at(), message };
  }
  finished(summary: RunSummary): EngineEvent {
    return { type: 'run_finished', at: this.at(), summary };
  }
}

export function familyOf(id: string): string {
  return id.slice(0, id.indexOf('('));
}

/** A summary shaped like the engine's, for renderer tests. */
export function summaryOf(status: RunSummary['status'], counts: Partial<RunSummary['counts']> = {}, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 'R1',
    status,
    startedAt: T0,
    finishedAt: T0 + 5000,
    durationMs: 5000,
    workers: 4,
    counts: { scheduled: 0, ran: 0, alreadyComplete: 0, failed: 0, skipped: 0, retried: 0, wouldRun: 0, ...counts },
    groups: [],
    failures: [],
    skipped: [],
    plan: [],
    warnings: [],
    retries: { total: 0, byLayer: {}, byFamily: {} },
    ...extra,
  };
}

export async function tempDir(t: TestContext, prefix = 'mallard-ui-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
