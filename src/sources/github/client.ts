/**
 * The GitHub REST client: octokit (loaded on first request) with its throttling and retry
 * plugins, behind a fetch that applies mallard's per-host concurrency, waits for the quota
 * reset when x-ratelimit-remaining reached 0, and backs off before retrying a failed
 * request. Every wait goes through the injected clock: the plugins' own waits are set to
 * zero and their handlers sleep on the clock instead, so tests never sleep.
 */
import type { Octokit } from 'octokit';
import { systemClock, type Clock } from '../../engine/clock.js';
import { backoffDelayMs, defaultUserAgent, HostLimiter, parseRetryAfter } from '../../http/index.js';
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
  /** Retries of 5xx and network failures (octokit's retry plugin). Default 3. */
  retries?: number;
  /** Backoff before the first retry (doubling, jittered). Default 1 000. */
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
}

export interface GithubClient {
  readonly clock: Clock;
  readonly rateLimit: RateLimitState;
  /** Requests sent (each try counts). */
  readonly stats: { requests: number };
  /** GET /repos/{owner}/{repo}, conditional on `etag` when given, following renames. */
  getRepo(repo: RepoName, etag?: string): Promise<RepoFetch>;
}

interface Failure {
  count: number;
  retryAfterMs?: number;
}

export function createGithubClient(opts: GithubClientOptions = {}): GithubClient {
  const clock = opts.clock ?? systemClock;
  const baseUrl = (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const rateLimit = new RateLimitState(clock);
  const stats = { requests: 0 };
  const maxWait = opts.maxRateLimitWaitMs ?? 15 * 60_000;
  const notice = opts.onNotice ?? (() => undefined);
  const limitedFetch = makeFetch(opts, clock, rateLimit, stats, maxWait, notice);
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
        request: { fetch: limitedFetch },
        log: { debug: () => undefined, info: () => undefined, warn: (m: string) => notice(m), error: (m: string) => notice(m) },
        retry: { retries: opts.retries ?? 3, retryAfterBaseValue: 0, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
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
    getRepo: async (repo, etag) => {
      const octokit = await load();
      const path = `/repos/${repo.owner}/${repo.name}`;
      try {
        const res = await octokit.request('GET /repos/{owner}/{repo}', {
          owner: repo.owner,
          repo: repo.name,
          headers: etag ? { 'if-none-match': etag } : {},
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
        return classifyRequestError(err, path, rateLimit, clock);
      }
    },
  };
}

function makeFetch(
  opts: GithubClientOptions,
  clock: Clock,
  rateLimit: RateLimitState,
  stats: { requests: number },
  maxWait: number,
  notice: (m: string) => void,
): typeof fetch {
  const limiter = new HostLimiter({ concurrency: opts.concurrency ?? 4, clock });
  const failures = new Map<string, Failure>();
  const base = opts.fetch ?? globalThis.fetch;
  const backoff = { baseMs: opts.retryBaseMs ?? 1000, maxMs: 60_000 };
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const key = `${init?.method ?? 'GET'} ${url}`;
    const release = await limiter.acquire(new URL(url).host);
    try {
      const failed = failures.get(key);
      if (failed) await clock.sleep(failed.retryAfterMs ?? backoffDelayMs(failed.count, backoff, opts.random));
      const wait = rateLimit.waitMs();
      if (wait > 0 && wait <= maxWait) {
        notice(`GitHub API quota used up: waiting ${Math.ceil(wait / 1000)} s for the reset`);
        await clock.sleep(wait);
      }
      stats.requests += 1;
      let res: Response;
      try {
        res = await base(input, init);
      } catch (err) {
        failures.set(key, { count: (failed?.count ?? 0) + 1 });
        throw err;
      }
      rateLimit.update(res.headers);
      if (res.status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after') ?? undefined, clock.now());
        failures.set(key, { count: (failed?.count ?? 0) + 1, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
      } else failures.delete(key);
      return res;
    } finally {
      release();
    }
  };
}
