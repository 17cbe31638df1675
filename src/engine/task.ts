/**
 * The task contract: an id derived from family and parameters, what it requires, the
 * targets it produces, and how to run it. Tasks are plain objects; the scheduler owns state.
 */
import type { Clock } from './clock.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import type { Target } from './target.js';

export { DEFAULT_RETRY, NO_RETRY, type RetryPolicy } from './retry.js';

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
}

export abstract class Task<P extends Params = Params> {
  /** The task's kind: groups tasks in summaries and progress (e.g. 'DownloadPage'). */
  abstract readonly family: string;
  /** Bump when the task's code changes what it produces: invalidates earlier receipts. */
  readonly version: string = '1';
  /** External tasks are not run by the tool: complete as soon as their outputs exist. */
  readonly external: boolean = false;
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
    return [];
  }

  abstract outputs(): readonly Target[];

  abstract run(ctx: TaskContext): Promise<void>;

  retryPolicy(): RetryPolicy {
    return DEFAULT_RETRY;
  }
}

export function taskId(family: string, params: Params): string {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return `${family}()`;
  const parts = keys.map((k) => `${k}=${formatParam(params[k] as ParamValue)}`);
  return `${family}(${parts.join(', ')})`;
}

function formatParam(value: ParamValue): string {
  if (typeof value !== 'string') return String(value);
  return /^[\w./:@-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
}
