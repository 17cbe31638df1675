/**
 * The logic behind every task-running command (commands/run-command.ts stays thin): one
 * session (lock, receipts, run log) with a renderer listening, the --force check, and the
 * Ctrl-C handling. Exit codes are not decided here.
 */
import fs from 'node:fs';
import { MallardError, runSession, sessionPaths, type Clock, type EngineEvent, type SessionResult, type Task } from '../engine/index.js';
import type { Renderer } from './renderer.js';
import { closestMatch } from '../engine/did-you-mean.js';

export interface RunCliOptions {
  artifactsDir: string;
  /** The site: what the lock and receipts are per. */
  scope: string;
  /** The command line, recorded in the lock and the run log. */
  command: string;
  workers: number;
  dryRun: boolean;
  /** Task ids or families to rerun. One that matches nothing in the graph is ERR_USAGE. */
  force: readonly string[];
  failFast: boolean;
  /** Wait for another run holding the site's lock instead of refusing. */
  wait: boolean;
  renderer: Renderer;
  /** Aborting it (Ctrl-C) interrupts the run, or a wait for the lock. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Families whose tasks appear only at run time (ctx.need): --force accepts them too. */
  runtimeFamilies?: readonly string[];
}

/**
 * Runs `roots` in a session, feeding the renderer, and closes the renderer (which prints
 * the summary) also when the run throws. Throws ERR_USAGE for a --force value that matches
 * no task: checked once the plan is made, before anything runs.
 */
export async function executeRun(roots: readonly Task[], opts: RunCliOptions): Promise<SessionResult> {
  const stop = new AbortController();
  const forward = (): void => stop.abort(opts.signal?.reason);
  if (opts.signal?.aborted === true) forward();
  else opts.signal?.addEventListener('abort', forward, { once: true });
  const check = new ForceCheck(opts.force, opts.runtimeFamilies ?? []);
  let forceError: MallardError | undefined;
  if (opts.wait) {
    const holder = lockHolder(opts.artifactsDir, opts.scope);
    if (holder !== undefined) opts.renderer.notice(`waiting for the run holding the lock of ${opts.scope} to finish (--wait): ${holder}`);
  }
  const onEvent = (e: EngineEvent): void => {
    if (forceError !== undefined) return;
    forceError = check.observe(e);
    // The plan is out and nothing has started: aborting now runs nothing.
    if (forceError !== undefined) stop.abort(forceError);
    else opts.renderer.onEvent(e);
  };
  try {
    const result = await runSession(roots, {
      artifactsDir: opts.artifactsDir,
      scope: opts.scope,
      command: opts.command,
      workers: opts.workers,
      dryRun: opts.dryRun,
      force: opts.force,
      failFast: opts.failFast,
      wait: opts.wait,
      signal: stop.signal,
      onEvent,
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    });
    if (forceError !== undefined) throw forceError;
    return result;
  } finally {
    opts.signal?.removeEventListener('abort', forward);
    await opts.renderer.close();
  }
}

/** Who holds the site's lock now, as text (undefined when nobody does). */
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

/** Watches the events of a run for the tasks and families that --force values name. */
export class ForceCheck {
  private readonly wanted: ReadonlySet<string>;
  private readonly matched = new Set<string>();

  constructor(private readonly force: readonly string[], private readonly runtimeFamilies: readonly string[] = []) {
    this.wanted = new Set(force);
  }

  /** The error to stop the run with, given at `tasks_planned` when a value matched nothing. */
  observe(e: EngineEvent): MallardError | undefined {
    if (this.wanted.size === 0) return undefined;
    if (e.type === 'task_pending' && this.wanted.has(e.id)) this.matched.add(e.id);
    if (e.type !== 'tasks_planned') return undefined;
    const families = Object.keys(e.byFamily).sort();
    const known = new Set([...families, ...this.runtimeFamilies]);
    const unmatched = this.force.filter((v) => !this.matched.has(v) && !known.has(v));
    return unmatched.length === 0 ? undefined : unknownForce([...new Set(unmatched)], [...known].sort());
  }
}

function unknownForce(unmatched: string[], families: string[]): MallardError {
  const what = unmatched.map((v) => JSON.stringify(v)).join(', ');
  const suggestions: string[] = [];
  for (const v of unmatched) {
    const close = families.find((f) => v.startsWith(`${f}(`)) ?? closestMatch(v, families);
    if (close !== undefined && close !== v) suggestions.push(`did you mean ${v.startsWith(`${close}(`) ? `a task of ${close} (check its parameters)` : close}?`);
  }
  suggestions.push(families.length === 0 ? 'this run has no tasks' : `families in this run: ${families.join(', ')}`);
  suggestions.push('a task id looks like Family(key=value, ...): quote it in the shell; --dry-run lists what would run');
  return new MallardError('ERR_USAGE', `--force ${what}: no task or task family of that name in this run (nothing was run)`, {
    context: { unmatched, families },
    suggestions,
  });
}

/** What watchInterrupts listens on: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface InterruptHandlers {
  /** First SIGINT or SIGTERM: stop starting tasks, let running ones end. */
  onInterrupt(signal: NodeJS.Signals): void;
  /** The second: leave at once (the command exits the process). */
  onForceExit(signal: NodeJS.Signals): void;
}

/** Installs the handlers; returns the function that removes them. */
export function watchInterrupts(source: SignalSource, handlers: InterruptHandlers): () => void {
  let seen = 0;
  const listener = (signal: NodeJS.Signals): void => {
    seen += 1;
    if (seen === 1) handlers.onInterrupt(signal);
    else handlers.onForceExit(signal);
  };
  source.on('SIGINT', listener);
  source.on('SIGTERM', listener);
  return () => {
    source.off('SIGINT', listener);
    source.off('SIGTERM', listener);
  };
}
