/**
 * The one HTTP client of mallard: a got instance (loaded on first use, so `--help` stays
 * fast) with timeouts, compression and mallard's user agent, behind a retry loop and
 * per-host limits that take their time from an injected clock.
 */
import type { Got } from 'got';
import { MallardError } from '../engine/errors.js';
import { systemClock, type Clock } from '../engine/clock.js';
import { statusError, toRequestError, type RequestContext } from './errors.js';
import { HostLimiter } from './host-limiter.js';
import { makeRedactor, redactUrl } from './redact.js';
import { computeRetryDelay, type RetryNote, type RetryPolicy } from '../engine/retry.js';
import { httpRetryPolicy, type HttpRetryOptions } from './retry.js';
import { defaultUserAgent } from './user-agent.js';

/** Told about every retry before its wait (layer 'http'), for the run log and progress displays. */
export type OnRetry = (note: RetryNote) => void;

export interface HttpClientOptions extends HttpRetryOptions {
  /** Default `mallard/<version> (+https://github.com/mallard-data/mallard)`. */
  userAgent?: string;
  /** Limit for connecting, for the response headers, and for an idle socket mid-body. Default 30 000. */
  timeoutMs?: number;
  /** Retries after the first try, for network errors and the statuses of HTTP_RETRY (408, 429, most 5xx). Default 3. */
  retries?: number;
  /** Requests started per second per host. Default: no limit. */
  requestsPerSecond?: number;
  /** Requests in flight per host. Default 4. */
  concurrency?: number;
  /** Headers sent with every request (an Authorization value here is also scrubbed from messages). */
  headers?: Record<string, string>;
  /** Strings never to show in a message (tokens). */
  secrets?: string[];
  clock?: Clock;
  /** Backoff before the first retry (jitter takes up to half off). Default 1 000. */
  retryBaseMs?: number;
  /** Largest backoff. Default 30 000. */
  retryMaxMs?: number;
  /** A Retry-After longer than this is not waited for; the error goes up. Default 120 000. */
  maxRetryAfterMs?: number;
  /** Source of jitter, in [0, 1) (0 = the full backoff). Default Math.random. */
  random?: () => number;
  /** Told about every retry of every request of this client, before its wait. */
  onRetry?: OnRetry;
}

export interface RequestOptions {
  searchParams?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Told about each retry of this request (besides the client's onRetry). */
  onRetry?: OnRetry;
}

export interface RunOptions {
  method?: string;
  extraSecrets?: string[];
  onRetry?: OnRetry;
}

export interface TextResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The final URL, after redirects. */
  url: string;
}

export interface HttpClient {
  readonly userAgent: string;
  readonly clock: Clock;
  readonly limiter: HostLimiter;
  /** The retry policy every request of this client follows. */
  readonly retryPolicy: RetryPolicy;
  /** The configured got instance: got's own retry is off (this client retries), errors are not thrown for statuses. */
  got(): Promise<Got>;
  /** Masks secrets, credential query parameters and auth headers in a text. */
  redact(text: string): string;
  /** The context errors for `url` are built with (time from the clock). */
  context(url: string, method?: string, extraSecrets?: string[]): RequestContext;
  /**
   * Runs `attempt` under the host's limits, retrying it while it fails with a retryable
   * error (backoff with jitter, or the server's Retry-After). Network errors become ERR_HTTP.
   * An error retried until the attempts ran out comes out with `retryable: false` and
   * `context.attempts`: nothing above should try it again.
   */
  run<T>(url: string, attempt: (attemptNumber: number) => Promise<T>, opts?: RunOptions): Promise<T>;
  /** GET a text body (decompressed); a non-2xx status is an ERR_HTTP error. */
  getText(url: string, opts?: RequestOptions): Promise<TextResponse>;
  /** GET and parse JSON; a body that is not JSON is an ERR_HTTP error (not retried). */
  getJson<T = unknown>(url: string, opts?: RequestOptions): Promise<T>;
}

const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'cookie', 'x-auth-token']);

/** The values of credential headers, to be scrubbed from messages. */
export function headerSecrets(headers: Record<string, string> | undefined): string[] {
  if (!headers) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!SENSITIVE_HEADERS.has(name.toLowerCase())) continue;
    out.push(value);
    const bare = value.replace(/^(Bearer|Basic|token)\s+/i, '');
    if (bare !== value) out.push(bare);
  }
  return out;
}

/** Whether `err` is one a client retried until its attempts ran out: no layer above should retry it. */
export function retriesExhausted(err: unknown): boolean {
  return err instanceof MallardError && err.context.retriesExhausted === true;
}

/** `url` with `searchParams` appended (undefined values left out). */
export function buildUrl(url: string, searchParams?: RequestOptions['searchParams']): string {
  if (!searchParams) return url;
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(searchParams)) {
    if (value !== undefined) parsed.searchParams.set(key, String(value));
  }
  return parsed.toString();
}

export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  const clock = opts.clock ?? systemClock;
  const userAgent = opts.userAgent ?? defaultUserAgent();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const policy = httpRetryPolicy(opts);
  const secrets = [...(opts.secrets ?? []), ...headerSecrets(opts.headers)];
  const redact = makeRedactor(secrets);
  const limiter = new HostLimiter({ concurrency: opts.concurrency ?? 4, requestsPerSecond: opts.requestsPerSecond, clock });
  let gotInstance: Promise<Got> | undefined;

  const loadGot = (): Promise<Got> => {
    gotInstance ??= import('got').then(({ default: got }) =>
      got.extend({
        headers: { ...opts.headers, 'user-agent': userAgent },
        timeout: { connect: timeoutMs, response: timeoutMs, socket: timeoutMs },
        retry: { limit: 0 },
        decompress: true,
        throwHttpErrors: false,
        http2: false,
      }),
    );
    return gotInstance;
  };

  const context = (url: string, method = 'GET', extraSecrets: string[] = []): RequestContext => ({
    method,
    url,
    now: clock.now(),
    redact: extraSecrets.length === 0 ? redact : makeRedactor([...secrets, ...extraSecrets]),
  });

  const client: HttpClient = {
    userAgent,
    clock,
    limiter,
    retryPolicy: policy,
    got: loadGot,
    redact,
    context,
    run: (url, attempt, runOpts = {}) =>
      runWithRetries({ url, attempt, method: runOpts.method ?? 'GET', extraSecrets: runOpts.extraSecrets ?? [], policy, opts, runOpts, limiter, clock, context }),
    getText: (url, reqOpts = {}) => getText(client, url, reqOpts),
    getJson: async <T>(url: string, reqOpts: RequestOptions = {}): Promise<T> => parseJsonBody<T>(client, await getText(client, url, reqOpts)),
  };
  return client;
}

interface RunInput<T> {
  url: string;
  attempt: (attemptNumber: number) => Promise<T>;
  method: string;
  extraSecrets: string[];
  policy: RetryPolicy;
  opts: HttpClientOptions;
  runOpts: RunOptions;
  limiter: HostLimiter;
  clock: Clock;
  context: HttpClient['context'];
}

async function runWithRetries<T>(input: RunInput<T>): Promise<T> {
  const host = new URL(input.url).host;
  for (let attemptNumber = 1; ; attemptNumber++) {
    const release = await input.limiter.acquire(host);
    let error: unknown;
    try {
      return await input.attempt(attemptNumber);
    } catch (err) {
      error = toRequestError(input.context(input.url, input.method, input.extraSecrets), err);
    } finally {
      release();
    }
    if (!(error instanceof MallardError)) throw error;
    const delayMs = computeRetryDelay(input.policy, { attempt: attemptNumber, retryable: error.retryable, retryAfterMs: error.retryAfterMs }, input.opts.random);
    if (delayMs === undefined) throw withAttempts(error, attemptNumber);
    const note: RetryNote = { attempt: attemptNumber, delayMs, error: error.message, code: error.code, layer: 'http' };
    input.opts.onRetry?.(note);
    input.runOpts.onRetry?.(note);
    await input.clock.sleep(delayMs);
  }
}

/**
 * The error, saying how many tries were made when there was more than one. A retryable
 * error retried until the attempts ran out is no longer retryable and says so in
 * `context.retriesExhausted` (one layer of retries: this one).
 */
function withAttempts(error: MallardError, attempts: number): MallardError {
  if (attempts <= 1) return error;
  const exhausted = error.retryable === true;
  return new MallardError(error.code, `${error.message} (gave up after ${attempts} attempts)`, {
    context: { ...error.context, attempts, ...(exhausted ? { retriesExhausted: true } : {}) },
    suggestions: error.suggestions,
    retryable: exhausted ? false : error.retryable,
    retryAfterMs: error.retryAfterMs,
    cause: error.cause,
  });
}

async function getText(client: HttpClient, url: string, reqOpts: RequestOptions): Promise<TextResponse> {
  const full = buildUrl(url, reqOpts.searchParams);
  const extraSecrets = headerSecrets(reqOpts.headers);
  const onRetry = reqOpts.onRetry;
  return client.run(
    full,
    async () => {
      const got = await client.got();
      const res = await got(full, { headers: reqOpts.headers, responseType: 'text' });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw statusError(client.context(full, 'GET', extraSecrets), res, res.body.slice(0, 4096));
      }
      return { status: res.statusCode, headers: res.headers, body: res.body, url: res.url };
    },
    onRetry ? { extraSecrets, onRetry } : { extraSecrets },
  );
}

function parseJsonBody<T>(client: HttpClient, res: TextResponse): T {
  try {
    return JSON.parse(res.body) as T;
  } catch (err) {
    const url = client.redact(redactUrl(res.url));
    throw new MallardError('ERR_HTTP', `GET ${url} answered ${res.status} with a body that is not JSON`, {
      context: { url, status: res.status, body: client.redact(res.body.slice(0, 200)) },
      retryable: false,
      cause: err,
    });
  }
}
