/**
 * The CKAN crawl as engine tasks: one task per package_search page (written atomically as
 * page_<start>.ndjson plus its page_<start>.json metadata), and a crawl task that fetches
 * the first page, learns the count and the rows the portal really returns per page, then
 * asks for every other page at run time. A rerun fetches only missing pages.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FileTarget, isMallardError, MallardError, Task, type RetryPolicy, type TaskContext } from '../../engine/index.js';
import { ERR_CKAN_RESPONSE } from './errors.js';
import { retriesExhausted, type HttpClient } from '../../http/index.js';
import { fetchSearchPage, pageFileName } from './package-search.js';
import { planPages } from './plan.js';
import { readCrawlManifest, readPageMetaFile, type CkanQuery, type CrawlManifest, type PageMeta } from './state.js';

export interface CrawlSettings {
  site: string;
  /** raw/<site>/ckan under the artifacts directory. */
  dir: string;
  query: CkanQuery;
  /** Shared by every page of a run (per-host rate and concurrency limits live in it). */
  client: () => HttpClient;
}

export type { CkanQuery, CrawlManifest, PageMeta } from './state.js';

/** Short hash of what the crawl asks the portal: pages of another query are other tasks. */
export function queryKey(query: CkanQuery): string {
  const canonical = JSON.stringify([query.baseUrl, query.sort, query.q ?? '', query.fq ?? '']);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

const PAGE_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 };

export class CkanPageTask extends Task<{ site: string; query: string; start: number; rows: number }> {
  readonly family = 'CkanPage';

  constructor(readonly settings: CrawlSettings, start: number, rows: number) {
    super({ site: settings.site, query: queryKey(settings.query), start, rows });
  }

  get pageFile(): string {
    return path.join(this.settings.dir, pageFileName(this.params.start));
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

  async run(): Promise<void> {
    const { query } = this.settings;
    const client = this.settings.client();
    const params = { ...query, start: this.params.start, rows: this.params.rows };
    const result = await fetchSearchPage(client, params, this.pageFile).catch(retryOddResponses);
    const meta: PageMeta = {
      start: result.start,
      rows: this.params.rows,
      count: result.count,
      received: result.received,
      ...(result.firstId === undefined ? {} : { firstId: result.firstId }),
      ...(result.lastId === undefined ? {} : { lastId: result.lastId }),
      bytes: result.bytes,
      url: client.redact(new URL(`${query.baseUrl}/package_search`).toString()),
    };
    new FileTarget(this.metaFile).write(JSON.stringify(meta, null, 2) + '\n');
  }
}

/**
 * One layer of retries per request: the HTTP client retries network errors, 429, 5xx and
 * cut-off bodies (with backoff and Retry-After); what it retried to exhaustion comes out
 * not retryable (`retriesExhausted`) and is final here. What the client did not retry, an answer that
 * is not the CKAN envelope (a proxy's HTML page with status 200, or a cut body with client
 * retries off), is usually passing: the task tries that again, within its policy.
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

export class CkanCrawlTask extends Task<{ site: string; query: string }> {
  readonly family = 'CkanCrawl';

  constructor(readonly settings: CrawlSettings) {
    super({ site: settings.site, query: queryKey(settings.query) });
  }

  get manifestFile(): string {
    return path.join(this.settings.dir, 'crawl.json');
  }

  /**
   * crawl.json, and once it exists every page it lists: a crawl whose page files were
   * deleted is not complete, and rerunning it fetches just those pages again.
   */
  outputs(): FileTarget[] {
    const manifest = readManifestIfAny(this.manifestFile);
    const pages = manifest?.pages.map((p) => new FileTarget(path.join(this.settings.dir, p.file))) ?? [];
    return [new FileTarget(this.manifestFile), ...pages];
  }

  async run(ctx: TaskContext): Promise<void> {
    const first = new CkanPageTask(this.settings, 0, this.settings.query.rows);
    await ctx.need([first]);
    const head = readPageMeta(first);
    const effectiveRows = effectiveRowsOf(head, this.settings.query.rows);
    if (effectiveRows < this.settings.query.rows) ctx.log(`the portal returns ${effectiveRows} rows per page (asked for ${this.settings.query.rows})`);
    const rest = planPages(head.count, effectiveRows)
      .filter((start) => start > 0)
      .map((start) => new CkanPageTask(this.settings, start, effectiveRows));
    ctx.log(`${head.count} datasets reported: ${rest.length + 1} pages`);
    await ctx.need(rest);
    const metas = [head, ...rest.map(readPageMeta)];
    const manifest = buildManifest(this.settings, head.count, effectiveRows, [first, ...rest], metas);
    if (manifest.received < manifest.count) {
      ctx.warn(`got ${manifest.received} datasets but the portal reported ${manifest.count}: ${manifest.count - manifest.received} missing (datasets deleted or made private while crawling, or pages cut short); rerun with --refresh to crawl again`);
    }
    new FileTarget(this.manifestFile).write(JSON.stringify(manifest, null, 2) + '\n');
  }
}

/** crawl.json, validated (a malformed one is ERR_STATE_FILE naming it); undefined when there is none. */
export function readManifestIfAny(file: string): CrawlManifest | undefined {
  return readCrawlManifest(file);
}

function effectiveRowsOf(head: PageMeta, asked: number): number {
  if (head.count > 0 && head.received === 0) {
    throw new MallardError('ERR_CKAN_RESPONSE', `the portal reported ${head.count} datasets but returned none on the first page (${head.url})`, { retryable: false });
  }
  // A full first page smaller than asked means the portal caps rows: advance by what it gives.
  return head.received < asked && head.received < head.count ? head.received : asked;
}

function buildManifest(settings: CrawlSettings, count: number, effectiveRows: number, pages: CkanPageTask[], metas: PageMeta[]): CrawlManifest {
  const counts = metas.map((m) => m.count);
  return {
    site: settings.site,
    query: settings.query,
    count,
    effectiveRows,
    pages: pages.map((p, i) => ({ file: path.basename(p.pageFile), start: p.params.start, received: (metas[i] as PageMeta).received })),
    received: metas.reduce((n, m) => n + m.received, 0),
    countRange: [Math.min(...counts), Math.max(...counts)],
  };
}
