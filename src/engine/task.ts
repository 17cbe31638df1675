/**
 * The task contract: an id derived from family and parameters, what it requires, the
 * targets it produces, and how to run it. Tasks are plain objects; the scheduler owns state.
 */
import type { Clock } from './clock.js';
import type { Receipt } from './receipts.js';
import { DEFAULT_RETRY, type RetryNote, type RetryPolicy } from './retry.js';
import type { Target } from './target.js';

export { DEFAULT_RETRY, NO_RETRY, type RetryNote, type RetryPolicy } from './retry.js';

export type ParamValue = string | number | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

export interface TaskContext {
  readonly runId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the run is interrupted (fail-fast, SIGINT). */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** A line of progress or detail, shown by the renderers and kept in the run log. */
  log(message: string): void;
  /** Something the user must hear about although the task succeeds; repeated in the summary. */
  warn(message: string): void;
  /**
   * Dynamic dependencies: makes sure these tasks are complete, running the ones that are
   * not (never re-running finished work), and resolves when they are. Rejects with
   * ERR_DEPENDENCY_FAILED if one of them fails. The caller's worker slot is lent out
   * meanwhile, so a single worker cannot deadlock.
   */
  need(tasks: readonly Task[]): Promise<void>;
  /**
   * A retry made inside the task (by an HTTP client, say, before the task sees an error):
   * reported as a `task_retry` event with this `layer` and counted in the summary. The
   * engine's own retries of a whole task are reported with layer 'task'.
   */
  retried(note: RetryNote): void;
}

/** Whether a task is complete, and if not, why (shown by --dry-run and in the run log). */
export type Verdict = { complete: true } | { complete: false; reason: string };

/** What a task's complete() may consult. */
export interface CompletionCheck {
  /** The receipt of this task's last successful run, if any. */
  receipt(): Receipt | undefined;
  /**
   * The default verdict: every output exists and a receipt vouches for them (same task
   * version, outputs unchanged since, built from the inputs that are there now).
   */
  vouched(): Promise<Verdict>;
}

export abstract class Task<P extends Params = Params> {
  /** The task's kind: groups tasks in summaries and progress (e.g. 'DownloadPage'). */
  abstract readonly family: string;
  /** Bump when the task's code changes what it produces: invalidates earlier receipts. */
  readonly version: string = '1';
  /** External tasks are not run by the tool: complete as soon as their outputs exist. */
  readonly external: boolean = false;
  /**
   * What a task downstream records of this one as its input. 'receipt' (default): the
   * receipt of its last run, so a rerun upstream makes the downstream stale. 'outputs': the
   * current stamps of its outputs, for a task whose complete() does not rest on its own
   * receipt (an external input; "the latest published artifact", whoever published it).
   */
  readonly stampedBy: 'receipt' | 'outputs' = 'receipt';
  readonly params: P;
  private cachedId: string | undefined;

  constructor(params: P) {
    this.params = params;
  }

  /** `Family(key=value, ...)`, keys sorted: equal parameters mean the same task. */
  get id(): string {
    this.cachedId ??= taskId(this.family, this.params);
    return this.cachedId;
  }

  requires(): readonly Task[] {
    return NO_REQUIREMENTS;
  }

  abstract outputs(): readonly Target[];

  /**
   * The outputs of what this task requires, one list per requirement, in requires() order
   * (Luigi's input()). In a run, from the requirements the graph was built from: a wide task
   * does not make its upstream tasks anew.
   */
  input(): Array<readonly Target[]> {
    return (requiredInGraph.get(this) ?? this.requires()).map((t) => t.outputs());
  }

  /**
   * Is the task complete (then it is not run, and its upstream is not even looked at)?
   * Default: `check.vouched()`, or for an external task, every output exists. Override it
   * for a task that is complete on other terms (an artifact published by whoever), and say
   * so with `stampedBy`. --force reruns a task whatever this says.
   */
  async complete(check: CompletionCheck): Promise<Verdict> {
    return check.vouched();
  }

  abstract run(ctx: TaskContext): Promise<void>;

  retryPolicy(): RetryPolicy {
    return DEFAULT_RETRY;
  }
}

/**
 * An input the tool does not make in this graph (a file a user or another command provides):
 * complete as soon as its outputs exist, and downstream receipts record its outputs' stamps.
 */
export abstract class ExternalTask<P extends Params = Params> extends Task<P> {
  override readonly external: boolean = true;
  override readonly stampedBy: 'receipt' | 'outputs' = 'outputs';

  override async run(): Promise<void> {
    throw new Error(`${this.id} is an external input and cannot be produced by mallard`);
  }
}

/** What a task without requirements requires (one frozen array: not one per leaf of a wide graph). */
const NO_REQUIREMENTS: readonly Task[] = Object.freeze([]);

/** What requires() gave when a run built its graph, for the tasks that require something (see input()). */
const requiredInGraph = new WeakMap<Task, readonly Task[]>();

/** `task.requires()`, remembered for `task.input()`: the graph is built from this one call. */
export function graphRequires(task: Task): readonly Task[] {
  const required = task.requires();
  if (required.length > 0) requiredInGraph.set(task, required);
  return required;
}

export function taskId(family: string, params: Params): string {
  // One parameter (a leaf's index, a page's number): no key list to make or sort.
  let only: string | undefined;
  let count = 0;
  for (const k in params) {
    only = k;
    if (++count > 1) break;
  }
  if (count === 1 && Object.hasOwn(params, only as string)) return [family, '(', only as string, '=', formatParam(params[only as string] as ParamValue), ')'].join('');
  const keys = Object.keys(params);
  if (keys.length > 1) keys.sort();
  // Made by join: one flat string (a concatenation would be a rope, slower as a Map key, and ids are looked up often).
  const parts: string[] = [family, '('];
  for (let i = 0; i < keys.length; i += 1) {
    const k = keys[i] as string;
    if (i > 0) parts.push(', ');
    parts.push(k, '=', formatParam(params[k] as ParamValue));
  }
  parts.push(')');
  return parts.join('');
}

const PLAIN_PARAM = /^[\w./:@-]+$/;

function formatParam(value: ParamValue): string {
  if (typeof value !== 'string') return String(value);
  return PLAIN_PARAM.test(value) ? value : JSON.stringify(value);
}
