/**
 * Plain mode (not a terminal: CI logs, pipes): timestamped lines on stderr. A small run gets
 * a line per task; a large one gets per-family progress lines at most every few seconds and
 * a line when a family finishes, so 100,000 tasks make a few hundred lines, not 100,000.
 * Failures, retries and task messages always get their own lines (messages within a budget).
 */
import { formatSummary, systemClock, type Clock, type EngineEvent, type RunSummary } from '../engine/index.js';
import { formatDuration, isoSeconds, listSome, oneLine, plural, withCode } from './format.js';
import { describeCounts, isFinished, ProgressTracker, type FamilyCounts } from './progress.js';
import type { OutputStream, Renderer, RendererOptions } from './renderer.js';

/** Runs with at most this many tasks to run get a line per task. */
export const SMALL_RUN_TASKS = 50;
/** Least time between two rounds of progress lines. */
export const PROGRESS_INTERVAL_MS = 5000;
/** Task messages printed per progress interval in a large run (the rest are in the run log). */
export const LOG_LINES_PER_INTERVAL = 50;
const MAX_FAMILY_LINES = 30;

type Of<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

export class PlainRenderer implements Renderer {
  private readonly progress = new ProgressTracker();
  private readonly err: OutputStream;
  private readonly clock: Clock;
  private readonly verbose: boolean;
  private perTask = true;
  private lastProgressAt = 0;
  private logLines = 0;
  private logsDropped = 0;
  private readonly announced = new Set<string>();
  private summary: RunSummary | undefined;
  private closed = false;

  constructor(opts: RendererOptions) {
    this.err = opts.stderr;
    this.clock = opts.clock ?? systemClock;
    this.verbose = opts.verbose === true;
  }

  onEvent(e: EngineEvent): void {
    const family = this.progress.apply(e);
    switch (e.type) {
      case 'run_started':
        this.line(e.at, `run ${e.runId} started: ${listSome(e.roots)} (${plural(e.workers, 'worker')}${e.dryRun ? ', dry run' : ''})`);
        break;
      case 'tasks_planned':
        this.planned(e);
        break;
      case 'task_pending':
        this.pending(e);
        break;
      case 'task_log':
        this.log(e);
        break;
      case 'task_warning':
        this.line(e.at, `WARNING ${e.id}: ${oneLine(e.message, 1000)}`);
        break;
      case 'graph':
        return;
      case 'run_finished':
        this.summary = e.summary;
        this.line(e.at, `run ${e.summary.runId} finished: ${e.summary.status.toUpperCase()} in ${formatDuration(e.summary.durationMs)}`);
        break;
      default:
        this.taskLine(e);
    }
    if (!this.perTask && this.progress.planned) {
      if (family !== undefined) this.checkFinished(family);
      this.maybeProgress();
    }
  }

  notice(text: string): void {
    this.line(this.clock.now(), text);
  }

  async close(summary?: RunSummary): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushDroppedLogs();
    const s = summary ?? this.summary;
    if (s !== undefined) this.err.write(formatSummary(s) + '\n');
  }

  private planned(e: Of<'tasks_planned'>): void {
    this.perTask = this.verbose || e.toRun <= SMALL_RUN_TASKS;
    this.lastProgressAt = this.clock.now();
    this.line(e.at, `plan: ${e.toRun} to run, ${e.complete} already complete`);
    const families = Object.entries(e.byFamily);
    for (const [name, c] of families.slice(0, MAX_FAMILY_LINES)) this.line(e.at, `  ${name}: ${c.toRun} to run, ${c.complete} complete`);
    if (families.length > MAX_FAMILY_LINES) this.line(e.at, `  and ${families.length - MAX_FAMILY_LINES} more families`);
  }

  /** Tasks found at run time (dynamic dependencies) after the plan. */
  private pending(e: Of<'task_pending'>): void {
    if (!this.progress.planned) return;
    if (this.perTask && !this.verbose && this.progress.totals.total > SMALL_RUN_TASKS) {
      this.perTask = false;
      this.lastProgressAt = this.clock.now();
      this.line(e.at, `more than ${SMALL_RUN_TASKS} tasks to run now: progress by family from here`);
      return;
    }
    if (this.perTask) this.line(e.at, `found ${e.id} (needed at run time): ${e.reason}`);
  }

  private taskLine(e: Of<'task_started' | 'task_done' | 'task_retry' | 'task_failed' | 'task_skipped'>): void {
    switch (e.type) {
      case 'task_retry':
        this.line(e.at, `retry ${e.id}${e.layer !== undefined && e.layer !== 'task' ? ` (${e.layer})` : ''}: attempt ${e.attempt} failed, next in ${formatDuration(e.delayMs)}: ${oneLine(withCode(e.error, e.code))}`);
        return;
      case 'task_failed':
        this.line(e.at, `FAILED ${e.id} (${plural(e.attempt, 'attempt')}): ${oneLine(withCode(e.error, e.code))}`);
        return;
      default:
        break;
    }
    if (!this.perTask) return;
    if (e.type === 'task_started') this.line(e.at, `start ${e.id}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
    else if (e.type === 'task_done') this.line(e.at, `done ${e.id} in ${formatDuration(e.durationMs)}`);
    else this.line(e.at, `skipped ${e.id}: ${oneLine(e.reason)}`);
  }

  private log(e: Of<'task_log'>): void {
    if (!this.perTask && this.logLines >= LOG_LINES_PER_INTERVAL) {
      this.logsDropped += 1;
      return;
    }
    this.logLines += 1;
    this.line(e.at, `${e.id}: ${oneLine(e.message, 1000)}`);
  }

  private checkFinished(f: FamilyCounts): void {
    if (f.total === 0) return;
    const finished = isFinished(f);
    if (!finished) {
      this.announced.delete(f.family);
      return;
    }
    if (this.announced.has(f.family)) return;
    this.announced.add(f.family);
    const now = this.clock.now();
    const took = f.firstStartAt === undefined ? '' : ` in ${formatDuration(now - f.firstStartAt)}`;
    this.line(now, `finished ${f.family}: ${describeCounts(f)}${took}`);
    f.changed = false;
  }

  private maybeProgress(): void {
    const now = this.clock.now();
    if (now - this.lastProgressAt < PROGRESS_INTERVAL_MS) return;
    this.lastProgressAt = now;
    let shown = 0;
    for (const f of this.progress.families.values()) {
      if (!f.changed) continue;
      f.changed = false;
      if (f.total === 0 || isFinished(f) || shown >= MAX_FAMILY_LINES) continue;
      shown += 1;
      this.line(now, `progress ${f.family}: ${describeCounts(f)}`);
    }
    this.flushDroppedLogs();
    this.logLines = 0;
  }

  private flushDroppedLogs(): void {
    if (this.logsDropped === 0) return;
    this.line(this.clock.now(), `(${plural(this.logsDropped, 'more task message')} in the run log)`);
    this.logsDropped = 0;
  }

  private line(at: number, text: string): void {
    this.err.write(`${isoSeconds(at)} ${text}\n`);
  }
}
