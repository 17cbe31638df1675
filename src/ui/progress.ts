/**
 * Counts per task family, kept from engine events in O(1) per event: what the renderers
 * show instead of one line per task (a run may have 100,000 tasks).
 */
import type { EngineEvent } from '../engine/index.js';

export interface FamilyCounts {
  family: string;
  /** Tasks of the family that this run has to run (grows when tasks are found at run time). */
  total: number;
  /** Tasks of the family that were complete before the run. */
  complete: number;
  done: number;
  running: number;
  /** Failed an attempt and waiting to try again. */
  retrying: number;
  failed: number;
  skipped: number;
  /** Retries so far (attempts that failed and were tried again). */
  retries: number;
  /** Epoch ms of the family's first task start. */
  firstStartAt: number | undefined;
  /** Set when something changed since the renderer last looked (it resets it). */
  changed: boolean;
}

export type RunTotals = Omit<FamilyCounts, 'family' | 'changed' | 'firstStartAt'>;

export class ProgressTracker {
  readonly families = new Map<string, FamilyCounts>();
  readonly totals: RunTotals = { total: 0, complete: 0, done: 0, running: 0, retrying: 0, failed: 0, skipped: 0, retries: 0 };
  planned = false;
  /** Tasks waiting to retry: a failure of one of these was not running. */
  private readonly waiting = new Set<string>();

  family(name: string): FamilyCounts {
    let f = this.families.get(name);
    if (f === undefined) {
      f = { family: name, total: 0, complete: 0, done: 0, running: 0, retrying: 0, failed: 0, skipped: 0, retries: 0, firstStartAt: undefined, changed: false };
      this.families.set(name, f);
    }
    return f;
  }

  /** Updates the counts; returns the family the event was about, if any. */
  apply(e: EngineEvent): FamilyCounts | undefined {
    switch (e.type) {
      case 'run_started':
      case 'run_finished':
        return undefined;
      case 'tasks_planned':
        this.planned = true;
        for (const [name, c] of Object.entries(e.byFamily)) {
          const f = this.family(name);
          f.complete = c.complete;
          f.changed = true;
        }
        this.totals.complete = e.complete;
        return undefined;
      case 'task_log':
      case 'task_warning':
        return this.families.get(e.family);
      case 'graph':
        return undefined;
      default:
        return this.taskEvent(e);
    }
  }

  private taskEvent(e: Extract<EngineEvent, { id: string }>): FamilyCounts {
    const f = this.family(e.family);
    const t = this.totals;
    f.changed = true;
    switch (e.type) {
      case 'task_pending':
        bump(f, t, 'total', 1);
        break;
      case 'task_started':
        f.firstStartAt ??= e.at;
        if (this.waiting.delete(e.id)) bump(f, t, 'retrying', -1);
        bump(f, t, 'running', 1);
        break;
      case 'task_done':
        bump(f, t, 'running', -1);
        bump(f, t, 'done', 1);
        break;
      case 'task_retry':
        this.waiting.add(e.id);
        bump(f, t, 'running', -1);
        bump(f, t, 'retrying', 1);
        bump(f, t, 'retries', 1);
        break;
      case 'task_failed':
        bump(f, t, this.waiting.delete(e.id) ? 'retrying' : 'running', -1);
        bump(f, t, 'failed', 1);
        break;
      case 'task_skipped':
        bump(f, t, 'skipped', 1);
        break;
      default:
        break;
    }
    return f;
  }
}

type Counter = 'total' | 'done' | 'running' | 'retrying' | 'failed' | 'skipped' | 'retries';

function bump(f: FamilyCounts, t: RunTotals, key: Counter, by: number): void {
  f[key] += by;
  t[key] += by;
}

/** Every task the family has to run has ended (done, failed or skipped). */
export function isFinished(c: Pick<FamilyCounts, 'total' | 'done' | 'failed' | 'skipped' | 'running' | 'retrying'>): boolean {
  return c.running === 0 && c.retrying === 0 && c.done + c.failed + c.skipped >= c.total;
}

/** `1200/5000 done, 4 running, 2 retrying, 1 failed, 3 skipped` (zero counts left out). */
export function describeCounts(c: Pick<FamilyCounts, 'total' | 'done' | 'running' | 'retrying' | 'failed' | 'skipped'>): string {
  const parts = [`${c.done}/${c.total} done`];
  if (c.running > 0) parts.push(`${c.running} running`);
  if (c.retrying > 0) parts.push(`${c.retrying} retrying`);
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
  return parts.join(', ');
}
