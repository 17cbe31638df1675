/**
 * Retry timing as pure functions: exponential backoff with jitter, and the server's
 * Retry-After (delay-seconds or an HTTP date) read against the injected clock.
 */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Largest delay before jitter. */
  maxMs: number;
}

/**
 * Delay before retry number `retry` (1 for the first retry): `min(maxMs, baseMs * 2^(retry-1))`
 * stretched by a random factor in [1, 1.5) so that clients that failed together do not
 * come back together.
 */
export function backoffDelayMs(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(exponential * (1 + 0.5 * random()));
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

export interface RetryDecisionInput {
  /** The retry about to happen: 1 for the first. */
  retry: number;
  /** How many retries are allowed in all. */
  retries: number;
  retryable: boolean | undefined;
  retryAfterMs: number | undefined;
  backoff: BackoffOptions;
  /** A Retry-After longer than this is not waited for: the error goes up instead. */
  maxRetryAfterMs: number;
  random?: () => number;
}

/** How long to wait before the next try, or undefined when the error must go up now. */
export function retryDelay(input: RetryDecisionInput): number | undefined {
  if (!input.retryable || input.retry > input.retries) return undefined;
  if (input.retryAfterMs !== undefined) {
    return input.retryAfterMs > input.maxRetryAfterMs ? undefined : input.retryAfterMs;
  }
  return backoffDelayMs(input.retry, input.backoff, input.random);
}
