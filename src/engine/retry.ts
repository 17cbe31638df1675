/**
 * Which failures are worth another try, and how long to wait: pure functions, so the
 * scheduler's retry behaviour is testable without a network or a clock.
 */
import { isMallardError } from './errors.js';
import type { RetryPolicy } from './task.js';

export interface ErrorClass {
  retryable: boolean;
  /** A wait the failure itself asked for (Retry-After), in ms. */
  retryAfterMs?: number;
}

/** Node's codes for network failures that often pass: timeouts, resets, refusals, DNS hiccups. */
const TRANSIENT_CODES = new Set([
  'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH',
  'EHOSTUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
]);

export function classifyError(err: unknown): ErrorClass {
  if (isMallardError(err) && err.retryable !== undefined) {
    return withAfter(err.retryable, err.retryAfterMs);
  }
  const e = err as { code?: unknown; statusCode?: unknown; status?: unknown; response?: { statusCode?: unknown } } | null;
  const status = numberOr(e?.statusCode) ?? numberOr(e?.status) ?? numberOr(e?.response?.statusCode);
  if (status !== undefined) return { retryable: status === 408 || status === 429 || status >= 500 };
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return { retryable: true };
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause !== undefined && cause !== err) return classifyError(cause);
  return { retryable: false };
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed: exponential from the base,
 * capped, with full jitter in [50%, 100%]; never shorter than a server's Retry-After.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential * (0.5 + random() / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

function withAfter(retryable: boolean, retryAfterMs: number | undefined): ErrorClass {
  return retryAfterMs === undefined ? { retryable } : { retryable, retryAfterMs };
}

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
