/**
 * HTTP's side of the one retry policy (src/engine/retry.ts): which statuses and network
 * error codes are worth another try, the client's defaults, and the server's Retry-After
 * (delay-seconds or an HTTP date) read against the injected clock.
 */
import { TRANSIENT_ERROR_CODES, type RetryPolicy } from '../engine/retry.js';

/**
 * Statuses where the same request may succeed later: 408, 429 and the 5xx of overloaded or
 * restarting servers and proxies. Not 501 Not Implemented, 505 HTTP Version Not Supported
 * or the other 5xx that say the request itself will never work.
 */
export const RETRY_STATUS_CODES: readonly number[] = [408, 429, 500, 502, 503, 504, 509, 520, 521, 522, 523, 524, 529, 530, 598, 599];

/** Network error codes worth another try: the engine's transient list plus got's body-length check. */
export const RETRY_ERROR_CODES: readonly string[] = [...TRANSIENT_ERROR_CODES, 'EADDRINUSE', 'ERR_HTTP_CONTENT_LENGTH_MISMATCH'];

/** The HTTP client's policy: 4 attempts, 1 s doubling to 30 s with half jitter, Retry-After up to 2 min waited exactly. */
export const HTTP_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  jitter: 0.5,
  honourRetryAfter: true,
  maxRetryAfterMs: 120_000,
  statusCodes: RETRY_STATUS_CODES,
  errorCodes: RETRY_ERROR_CODES,
};

export interface HttpRetryOptions {
  /** Retries after the first try. */
  retries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxRetryAfterMs?: number;
  /** Any other field of the policy (jitter, statusCodes, errorCodes, honourRetryAfter). */
  retry?: Partial<RetryPolicy>;
}

/** HTTP_RETRY with a client's options applied (the shorthands win over `retry`). */
export function httpRetryPolicy(opts: HttpRetryOptions = {}): RetryPolicy {
  const policy: RetryPolicy = { ...HTTP_RETRY, ...opts.retry };
  if (opts.retries !== undefined) policy.maxAttempts = opts.retries + 1;
  if (opts.retryBaseMs !== undefined) policy.baseDelayMs = opts.retryBaseMs;
  if (opts.retryMaxMs !== undefined) policy.maxDelayMs = opts.retryMaxMs;
  if (opts.maxRetryAfterMs !== undefined) policy.maxRetryAfterMs = opts.maxRetryAfterMs;
  return policy;
}

/** Whether a response status is worth another try under `policy` (default HTTP_RETRY). */
export function isRetryableStatus(status: number, policy: RetryPolicy = HTTP_RETRY): boolean {
  return (policy.statusCodes ?? []).includes(status);
}

/**
 * Milliseconds a Retry-After header asks to wait, or undefined when it is absent or
 * unreadable. An HTTP date in the past means 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
