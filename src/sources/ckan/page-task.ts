/**
 * One package_search request as an engine task: the page written atomically as an NDJSON page
 * file plus its metadata (`<name>.json`). The base crawl, the incremental crawls and the id-only
 * listings all fetch their pages through it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FileTarget, isMallardError, MallardError, Task, type RetryPolicy, type TaskContext } from '../../engine/index.js';
import { retriesExhausted, type HttpClient } from '../../http/index.js';
import { ERR_CKAN_RESPONSE } from './errors.js';
import { fetchSearchPage, pageFileName } from './package-search.js';
import { readPageMetaFile, type CkanQuery, type PageMeta } from './state.js';

export type { CkanQuery, PageMeta } from './state.js';

export interface CrawlSettings {
  site: string;
  /** raw/<site>/ckan under the artifacts directory. */
  dir: string;
  query: CkanQuery;
  /** Shared by every page of a run (per-host rate and concurrency limits live in it). */
  client: () => HttpClient;
  /** The most datasets a crawl takes, whatever the portal claims (ckan.maxDatasets). */
  maxDatasets?: number;
  /** Incremental crawls: overlap of each `since` with the previous crawl, in ms (ckan.overlapMinutes). */
  overlapMs?: number;
  /** Incremental crawls: an id-only listing marks deleted datasets this often, in ms (--reconcile-every). */
  reconcileEveryMs?: number;
}

/** Short hash of what the crawl asks the portal: pages of another query are other tasks. */
export function queryKey(query: CkanQuery): string {
  const canonical = JSON.stringify([query.baseUrl, query.sort, query.q ?? '', query.fq ?? '', ...(query.fl === undefined ? [] : [query.fl])]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

const PAGE_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 };

export interface PageTaskOptions {
  /** The page file's name (default page_<start>.ndjson). */
  file?: string;
  /** The folder of the page, relative to settings.dir (default: settings.dir itself). */
  set?: string;
}

type PageParams = { site: string; query: string; start: number; rows: number; set?: string; file?: string };

export class CkanPageTask extends Task<PageParams> {
  readonly family = 'CkanPage';

  constructor(readonly settings: CrawlSettings, start: number, rows: number, readonly options: PageTaskOptions = {}) {
    super({
      site: settings.site, query: queryKey(settings.query), start, rows,
      ...(options.set === undefined ? {} : { set: options.set }),
      ...(options.file === undefined ? {} : { file: options.file }),
    });
  }

  get pageFile(): string {
    const dir = this.options.set === undefined ? this.settings.dir : path.join(this.settings.dir, this.options.set);
    return path.join(dir, this.options.file ?? pageFileName(this.params.start));
  }

  get metaFile(): string {
    return this.pageFile.replace(/\.ndjson$/, '.json');
  }

  outputs(): FileTarget[] {
    return [new FileTarget(this.pageFile), new FileTarget(this.metaFile)];
  }

  override retryPolicy(): RetryPolicy {
    return PAGE_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const { query } = this.settings;
    const client = this.settings.client();
    const params = { ...query, start: this.params.start, rows: this.params.rows };
    const fetchedAt = new Date(ctx.clock.now()).toISOString();
    fs.mkdirSync(path.dirname(this.pageFile), { recursive: true });
    const result = await fetchSearchPage(client, params, this.pageFile, { onRetry: (note) => ctx.retried(note) }).catch(retryOddResponses);
    const meta: PageMeta = {
      start: result.start,
      rows: this.params.rows,
      count: result.count,
      received: result.received,
      ...(result.firstId === undefined ? {} : { firstId: result.firstId }),
      ...(result.lastId === undefined ? {} : { lastId: result.lastId }),
      bytes: result.bytes,
      url: client.redact(new URL(`${query.baseUrl}/package_search`).toString()),
      ...(query.fq === undefined ? {} : { fq: query.fq }),
      fetchedAt,
    };
    await new FileTarget(this.metaFile).write(JSON.stringify(meta, null, 2) + '\n');
  }
}

/**
 * One layer of retries: the HTTP client already retried network errors, 429 and 5xx (with
 * backoff and Retry-After), so its final error is final here too. What the client does not
 * retry, an answer that is not the CKAN envelope (a proxy's HTML page with status 200, or a
 * cut body with client retries off), is usually passing: the task tries that again, within its
 * policy. What the client retried to exhaustion comes out not retryable and is final here.
 */
function retryOddResponses(err: unknown): never {
  if (!isMallardError(err)) throw err;
  const retryable = err.code === ERR_CKAN_RESPONSE && !retriesExhausted(err);
  if (err.retryable === retryable) throw err;
  throw new MallardError(err.code, err.message, { cause: err, context: err.context, suggestions: err.suggestions, retryable });
}

export function readPageMeta(task: CkanPageTask): PageMeta {
  return readPageMetaFile(task.metaFile);
}
