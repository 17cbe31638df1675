/**
 * Run history: every run's events and final summary as one JSON-lines file,
 * `<runsDir>/<runId>.jsonl`, and the listing of recent runs read back from them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineEvent } from './events.js';
import type { RunSummary } from './summary.js';

const FLUSH_BYTES = 256 * 1024;
/** Buffered events reach the file within this long, so a live view (`ui`) tailing it keeps up. */
const FLUSH_AFTER_MS = 200;

export class RunLog {
  readonly file: string;
  private fd: number | undefined;
  private buffer: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  /** The file is created on the first write. */
  constructor(private readonly runsDir: string, runId: string) {
    this.file = path.join(runsDir, `${runId}.jsonl`);
  }

  /** An engine event listener. Failures, retries and the end are written through at once. */
  readonly write = (event: EngineEvent | Record<string, unknown>): void => {
    const line = JSON.stringify(event) + '\n';
    this.buffer.push(line);
    this.bytes += line.length;
    const type = (event as { type?: string }).type;
    if (this.bytes >= FLUSH_BYTES || type === 'task_failed' || type === 'run_finished' || type === 'run_started') this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS).unref();
  };

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    if (this.fd === undefined) {
      fs.mkdirSync(this.runsDir, { recursive: true });
      this.fd = fs.openSync(this.file, 'a');
    }
    fs.writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bytes = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface RunRecord {
  runId: string;
  file: string;
  /** The site (lock scope) the run was for, when the log says. */
  scope: string | undefined;
  /** 'running' when the log has no end (still going, or the process died). */
  status: RunSummary['status'] | 'running';
  startedAt: number | undefined;
  durationMs: number | undefined;
  roots: string[];
  command: string | undefined;
  counts: RunSummary['counts'] | undefined;
}

/** The most recent runs first, at most `limit`. */
export function listRuns(runsDir: string, limit = 20): RunRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir).filter((n) => n.endsWith('.jsonl'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  names.sort().reverse();
  return names.slice(0, limit).map((name) => readRun(path.join(runsDir, name)));
}

export function readRun(file: string): RunRecord {
  const first = parseLine(readFirstLine(file));
  const last = parseLine(readLastLine(file));
  const summary = last?.type === 'run_finished' ? (last.summary as RunSummary) : undefined;
  return {
    runId: path.basename(file, '.jsonl'),
    file,
    scope: typeof first?.scope === 'string' ? first.scope : undefined,
    status: summary?.status ?? 'running',
    startedAt: typeof first?.at === 'number' ? first.at : undefined,
    durationMs: summary?.durationMs,
    roots: Array.isArray(first?.roots) ? (first.roots as string[]) : [],
    command: typeof first?.command === 'string' ? first.command : undefined,
    counts: summary?.counts,
  };
}

function parseLine(line: string | undefined): Record<string, unknown> | undefined {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function readFirstLine(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? undefined : text.slice(0, end);
  } finally {
    fs.closeSync(fd);
  }
}

/** The last complete line, reading backwards in growing windows (summaries can be large). */
function readLastLine(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8').replace(/\n$/, '');
      const nl = text.lastIndexOf('\n');
      if (nl >= 0 || start === 0) return text.slice(nl + 1) || undefined;
    }
  } finally {
    fs.closeSync(fd);
  }
}
