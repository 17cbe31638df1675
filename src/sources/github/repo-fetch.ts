/** What one repository request came to: data, not modified (304), gone (404/410/451/blocked), or an error. */
import type { Clock } from '../../engine/clock.js';
import { parseRetryAfter } from '../../http/index.js';
import { githubError } from './errors.js';
import type { RateLimitState } from './rate-limit.js';

export type RepoFetch =
  | { kind: 'ok'; httpStatus: number; data: Record<string, unknown>; etag?: string; lastModified?: string; redirected: boolean }
  | { kind: 'not-modified' }
  | { kind: 'gone'; httpStatus: number; reason: string };

interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isRequestError(err: unknown): err is RequestErrorLike {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number';
}

const GONE = new Set([404, 410, 451]);

/** Turns octokit's RequestError into a result (304, gone) or a MallardError; anything else is rethrown. */
export function classifyRequestError(err: unknown, path: string, rateLimit: RateLimitState, clock: Clock): RepoFetch {
  if (!isRequestError(err)) throw err;
  const { status } = err;
  // octokit appends " - <documentation_url>" to the message: keep GitHub's own words.
  const data = err.response?.data as { message?: unknown } | undefined;
  const message = typeof data?.message === 'string' ? data.message : err.message;
  if (status === 304) return { kind: 'not-modified' };
  if (GONE.has(status)) return { kind: 'gone', httpStatus: status, reason: message };
  if (status === 403 && /access blocked|has been disabled/i.test(message)) return { kind: 'gone', httpStatus: status, reason: message };
  const headers = err.response?.headers ?? {};
  const secondary = /secondary rate/i.test(message);
  const exhausted = String(headers['x-ratelimit-remaining'] ?? '') === '0';
  const rateLimited = (status === 403 || status === 429) && (secondary || exhausted);
  const retryAfter = headers['retry-after'];
  const retryAfterMs = exhausted ? rateLimit.waitMs() : parseRetryAfter(retryAfter === undefined ? undefined : String(retryAfter), clock.now());
  throw githubError({ status, message, path, rateLimited, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}
