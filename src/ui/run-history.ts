/**
 * Run history for `runs` and `runs show`: the runs under `<artifacts>/runs/` (one JSON-lines
 * log per run, written by the engine's session) listed, found by id, and read in detail.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { listRuns, MallardError, readRun, sessionPaths, type EngineEvent, type RunRecord, type RunSummary } from '../engine/index.js';

/** How many failures and retried tasks a detail keeps (the log has them all). */
export const MAX_DETAIL_ITEMS = 200;

export function runsDirOf(artifactsDir: string): string {
  return sessionPaths(artifactsDir, 'any').runs;
}

export interface RunList {
  runsDir: string;
  runs: RunRecord[];
}

/** The most recent runs first, at most `limit`. */
export function listRunHistory(artifactsDir: string, limit = 20): RunList {
  const runsDir = runsDirOf(artifactsDir);
  return { runsDir, runs: listRuns(runsDir, limit) };
}

/**
 * The log file of a run: its exact id, a prefix matching one run only, or `latest`.
 * Anything else is ERR_USAGE naming the recent runs.
 */
export function findRunFile(artifactsDir: string, runId: string): string {
  const runsDir = runsDirOf(artifactsDir);
  const recent = listRuns(runsDir, 5).map((r) => r.runId);
  const hint = recent.length === 0 ? [`no runs are recorded in ${runsDir} yet`] : [`recent runs: ${recent.join(', ')}`];
  if (!/^[\w.-]+$/.test(runId)) throw new MallardError('ERR_USAGE', `not a run id: ${JSON.stringify(runId)}`, { suggestions: hint });
  const ids = listRuns(runsDir, Number.MAX_SAFE_INTEGER).map((r) => r.runId);
  if (runId === 'latest' && ids.length > 0) return path.join(runsDir, `${ids[0]}.jsonl`);
  if (ids.includes(runId)) return path.join(runsDir, `${runId}.jsonl`);
  const matches = ids.filter((id) => id.startsWith(runId));
  if (matches.length === 1) return path.join(runsDir, `${matches[0]}.jsonl`);
  const why = matches.length > 1 ? `${matches.length} runs start with ${runId}: ${matches.slice(0, 5).join(', ')}` : `no run ${runId} in ${runsDir}`;
  throw new MallardError('ERR_USAGE', why, { context: { runsDir, runId }, suggestions: hint });
}

export interface RunFailure {
  id: string;
  family: string;
  at: number;
  attempt: number;
  error: string;
  code?: string;
}

export interface RetriedTask {
  id: string;
  family: string;
  /** Attempts that failed and were tried again. */
  retries: number;
  lastError: string;
  code?: string;
}

export interface RunDetail extends RunRecord {
  scope: string | undefined;
  workers: number | undefined;
  dryRun: boolean;
  lastEventAt: number | undefined;
  /** The final summary; undefined while running or when the process died. */
  summary: RunSummary | undefined;
  /** Counted from the task events: useful when there is no summary. */
  events: { started: number; done: number; failed: number; skipped: number; retries: number };
  failures: RunFailure[];
  retried: RetriedTask[];
  /** Failures beyond MAX_DETAIL_ITEMS, and retries of tasks beyond the MAX_DETAIL_ITEMS listed. */
  moreFailures: number;
  moreRetried: number;
}

/** Reads one run's log in full (streaming: a 100,000-task log is fine). */
export async function readRunDetail(file: string): Promise<RunDetail> {
  const detail: RunDetail = {
    ...readRun(file),
    scope: undefined,
    workers: undefined,
    dryRun: false,
    lastEventAt: undefined,
    summary: undefined,
    events: { started: 0, done: 0, failed: 0, skipped: 0, retries: 0 },
    failures: [],
    retried: [],
    moreFailures: 0,
    moreRetried: 0,
  };
  const retried = new Map<string, RetriedTask>();
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    const event = parse(line);
    if (event !== undefined) take(detail, retried, event);
  }
  detail.retried = [...retried.values()];
  return detail;
}

type LoggedEvent = EngineEvent & { scope?: string };

function parse(line: string): LoggedEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as LoggedEvent;
    return typeof value.type === 'string' ? value : undefined;
  } catch {
    return undefined; // a line cut by a crash
  }
}

function take(d: RunDetail, retried: Map<string, RetriedTask>, e: LoggedEvent): void {
  if (typeof e.at === 'number') d.lastEventAt = e.at;
  switch (e.type) {
    case 'run_started':
      d.scope = e.scope;
      d.workers = e.workers;
      d.dryRun = e.dryRun;
      break;
    case 'task_started':
      d.events.started += 1;
      break;
    case 'task_done':
      d.events.done += 1;
      break;
    case 'task_skipped':
      d.events.skipped += 1;
      break;
    case 'task_failed':
      d.events.failed += 1;
      if (d.failures.length >= MAX_DETAIL_ITEMS) d.moreFailures += 1;
      else d.failures.push({ id: e.id, family: e.family, at: e.at, attempt: e.attempt, error: e.error, ...(e.code === undefined ? {} : { code: e.code }) });
      break;
    case 'task_retry': {
      d.events.retries += 1;
      const known = retried.get(e.id);
      if (known !== undefined) {
        known.retries += 1;
        known.lastError = e.error;
      } else if (retried.size >= MAX_DETAIL_ITEMS) d.moreRetried += 1;
      else retried.set(e.id, { id: e.id, family: e.family, retries: 1, lastError: e.error, ...(e.code === undefined ? {} : { code: e.code }) });
      break;
    }
    case 'run_finished':
      d.summary = e.summary;
      break;
    default:
      break;
  }
}
