/**
 * A run as the CLI makes it: build and check the graph (a bad --force or a cycle is refused
 * here, before anything is locked or logged), take the lock of the scope (a site) in the
 * artifacts directory, open its receipt journal and a run log, run, and release everything —
 * also when the run throws, and (lock and log) when the process exits at once on a second
 * Ctrl-C. Layout under the artifacts directory: `.mallard/locks/<scope>.lock`,
 * `.mallard/receipts/<scope>.jsonl`, `runs/<runId>.jsonl`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { systemClock } from './clock.js';
import type { EngineEvent } from './events.js';
import { saveSharedHashers } from './file-hash.js';
import { acquireLock } from './lock.js';
import { removeDeadLitter, type LitterReport } from './litter.js';
import { JournalReceiptStore } from './receipt-journal.js';
import { RunLog } from './run-log.js';
import { newRunId, prepareRun, type RunOptions } from './scheduler.js';
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
  /** Called before waiting for another run's lock (--wait), with who holds it. */
  onLockWait?: (holder: string) => void;
  /**
   * Folders of this scope where a dead run may have left temp files (raw pages, work
   * databases, publishes): cleaned under the lock before the run (litter.ts).
   */
  litterDirs?: readonly string[];
  /** Told what was removed from `litterDirs` (a notice for the user). */
  onLitterRemoved?: (report: LitterReport) => void;
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
  const runId = newRunId(clock);
  const prepared = prepareRun(roots, { ...options, clock, runId });
  if (options.wait === true && options.onLockWait !== undefined) {
    const holder = lockHolder(options.artifactsDir, options.scope);
    if (holder !== undefined) options.onLockWait(holder);
  }
  const lock = await acquireLock(paths.lock, {
    clock,
    wait: options.wait === true,
    ...(options.command === undefined ? {} : { command: options.command }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (options.litterDirs !== undefined && options.dryRun !== true) {
    const litter = await removeDeadLitter(options.litterDirs).catch((err: unknown) => {
      lock.release();
      throw err;
    });
    if (litter.removed.length > 0) options.onLitterRemoved?.(litter);
  }
  const receipts = JournalReceiptStore.open(paths.receipts, { root: options.artifactsDir });
  const log = new RunLog(paths.runs, runId);
  // process.exit() (a second Ctrl-C) runs 'exit' listeners synchronously: leave no lock behind.
  const onExit = (): void => {
    log.close();
    lock.release();
  };
  process.once('exit', onExit);
  try {
    const onEvent = (event: EngineEvent): void => {
      log.write(event.type === 'run_started' ? { ...event, scope: options.scope, command: options.command } : event);
      options.onEvent?.(event);
    };
    const summary = await prepared.execute({ receipts, onEvent });
    return { summary, logFile: log.file };
  } finally {
    process.off('exit', onExit);
    await receipts.close();
    // Digests the receipts kept in the directory's hash cache (file-stamp.ts); only a cache: a failed write loses nothing.
    await saveSharedHashers().catch(() => undefined);
    log.close();
    lock.release();
  }
}

/** Who holds the scope's lock now, as text (undefined when nobody does). */
export function lockHolder(artifactsDir: string, scope: string): string | undefined {
  const file = sessionPaths(artifactsDir, scope).lock;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as { pid?: unknown; startedAt?: unknown; command?: unknown };
    return `pid ${String(h.pid)}, started ${String(h.startedAt)}${typeof h.command === 'string' && h.command !== '' ? ` (${h.command})` : ''}`;
  } catch {
    return file;
  }
}
