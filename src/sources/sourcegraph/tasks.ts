/**
 * The Sourcegraph stage as engine tasks: one task per request (one term, or several exact terms
 * joined with OR), whose output is the request's result file. A rerun skips every request whose
 * file exists with its receipt and was searched since `notBeforeMs` (sourcegraph.maxAge), so it
 * makes no request at all; a changed query option is another task.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MallardError, NO_RETRY, Task, type RetryPolicy, type TaskContext } from '../../engine/index.js';
import type { HttpClient } from '../../http/index.js';
import { requestFileName, requestHash } from './plan.js';
import { ResultFileTarget } from './result-file.js';
import { buildBatchQuery } from './query.js';
import { REJECTED_QUERY_STATUSES, searchRequestToFile, writeRejectedRequest } from './search.js';

export interface SourcegraphSettings {
  site: string;
  /** raw/<site>/sourcegraph under the artifacts directory. */
  dir: string;
  /** The instance, e.g. https://sourcegraph.com */
  baseUrl: string;
  includeForks: boolean;
  includeArchived: boolean;
  extraFilters?: string[];
  /** The token read from the env var the config names (resolveToken); anonymous when undefined. */
  token?: string;
  /** Limit for one try of one search, in ms. */
  timeoutMs?: number;
  /** Most exact terms in one request (default 100; 1 = one search per term). */
  termsPerQuery?: number;
  /** Longest URL-encoded query of a request of several terms (default 4000). */
  maxQueryLength?: number;
  /** A result older than this is searched again (default: never). */
  maxAgeMs?: number;
  /** Shared by every search of a run (per-host rate and concurrency limits live in it). */
  client: () => HttpClient;
}

/** Short hash of what every search of these settings asks besides the terms. */
export function searchOptionsKey(settings: SourcegraphSettings): string {
  const canonical = JSON.stringify([settings.baseUrl, settings.includeForks, settings.includeArchived, settings.extraFilters ?? []]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

export class SourcegraphRequestTask extends Task<{ site: string; request: string; terms: number; options: string }> {
  readonly family = 'SourcegraphSearch';
  override readonly version = '2';

  /** `notBeforeMs`: an existing result searched earlier is stale (not part of the id: the same request, refreshed). */
  constructor(readonly settings: SourcegraphSettings, readonly terms: readonly string[], readonly notBeforeMs?: number) {
    const request = terms.length === 1 ? (terms[0] as string) : requestHash(terms);
    super({ site: settings.site, request, terms: terms.length, options: searchOptionsKey(settings) });
  }

  get resultFile(): string {
    return path.join(this.settings.dir, requestFileName(this.terms));
  }

  outputs(): ResultFileTarget[] {
    return [new ResultFileTarget(this.resultFile, this.notBeforeMs)];
  }

  /** The HTTP client already retried 429, 5xx, timeouts and cut streams: its final error is final. */
  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    try {
      await this.search(ctx);
    } catch (err) {
      const status = err instanceof MallardError && err.code === 'ERR_HTTP' ? Number(err.context['status']) : undefined;
      if (this.terms.length === 1 || status === undefined || !REJECTED_QUERY_STATUSES.has(status)) throw err;
      const s = this.settings;
      const query = buildBatchQuery(this.terms, { includeForks: s.includeForks, includeArchived: s.includeArchived, ...(s.extraFilters ? { extraFilters: s.extraFilters } : {}) });
      await writeRejectedRequest(this.resultFile, this.terms, query, new Date(s.client().clock.now()).toISOString(), (err as Error).message);
      ctx.log(`the server refused the query of ${this.terms.length} terms (HTTP ${status}): split in two`);
    }
  }

  private async search(ctx: TaskContext): Promise<void> {
    const s = this.settings;
    const result = await searchRequestToFile(
      s.client(),
      {
        baseUrl: s.baseUrl,
        terms: this.terms,
        includeForks: s.includeForks,
        includeArchived: s.includeArchived,
        ...(s.extraFilters ? { extraFilters: s.extraFilters } : {}),
        ...(s.token ? { token: s.token } : {}),
        ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
      },
      this.resultFile,
      { onRetry: (note) => ctx.retried(note) },
    );
    const cut = result.limitHit ? ` (limit hit: ${result.skipped.map((r) => r.reason).join(', ')})` : '';
    const of = this.terms.length > 1 ? ` for ${this.terms.length} terms` : '';
    ctx.log(`${result.matchCount} matches in ${result.matchesReceived} results${of}${cut}${result.split ? '; split in two' : ''}`);
    for (const alert of result.alerts) ctx.log(`alert: ${alert.title ?? ''} ${alert.description ?? ''}`.trim());
  }
}

/** One term's request (kept for callers that search term by term). */
export class SourcegraphSearchTask extends SourcegraphRequestTask {
  constructor(settings: SourcegraphSettings, term: string) {
    super(settings, [term]);
  }
}
