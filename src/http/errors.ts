/**
 * Turning what went wrong on the wire into MallardError('ERR_HTTP'): a message that names
 * the method and the URL (credentials masked), the status, whether a retry may help and
 * how long the server asked to wait. got is recognised by shape, so this module does not
 * load it.
 */
import { MallardError, errorMessage } from '../engine/errors.js';
import { redactUrl } from './redact.js';
import { isRetryableStatus, parseRetryAfter, RETRY_ERROR_CODES } from './retry.js';

export const ERR_HTTP = 'ERR_HTTP';

/** got's error classes, by name; a ReadError or TimeoutError is always worth another try. */
const GOT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'RequestError', 'HTTPError', 'TimeoutError', 'ReadError', 'MaxRedirectsError', 'CacheError', 'UploadError', 'AbortError', 'RetryError',
]);

export interface RequestContext {
  method: string;
  url: string;
  redact: (text: string) => string;
  now: number;
}

function statusSuggestions(status: number): string[] {
  if (status === 401 || status === 403) return ['check the token and its permissions for this URL'];
  if (status === 404) return ['check the URL (the base URL in the site config)'];
  if (status === 429) return ['lower the request rate (requestsPerSecond) or concurrency for this host'];
  if (status >= 500) return ['the server failed; try again later'];
  return [];
}

/** An error for a response whose status is not 2xx. */
export function statusError(
  ctx: RequestContext,
  res: { statusCode: number; statusMessage?: string; headers: Record<string, string | string[] | undefined> },
  body?: string,
): MallardError {
  const status = res.statusCode;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], ctx.now);
  const statusText = res.statusMessage ? ` ${res.statusMessage}` : '';
  const url = ctx.redact(redactUrl(ctx.url));
  const context: Record<string, unknown> = { url, method: ctx.method, status };
  if (body !== undefined && body !== '') context.body = ctx.redact(body);
  return new MallardError(ERR_HTTP, `${ctx.method} ${url} answered HTTP ${status}${statusText}`, {
    context,
    retryable: isRetryableStatus(status),
    retryAfterMs,
    suggestions: statusSuggestions(status),
  });
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether an error came from got or from the network below it (as opposed to a disk or a bug). */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (GOT_ERROR_NAMES.has(err.name) && 'options' in err) return true;
  const code = errorCode(err);
  return code !== undefined && RETRY_ERROR_CODES.includes(code);
}

/** A copy of an error whose message and stack carry no secret, fit to be a `cause`. */
export function sanitizedError(err: unknown, redact: (text: string) => string): Error {
  const copy = new Error(redact(errorMessage(err)));
  if (err instanceof Error) {
    copy.name = err.name;
    copy.stack = redact(err.stack ?? `${err.name}: ${err.message}`);
  }
  const code = errorCode(err);
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

/** An error for a request that failed below HTTP: refused, reset, timed out, cut mid-body. */
export function networkError(ctx: RequestContext, err: unknown): MallardError {
  const code = errorCode(err);
  const name = err instanceof Error ? err.name : 'Error';
  const timeout = name === 'TimeoutError' || code === 'ETIMEDOUT';
  const retryable = timeout || name === 'ReadError' || (code !== undefined && RETRY_ERROR_CODES.includes(code));
  const url = ctx.redact(redactUrl(ctx.url));
  const detail = ctx.redact(errorMessage(err));
  const message = `${ctx.method} ${url} ${timeout ? 'timed out' : 'failed'}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}`;
  return new MallardError(ERR_HTTP, message, {
    context: { url, method: ctx.method, code },
    retryable,
    cause: sanitizedError(err, ctx.redact),
    suggestions: timeout ? ['the server was slow to answer; raise the timeout or try again later'] : [],
  });
}

/**
 * Any error met while requesting `ctx.url` as a MallardError: MallardErrors pass through,
 * got and network errors become ERR_HTTP. Anything else (a disk error, a bug) is returned
 * as it is, and is never retried.
 */
export function toRequestError(ctx: RequestContext, err: unknown): unknown {
  if (err instanceof MallardError) return err;
  if (isNetworkError(err)) return networkError(ctx, err);
  return err;
}
