/**
 * One step run as a child process of the same CLI (the same Node and main.js), with the
 * child's output passed through to this process's stderr (stdout stays for run-scheduled's
 * own result). Afterwards the step's run id, failed task and error are read from the run
 * log it wrote (`<artifacts>/runs/<runId>.jsonl`), or, when it wrote none (a usage or
 * config error), from its last `Error:` line.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { listRuns, readRun, type RunRecord } from '../engine/index.js';
import type { StepRecord } from './records.js';

export interface ChildOptions {
  /** The program and its first arguments, e.g. [process.execPath, '/…/dist/commands/main.js']. */
  entry: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  artifactsDir: string;
  site: string;
  /** Where the child's output goes (default: this process's stderr). */
  output?: NodeJS.WritableStream;
  /** Aborting sends the child SIGINT (it stops starting tasks), then SIGTERM after 30 s. */
  signal?: AbortSignal;
  /** Secrets to scrub from the error text kept in the record. */
  redact?: (text: string) => string;
}

const TAIL_BYTES = 16 * 1024;

export async function runStepChild(command: string, commandId: string, argv: readonly string[], opts: ChildOptions): Promise<StepRecord> {
  const started = Date.now();
  const { exitCode, tail } = await spawnChild(argv, opts);
  const durationMs = Date.now() - started;
  const run = findStepRun(opts.artifactsDir, opts.site, commandId, started);
  const record: StepRecord = { command, exitCode, durationMs, ...(run === undefined ? {} : { runId: run.runId }) };
  if (exitCode === 0) return record;
  const failure = run === undefined ? undefined : failureOf(run);
  const error = failure?.error ?? lastErrorLine(tail) ?? (exitCode === null ? 'killed by a signal' : `exited with code ${exitCode}`);
  const redact = opts.redact ?? ((t: string) => t);
  return { ...record, ...(failure?.task === undefined ? {} : { failedTask: failure.task }), error: redact(error) };
}

function spawnChild(argv: readonly string[], opts: ChildOptions): Promise<{ exitCode: number | null; tail: string }> {
  const [program, ...first] = opts.entry;
  const child = spawn(program!, [...first, ...argv], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = opts.output ?? process.stderr;
  let tail = '';
  const keep = (chunk: Buffer): void => {
    out.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout.on('data', (c: Buffer) => out.write(c));
  child.stderr.on('data', keep);
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    child.kill('SIGINT');
    killTimer = setTimeout(() => child.kill('SIGTERM'), 30_000);
    killTimer.unref();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      resolve({ exitCode: code, tail });
    });
  });
}

/** The newest run log of this site for this command that started after the step did. */
export function findStepRun(artifactsDir: string, site: string, commandId: string, startedMs: number): RunRecord | undefined {
  const words = ` ${commandId.replace(/:/g, ' ')} `;
  for (const run of listRuns(path.join(artifactsDir, 'runs'), 50)) {
    if (run.startedAt !== undefined && run.startedAt < startedMs - 1000) break; // older than the step: stop
    if (run.scope === site && `${run.command ?? ''} `.includes(words)) return run;
  }
  return undefined;
}

/** The first failed task and its error from a run log's summary. */
export function failureOf(run: RunRecord): { task?: string; error?: string } | undefined {
  const full = readRun(run.file);
  if (full.status === 'success' || full.status === 'dry-run') return undefined;
  const summary = readSummary(run.file);
  // the root cause first: a task that failed itself, not one whose dependency failed
  const first = summary?.failures?.find((f) => f.code !== 'ERR_DEPENDENCY_FAILED') ?? summary?.failures?.[0];
  if (first !== undefined) return { task: first.id, error: first.code === undefined ? first.message : `[${first.code}] ${first.message}` };
  return full.status === 'running' ? { error: 'the step ended without finishing its run log (killed?)' } : { error: `run ${full.status}` };
}

type FailureList = Array<{ id: string; message: string; code?: string }>;

/** The run_finished event's summary: the last line, read from the file's end. */
function readSummary(file: string): { failures?: FailureList } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 8 * 1024 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const last = buf.toString('utf8').trimEnd().split('\n').at(-1);
    const event = last === undefined ? undefined : (JSON.parse(last) as { type?: string; summary?: { failures?: FailureList } });
    return event?.type === 'run_finished' ? event.summary : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The message of the last `Error:` block in a child's stderr (its continuation lines joined, hints left out). */
export function lastErrorLine(tail: string): string | undefined {
  const lines = tail.split('\n');
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (/^Error: /.test(lines[i]!.trim())) { at = i; break; }
  if (at < 0) return undefined;
  const parts = [lines[at]!.trim().replace(/^Error: /, '')];
  for (const line of lines.slice(at + 1)) {
    const t = line.trim();
    if (t === '' || /^(hint:|See more help)/.test(t) || !/^\s/.test(line)) break;
    parts.push(t);
  }
  return parts.join(' ').replace(/^The following error occurred: /, '');
}
