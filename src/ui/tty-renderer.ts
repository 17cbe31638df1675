/**
 * The live display in a terminal, with listr2: a header row for the run and one row per
 * task family with its counts (never a row per task), redrawn at most every REFRESH_MS.
 * Failures and retries show under their family's row with the task id and the error.
 * listr2 is imported only when a run starts, so `--help` never loads it.
 *
 * Families found at run time (dynamic dependencies) get rows through an untitled
 * "continuation" task that waits for them and hands them to listr2 as new subtasks.
 */
import type { ListrTask } from 'listr2';
import { formatSummary, type EngineEvent, type RunSummary } from '../engine/index.js';
import { formatDuration, oneLine, plural, withCode } from './format.js';
import { describeCounts, isFinished, ProgressTracker, type FamilyCounts } from './progress.js';
import type { OutputStream, Renderer, RendererOptions } from './renderer.js';

export const REFRESH_MS = 200;
const NOTES_PER_FAMILY = 3;

/** What a row needs of listr2's task wrapper. */
interface RowWrapper {
  title: string;
  output: string;
  skip(message?: string): void;
  newListr(tasks: ListrTask[], options?: { concurrent?: boolean; exitOnError?: boolean }): unknown;
}

interface Row {
  counts: FamilyCounts;
  wrapper: RowWrapper | undefined;
  ended: boolean;
  end: (() => void) | undefined;
}

export class TtyRenderer implements Renderer {
  private readonly progress = new ProgressTracker();
  private readonly out: OutputStream;
  private readonly err: OutputStream;
  private readonly open = new Map<string, Row>();
  private readonly rows: Row[] = [];
  private readonly notes = new Map<string, string[]>();
  private late: Row[] = [];
  private wake: (() => void) | undefined;
  private header: RowWrapper | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private runId = '';
  private workers = 0;
  private dryRun = false;
  private finished = false;
  private summary: RunSummary | undefined;
  private closed = false;
  private noticeText = '';

  constructor(opts: RendererOptions) {
    this.out = opts.stdout;
    this.err = opts.stderr;
  }

  onEvent(e: EngineEvent): void {
    const family = this.progress.apply(e);
    switch (e.type) {
      case 'run_started':
        ({ runId: this.runId, workers: this.workers, dryRun: this.dryRun } = e);
        return;
      case 'tasks_planned':
        if (!this.dryRun && e.toRun > 0) this.running = this.start();
        return;
      case 'run_finished':
        this.summary = e.summary;
        this.endAll();
        return;
      case 'task_retry':
        this.note(e.family, `↻ ${e.id}: attempt ${e.attempt} failed, again in ${formatDuration(e.delayMs)}: ${withCode(e.error, e.code)}`);
        break;
      case 'task_failed':
        this.note(e.family, `✖ ${e.id}: ${withCode(e.error, e.code)}`);
        break;
      case 'task_warning':
        this.note(e.family, `⚠ ${e.id}: ${e.message}`);
        break;
      default:
        break;
    }
    if (family !== undefined && this.started) this.track(family);
  }

  notice(text: string): void {
    this.noticeText = oneLine(text, 200);
    if (this.header !== undefined) this.header.title = this.headerTitle();
    else this.err.write(`${this.noticeText}\n`);
  }

  async close(summary?: RunSummary): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endAll();
    try {
      await this.running;
    } catch {
      // listr2 reports a failed row as an error; the summary below says it all.
    }
    if (this.timer !== undefined) clearInterval(this.timer);
    const s = summary ?? this.summary;
    if (s !== undefined) this.err.write(formatSummary(s) + '\n');
  }

  private async start(): Promise<void> {
    const { DefaultRenderer, Listr, ListrLogger, ProcessOutput } = await import('listr2');
    // Always the live renderer: the caller chose tty mode from where the progress goes.
    class LiveRenderer extends DefaultRenderer {
      static override nonTTY = true;
    }
    for (const counts of this.progress.families.values()) {
      if (counts.total > 0) this.rows.push(this.openRow(counts));
    }
    this.started = true;
    if (this.finished) for (const row of this.rows) this.endRow(row);
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    this.timer.unref();
    const processOutput = new ProcessOutput(this.err as NodeJS.WriteStream, this.out as NodeJS.WriteStream);
    const list = new Listr(
      [
        {
          title: this.headerTitle(),
          task: (_ctx, wrapper) => {
            this.header = wrapper as unknown as RowWrapper;
            return wrapper.newListr([...this.rows.map((r) => this.rowTask(r)), this.continuation()], { concurrent: true, exitOnError: false });
          },
        },
      ],
      {
        renderer: LiveRenderer,
        rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: false, formatOutput: 'truncate', logger: new ListrLogger({ useIcons: true, processOutput }) },
        exitOnError: false,
        registerSignalListeners: false,
      },
    );
    await list.run();
  }

  private openRow(counts: FamilyCounts): Row {
    const row: Row = { counts, wrapper: undefined, ended: false, end: undefined };
    this.open.set(counts.family, row);
    return row;
  }

  /**
   * A family's counts changed: open a row for a family seen for the first time. Rows stay open
   * until the run ends, because a running task may still find more tasks of a family that
   * looked finished (a crawl's pages after its first page): one row per family, always.
   */
  private track(counts: FamilyCounts): void {
    if (this.open.has(counts.family)) return;
    if (counts.total === 0 || isFinished(counts) || this.finished) return;
    const late = this.openRow(counts);
    this.rows.push(late);
    this.late.push(late);
    this.wake?.();
  }

  private endRow(row: Row): void {
    if (this.open.get(row.counts.family) === row) this.open.delete(row.counts.family);
    row.ended = true;
    row.end?.();
  }

  private endAll(): void {
    this.finished = true;
    if (this.header !== undefined) this.header.title = this.headerTitle();
    for (const row of [...this.open.values()]) this.endRow(row);
    this.wake?.();
  }

  private rowTask(row: Row): ListrTask {
    return {
      title: this.rowTitle(row.counts),
      rendererOptions: { persistentOutput: true, outputBar: 1 },
      task: async (_ctx, wrapper) => {
        row.wrapper = wrapper as unknown as RowWrapper;
        if (!row.ended) await new Promise<void>((resolve) => (row.end = resolve));
        this.paint(row);
        const c = row.counts;
        if (c.failed > 0) throw new Error(this.rowTitle(c));
        if (c.done === 0 && c.skipped > 0) row.wrapper.skip(this.rowTitle(c));
      },
    };
  }

  /** Untitled: waits for families found at run time and adds their rows (and itself again). */
  private continuation(): ListrTask {
    return {
      task: async (_ctx, wrapper) => {
        while (this.late.length === 0 && !this.finished) await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        const rows = this.late.splice(0);
        if (rows.length === 0) return undefined;
        return wrapper.newListr([...rows.map((r) => this.rowTask(r)), this.continuation()], { concurrent: true, exitOnError: false });
      },
    };
  }

  private refresh(): void {
    if (this.header !== undefined) this.header.title = this.headerTitle();
    for (const row of this.open.values()) {
      if (!row.counts.changed) continue;
      row.counts.changed = false;
      this.paint(row);
    }
  }

  private paint(row: Row): void {
    if (row.wrapper === undefined) return;
    row.wrapper.title = this.rowTitle(row.counts);
    const notes = this.notes.get(row.counts.family);
    if (notes !== undefined && notes.length > 0) row.wrapper.output = notes.join('\n');
  }

  private note(family: string, text: string): void {
    let list = this.notes.get(family);
    if (list === undefined) this.notes.set(family, (list = []));
    list.push(oneLine(text, 400));
    if (list.length > NOTES_PER_FAMILY) list.shift();
    const counts = this.progress.families.get(family);
    if (counts !== undefined) counts.changed = true;
  }

  private headerTitle(): string {
    const t = this.progress.totals;
    const complete = t.complete > 0 ? `, ${t.complete} complete already` : '';
    const notice = this.noticeText === '' ? '' : ` — ${this.noticeText}`;
    return `run ${this.runId} (${plural(this.workers, 'worker')}): ${describeCounts(t)}${complete}${notice}`;
  }

  private rowTitle(c: FamilyCounts): string {
    return `${c.family}: ${describeCounts(c)}${c.retries > 0 ? `, ${plural(c.retries, 'retry', 'retries')}` : ''}`;
  }
}
