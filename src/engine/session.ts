/**
 * A run as the CLI makes it: take the lock of the scope (a site) in the artifacts
 * directory, open its receipt journal and a run log, run, and release everything —
 * also when the run throws. Layout under the artifacts directory:
 * `.mallard/locks/<scope>.lock`, `.mallard/receipts/<scope>.jsonl`, `runs/<runId>.jsonl`.
 */
import path from 'node:path';
import { systemClock } from './clock.js';
import type { EngineEvent } from './events.js';
import { acquireLock } from './lock.js';
import { JournalReceiptStore } from './receipt-journal.js';
import { RunLog } from './run-log.js';
import { newRunId, runTasks, type RunOptions } from './scheduler.js';
import type { RunSummary } from './summary.js';
import type { Task } from './task.js';

export interface SessionOptions extends Omit<RunOptions, 'receipts' | 'runId'> {
  artifactsDir: string;
  /** What the lock and receipts are per: the site name. */
  scope: string;
  /** Wait for another run holding the lock instead of refusing. */
  wait?: boolean;
  /** The command line, recorded in the lock and the run log. */
  command?: string;
}

export interface SessionResult {
  summary: RunSummary;
  logFile: string;
}

export function sessionPaths(artifactsDir: string, scope: string): { lock: string; receipts: string; runs: string } {
  const root = path.resolve(artifactsDir);
  return {
    lock: path.join(root, '.mallard', 'locks', `${scope}.lock`),
    receipts: path.join(root, '.mallard', 'receipts', `${scope}.jsonl`),
    runs: path.join(root, 'runs'),
  };
}

export async function runSession(roots: readonly Task[], options: SessionOptions): Promise<SessionResult> {
  const clock = options.clock ?? systemClock;
  const paths = sessionPaths(options.artifactsDir, options.scope);
  const lock = await acquireLock(paths.lock, {
    clock,
    wait: options.wait === true,
    ...(options.command === undefined ? {} : { command: options.command }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const runId = newRunId(clock);
  const receipts = JournalReceiptStore.open(paths.receipts);
  const log = new RunLog(paths.runs, runId);
  try {
    const onEvent = (event: EngineEvent): void => {
      log.write(event.type === 'run_started' ? { ...event, scope: options.scope, command: options.command } : event);
      options.onEvent?.(event);
    };
    const summary = await runTasks(roots, { ...options, clock, runId, receipts, onEvent });
    return { summary, logFile: log.file };
  } finally {
    await receipts.close();
    log.close();
    lock.release();
  }
}
