/**
 * The GitHub REST client: octokit (loaded on first request) with its throttling plugin,
 * behind a fetch that applies mallard's per-host concurrency, waits for the quota reset when
 * x-ratelimit-remaining reached 0, and retries failed requests under the one retry policy
 * (src/http's HTTP_RETRY, less 429, which the throttling plugin owns). octokit's own retry
 * plugin is off: one layer of retries. Every wait goes through the injected clock: the
 * throttling plugin's waits are set to zero and its handlers sleep on the clock instead.
 */
import type { Octokit } from 'octokit';
import { systemClock, type Clock } from '../../engine/clock.js';
import { MallardError } from '../../engine/errors.js';
import { computeRetryDelay, isRetryable, type FailedAttempt, type RetryNote, type RetryPolicy } from '../../engine/retry.js';
import { defaultUserAgent, HostLimiter, httpRetryPolicy, parseRetryAfter, RETRY_STATUS_CODES } from '../../http/index.js';
import { RateLimitState } from './rate-limit.js';
import { classifyRequestError, type RepoFetch } from './repo-fetch.js';
import type { RepoName } from './repo-name.js';

export interface GithubClientOptions {
  /** Default https://api.github.com */
  baseUrl?: string;
  /** Sent as `Authorization: token …`; anonymous (60 requests an hour) without. */
  token?: string;
  /** Requests in flight. Default 4. */
  concurrency?: number;
  /** Retries of 5xx and network failures. Default 3. */
  retries?: number;
  /** Backoff before the first retry (doubling, jitter takes up to half off). Default 1 000. */
  retryBaseMs?: number;
  /** Largest wait for a quota reset or a secondary limit; longer ones fail the request with ERR_GITHUB_RATE_LIMIT. Default 15 min. */
  maxRateLimitWaitMs?: number;
  /** Waits for rate limits per request before giving up. Default 3. */
  maxRateLimitRetries?: number;
  clock?: Clock;
  random?: () => number;
  userAgent?: string;
  /** Told about waits and octokit warnings (never a token). */
  onNotice?: (message: string) => void;
  /** The fetch under everything (tests, proxies). Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Told about every retry of a failed request (layer 'http'), before its wait. */
  onRetry?: (note: RetryNote) => void;
}

export interface GithubRequestOptions {
  /** Told about each retry of this request (besides the client's onRetry). */
  onRetry?: (note: RetryNote) => void;
}

export interface GithubClient {
  readonly clock: Clock;
  readonly rateLimit: RateLimitState;
  /** Requests sent (each try counts). */
  readonly stats: { requests: number };
  /** GET /repos/{owner}/{repo}, conditional on `etag` when given, following renames. */
  getRepo(repo: RepoName, etag?: string, opts?: GithubRequestOptions): Promise<RepoFetch>;
}

/** The GitHub client's policy: HTTP_RETRY's statuses but 429 (the throttling plugin's), backoff capped at 1 min. */
export function githubRetryPolicy(opts: GithubClientOptions): RetryPolicy {
  return httpRetryPolicy({
    retries: opts.retries ?? 3,
    retryBaseMs: opts.retryBaseMs ?? 1000,
    retryMaxMs: 60_000,
    maxRetryAfterMs: opts.maxRateLimitWaitMs ?? 15 * 60_000,
    retry: { statusCodes: RETRY_STATUS_CODES.filter((s) => s !== 429) },
  });
}

/** What one getRepo call's retries came to. */
interface RequestState {
  attempts: number;
  exhausted: boolean;
  onRetry?: (note: RetryNote) => void;
}

export function createGithubClient(opts: GithubClientOptions = {}): GithubClient {
  const clock = opts.clock ?? systemClock;
  const baseUrl = (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const rateLimit = new RateLimitState(clock);
  const stats = { requests: 0 };
  const maxWait = opts.maxRateLimitWaitMs ?? 15 * 60_000;
  const notice = opts.onNotice ?? (() => undefined);
  const send = makeSend(opts, clock, rateLimit, stats, maxWait, notice);
  const policy = githubRetryPolicy(opts);
  let instance: Promise<Octokit> | undefined;

  const load = (): Promise<Octokit> => {
    instance ??= import('octokit').then(({ Octokit: OctokitClass }) => {
      const decide = async (waitMs: number, retryCount: number, what: string): Promise<boolean> => {
        if (retryCount >= (opts.maxRateLimitRetries ?? 3) || waitMs > maxWait) return false;
        notice(`${what}: waiting ${Math.ceil(waitMs / 1000)} s`);
        await clock.sleep(waitMs);
        return true;
      };
      return new OctokitClass({
        baseUrl,
        ...(opts.token ? { auth: opts.token } : {}),
        userAgent: opts.userAgent ?? defaultUserAgent(),
        request: { fetch: retryingFetch(send, policy, opts, clock, { attempts: 0, exhausted: false }) },
        log: { debug: () => undefined, info: () => undefined, warn: (m: string) => notice(m), error: (m: string) => notice(m) },
        retry: { enabled: false },
        throttle: {
          retryAfterBaseValue: 0,
          onRateLimit: (retryAfter: number, _o: unknown, _k: unknown, retryCount: number) =>
            decide(rateLimit.waitMs() || retryAfter * 1000, retryCount, 'GitHub API quota used up'),
          onSecondaryRateLimit: (retryAfter: number, _o: unknown, _k: unknown, retryCount: number) =>
            decide(retryAfter * 1000, retryCount, 'GitHub secondary rate limit'),
        },
      });
    });
    return instance;
  };

  return {
    clock,
    rateLimit,
    stats,
    getRepo: async (repo, etag, reqOpts = {}) => {
      const octokit = await load();
      const path = `/repos/${repo.owner}/${repo.name}`;
      const state: RequestState = { attempts: 0, exhausted: false, ...(reqOpts.onRetry ? { onRetry: reqOpts.onRetry } : {}) };
      try {
        const res = await octokit.request('GET /repos/{owner}/{repo}', {
          owner: repo.owner,
          repo: repo.name,
          headers: etag ? { 'if-none-match': etag } : {},
          request: { fetch: retryingFetch(send, policy, opts, clock, state) },
        });
        const finalPath = new URL(res.url).pathname.replace(/\/+$/, '');
        const requestedPath = new URL(baseUrl + path).pathname;
        return {
          kind: 'ok',
          httpStatus: res.status,
          data: res.data as unknown as Record<string, unknown>,
          redirected: finalPath.toLowerCase() !== requestedPath.toLowerCase(),
          ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}),
          ...(typeof res.headers['last-modified'] === 'string' ? { lastModified: res.headers['last-modified'] } : {}),
        };
      } catch (err) {
        try {
          return classifyRequestError(err, path, rateLimit, clock);
        } catch (classified) {
          throw state.exhausted ? gaveUp(classified, state.attempts) : classified;
        }
      }
    },
  };
}

type Send = (input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]) => Promise<Response>;

/** One request under the host's concurrency, after any wait for a used-up quota; counted in stats. */
function makeSend(
  opts: GithubClientOptions,
  clock: Clock,
  rateLimit: RateLimitState,
  stats: { requests: number },
  maxWait: number,
  notice: (m: string) => void,
): Send {
  const limiter = new HostLimiter({ concurrency: opts.concurrency ?? 4, clock });
  const base = opts.fetch ?? globalThis.fetch;
  return async (input, init) => {
    const release = await limiter.acquire(new URL(requestUrl(input)).host);
    try {
      const wait = rateLimit.waitMs();
      if (wait > 0 && wait <= maxWait) {
        notice(`GitHub API quota used up: waiting ${Math.ceil(wait / 1000)} s for the reset`);
        await clock.sleep(wait);
      }
      stats.requests += 1;
      const res = await base(input, init);
      rateLimit.update(res.headers);
      return res;
    } finally {
      release();
    }
  };
}

/** A fetch that retries `send` under `policy`: retryable statuses and network errors, waits on the clock. */
function retryingFetch(send: Send, policy: RetryPolicy, opts: GithubClientOptions, clock: Clock, state: RequestState): typeof fetch {
  return async (input, init) => {
    for (let attempt = 1; ; attempt++) {
      state.attempts += 1;
      let res: Response | undefined;
      let thrown: unknown;
      let failure: FailedAttempt;
      try {
        res = await send(input, init);
        if (!policy.statusCodes?.includes(res.status)) return res;
        failure = { attempt, statusCode: res.status, ...retryAfter(res, clock) };
      } catch (err) {
        thrown = err;
        failure = { attempt, ...networkCode(err) };
      }
      const delayMs = computeRetryDelay(policy, failure, opts.random);
      if (delayMs === undefined) {
        state.exhausted = attempt > 1 && isRetryable(policy, failure);
        if (res) return res;
        throw thrown;
      }
      await res?.body?.cancel();
      const note: RetryNote = { attempt, delayMs, error: res ? `GET ${redactedPath(input)} answered ${res.status}` : `GET ${redactedPath(input)} failed: ${errorText(thrown)}`, layer: 'http' };
      opts.onRetry?.(note);
      state.onRetry?.(note);
      await clock.sleep(delayMs);
    }
  };
}

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

/** The path of a request (its query left out: octokit sends no credentials there, but be safe). */
function redactedPath(input: Parameters<typeof fetch>[0]): string {
  return new URL(requestUrl(input)).pathname;
}

function retryAfter(res: Response, clock: Clock): { retryAfterMs?: number } {
  const ms = parseRetryAfter(res.headers.get('retry-after') ?? undefined, clock.now());
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/** fetch's errors carry the socket's code on their cause (`fetch failed`, cause ECONNRESET). */
function networkCode(err: unknown): { errorCode?: string } {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { errorCode: code };
  }
  return {};
}

function errorText(err: unknown): string {
  const cause = (err as { cause?: { message?: unknown } } | null)?.cause;
  const base = err instanceof Error ? err.message : String(err);
  return typeof cause?.message === 'string' ? `${base} (${cause.message})` : base;
}

/** A failure retried until the attempts ran out: no layer above should try it again. */
function gaveUp(err: unknown, attempts: number): unknown {
  if (!(err instanceof MallardError)) return err;
  return new MallardError(err.code, `${err.message} (gave up after ${attempts} attempts)`, {
    context: { ...err.context, attempts, retriesExhausted: true },
    suggestions: err.suggestions,
    retryable: false,
    cause: err,
  });
}
