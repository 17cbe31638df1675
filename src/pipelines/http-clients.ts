/**
 * One HTTP client per service per run, made on first use (so --help and dry runs make none).
 * A shard `i/N` of a sharded run (docs/scale-out.md §4) gets 1/N of each per-host budget:
 * `shards` is N (absent or 1: the whole budget, as plan, final and local runs have).
 */
import { createHttpClient, type HttpClient } from '../http/index.js';
import type { SiteConfig } from '../config/index.js';
import { shareOfConcurrency, shareOfRate } from '../engine/index.js';

export function lazyClient(make: () => HttpClient): () => HttpClient {
  let client: HttpClient | undefined;
  return () => (client ??= make());
}

/** This process's part of a per-host budget when `shards` processes share it. */
export function budgetShare(limits: { concurrency: number; requestsPerSecond?: number }, shards = 1): { concurrency: number; requestsPerSecond?: number } {
  return {
    concurrency: shareOfConcurrency(limits.concurrency, shards),
    ...(limits.requestsPerSecond === undefined ? {} : { requestsPerSecond: shareOfRate(limits.requestsPerSecond, shards) }),
  };
}

export function ckanClient(config: SiteConfig, shards = 1): () => HttpClient {
  return lazyClient(() =>
    createHttpClient({
      timeoutMs: config.http.timeoutMs,
      retries: config.http.retries,
      ...budgetShare({ concurrency: config.ckan.concurrency, requestsPerSecond: config.ckan.requestsPerSecond }, shards),
      ...(config.http.userAgent === undefined ? {} : { userAgent: config.http.userAgent }),
    }),
  );
}

/**
 * Sourcegraph's client for a shard of N (1/N of sourcegraph.requestsPerSecond and
 * .concurrency), made as code-search.ts makes the whole-budget one: the token is a secret the
 * client redacts.
 */
export function sourcegraphClient(config: SiteConfig, token: string | undefined, shards = 1): () => HttpClient {
  const sg = config.sourcegraph;
  return lazyClient(() =>
    createHttpClient({
      timeoutMs: sg.timeoutSeconds * 1000,
      retries: config.http.retries,
      ...budgetShare({ concurrency: sg.concurrency, requestsPerSecond: sg.requestsPerSecond }, shards),
      ...(token === undefined ? {} : { secrets: [token] }),
      ...(config.http.userAgent === undefined ? {} : { userAgent: config.http.userAgent }),
    }),
  );
}
