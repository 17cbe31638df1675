/**
 * mallard's one retry policy and its one delay function, as plain data and pure functions
 * (after got's calculate-retry-delay), so every layer that retries (a task in the scheduler,
 * a request in the HTTP client, the GitHub client) decides the same way and is testable
 * without a network or a clock. Generic: which HTTP statuses are worth another try is
 * src/http's knowledge (its policy fills `statusCodes`); the engine only trusts
 * `MallardError.retryable`.
 */
import { isMallardError } from './errors.js';

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  maxAttempts: number;
  /** Delay before the second attempt, before jitter; doubles each further attempt. */
  baseDelayMs: number;
  /** Upper bound of one delay (jitter never goes above it). */
  maxDelayMs: number;
  /**
   * Share of each delay that is random, in [0, 1]: the delay is drawn from
   * ((1 - jitter) * d, d], never above the cap, so clients that failed together do not
   * come back together.
   * Default 0.5.
   */
  jitter?: number;
  /** Wait what the failure asked for (Retry-After) instead of the backoff. Default true. */
  honourRetryAfter?: boolean;
  /** A Retry-After longer than this is not waited for: the error goes up. Default: no limit. */
  maxRetryAfterMs?: number;
  /** Statuses worth another try, for a failure that carries a status and no verdict of its own. */
  statusCodes?: readonly number[];
  /** Error codes worth another try, for a failure with no verdict of its own. Default TRANSIENT_ERROR_CODES. */
  errorCodes?: readonly string[];
}

/** What is known of one failed attempt. */
export interface FailedAttempt {
  /** The attempt that failed: 1 for the first. */
  attempt: number;
  /** The failure's own verdict (MallardError.retryable); when set, it decides. */
  retryable?: boolean;
  statusCode?: number;
  errorCode?: string;
  /** A wait the failure itself asked for (Retry-After), in ms. */
  retryAfterMs?: number;
}

/** One retry, as told to whoever records it (the run log's task_retry): `layer` says who retried ('task', 'http'). */
export interface RetryNote {
  /** The attempt that failed: 1 for the first. */
  attempt: number;
  delayMs: number;
  /** The failure's message (credentials already masked). */
  error: string;
  code?: string;
  layer: string;
}

export interface ErrorClass {
  retryable: boolean;
  /** A wait the failure itself asked for (Retry-After), in ms. */
  retryAfterMs?: number;
}

/** Node's codes for network failures that often pass: timeouts, resets, refusals, DNS hiccups. The one list. */
export const TRANSIENT_ERROR_CODES: readonly string[] = [
  'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH',
  'EHOSTUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
];

export const DEFAULT_JITTER = 0.5;

/**
 * Whether a failure is worth another try under `policy`: the failure's own verdict when it
 * has one (MallardError.retryable), else its status or error code against the policy's lists.
 */
export function isRetryable(policy: RetryPolicy, failure: Omit<FailedAttempt, 'attempt'>): boolean {
  if (failure.retryable !== undefined) return failure.retryable;
  if (failure.statusCode !== undefined) return (policy.statusCodes ?? []).includes(failure.statusCode);
  return failure.errorCode !== undefined && (policy.errorCodes ?? TRANSIENT_ERROR_CODES).includes(failure.errorCode);
}

/**
 * Milliseconds to wait before the attempt after `failure.attempt`, or undefined when the
 * failure must go up now: not retryable, out of attempts, or a Retry-After beyond the
 * policy's limit. The backoff is `min(maxDelayMs, baseDelayMs * 2^(attempt-1))` with jitter;
 * a Retry-After, when honoured, is waited exactly. `random` is in [0, 1) (0 = the full delay).
 */
export function computeRetryDelay(policy: RetryPolicy, failure: FailedAttempt, random: () => number = Math.random): number | undefined {
  if (failure.attempt >= policy.maxAttempts || !isRetryable(policy, failure)) return undefined;
  if (failure.retryAfterMs !== undefined && policy.honourRetryAfter !== false) {
    const limit = policy.maxRetryAfterMs ?? Number.POSITIVE_INFINITY;
    return failure.retryAfterMs > limit ? undefined : Math.max(0, failure.retryAfterMs);
  }
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failure.attempt - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? DEFAULT_JITTER));
  return Math.round(exponential * (1 - jitter * random()));
}

/** What a thrown value says about itself: its verdict, status, code and Retry-After (a cause is looked into). */
export function describeFailure(err: unknown): Omit<FailedAttempt, 'attempt'> {
  if (isMallardError(err) && err.retryable !== undefined) {
    return err.retryAfterMs === undefined ? { retryable: err.retryable } : { retryable: err.retryable, retryAfterMs: err.retryAfterMs };
  }
  const e = err as { code?: unknown; statusCode?: unknown; cause?: unknown } | null;
  if (typeof e?.statusCode === 'number') return { statusCode: e.statusCode };
  if (typeof e?.code === 'string') return { errorCode: e.code };
  if (e?.cause !== undefined && e.cause !== err) return describeFailure(e.cause);
  return {};
}

/** Whether `err` is worth another try under `policy` (the engine trusts MallardError.retryable). */
export function classifyError(err: unknown, policy: RetryPolicy = DEFAULT_RETRY): ErrorClass {
  const failure = describeFailure(err);
  const retryable = isRetryable(policy, failure);
  return failure.retryAfterMs === undefined ? { retryable } : { retryable, retryAfterMs: failure.retryAfterMs };
}

/**
 * The scheduler's wait before attempt `attempt + 1` of a retryable failure: computeRetryDelay
 * with the verdict already taken (a Retry-After honoured exactly).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const failure: FailedAttempt = retryAfterMs === undefined ? { attempt, retryable: true } : { attempt, retryable: true, retryAfterMs };
  return computeRetryDelay({ ...policy, maxAttempts: Number.POSITIVE_INFINITY, maxRetryAfterMs: undefined }, failure, random) ?? 0;
}

/** A task's default: three attempts, plain errors retried only for transient network codes. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 };
export const NO_RETRY: RetryPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
