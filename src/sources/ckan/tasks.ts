/**
 * The CKAN crawl as engine tasks: one task per package_search page (page-task.ts), and a crawl
 * task that fetches the first page, learns the count and the rows the portal really returns per
 * page, then asks for the other pages at run time, a window at a time (planned lazily, so a
 * portal claiming 10^9 datasets costs nothing up front), stopping at the first empty page and at
 * ckan.maxDatasets. A rerun fetches only missing pages.
 */
import path from 'node:path';
import { FileTarget, MallardError, Task, type TaskContext } from '../../engine/index.js';
import { CkanPageTask, queryKey, readPageMeta, type CrawlSettings, type PageMeta } from './page-task.js';
import { DEFAULT_MAX_DATASETS, planPages, take } from './plan.js';
import { readCrawlManifest, type CrawlManifest } from './state.js';

export { CkanPageTask, queryKey, readPageMeta } from './page-task.js';
export type { CkanQuery, CrawlSettings, PageMeta, PageTaskOptions } from './page-task.js';
export type { CrawlManifest } from './state.js';

/** Pages asked for at once after the first: doubling from the first window to the last. */
const FIRST_WINDOW = 4;
const MAX_WINDOW = 64;

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
    const limit = crawlLimit(head.count, this.settings.maxDatasets, ctx);
    ctx.log(`${head.count} datasets reported: about ${Math.max(1, Math.ceil(Math.min(head.count, limit) / effectiveRows))} pages`);
    const { pages, metas } = await this.fetchRest(ctx, { first, head, effectiveRows, limit });
    const manifest = buildManifest(this.settings, head.count, effectiveRows, pages, metas);
    const expected = Math.min(manifest.count, limit);
    if (manifest.received < expected) {
      ctx.warn(`got ${manifest.received} datasets but the portal reported ${manifest.count}: ${expected - manifest.received} missing (datasets deleted or made private while crawling, or pages cut short or empty); rerun with --refresh to crawl again`);
    }
    await new FileTarget(this.manifestFile).write(JSON.stringify(manifest, null, 2) + '\n');
  }

  /** The pages after the first, a window at a time; stops after a window holding an empty page. */
  private async fetchRest(ctx: TaskContext, p: { first: CkanPageTask; head: PageMeta; effectiveRows: number; limit: number }) {
    const starts = planPages(p.head.count, p.effectiveRows, p.limit);
    starts.next(); // 0: the first page, fetched already
    const pages = [p.first];
    const metas = [p.head];
    let window = FIRST_WINDOW;
    let ended = p.head.received === 0;
    while (!ended) {
      const batch = take(starts, window).map((start) => new CkanPageTask(this.settings, start, p.effectiveRows));
      if (batch.length === 0) break;
      await ctx.need(batch);
      const got = batch.map(readPageMeta);
      pages.push(...batch);
      metas.push(...got);
      const empty = got.findIndex((m) => m.received === 0);
      if (empty !== -1) {
        ended = true;
        ctx.log(`the page at start ${got[empty]?.start} came back empty although the portal reported ${p.head.count} datasets: no further pages asked for`);
      }
      window = Math.min(window * 2, MAX_WINDOW);
    }
    return { pages, metas };
  }
}

/** The most datasets to crawl: the portal's count, capped at maxDatasets (with a warning). */
function crawlLimit(count: number, maxDatasets: number | undefined, ctx: TaskContext): number {
  const max = maxDatasets ?? DEFAULT_MAX_DATASETS;
  if (count > max) {
    ctx.warn(`the portal reports ${count} datasets, more than ckan.maxDatasets (${max}): crawling at most ${max}; raise ckan.maxDatasets in the site config if the portal really holds that many`);
  }
  return Math.min(count, max);
}

/** crawl.json, validated (a malformed one is ERR_STATE_FILE naming it); undefined when there is none. */
export function readManifestIfAny(file: string): CrawlManifest | undefined {
  return readCrawlManifest(file);
}

/** The rows per page the portal really returns, from its first page (exported for the sharded plan: src/pipelines/shard-stages.ts). */
export function effectiveRowsOf(head: PageMeta, asked: number): number {
  if (head.count > 0 && head.received === 0) {
    throw new MallardError('ERR_CKAN_RESPONSE', `the portal reported ${head.count} datasets but returned none on the first page (${head.url})`, { retryable: false });
  }
  // A full first page smaller than asked means the portal caps rows: advance by what it gives.
  return head.received < asked && head.received < head.count ? head.received : asked;
}

function buildManifest(settings: CrawlSettings, count: number, effectiveRows: number, pages: CkanPageTask[], metas: PageMeta[]): CrawlManifest {
  const counts = metas.map((m) => m.count);
  const startedAt = metas[0]?.fetchedAt;
  return {
    site: settings.site,
    query: settings.query,
    count,
    effectiveRows,
    pages: pages.map((p, i) => ({ file: path.basename(p.pageFile), start: p.params.start, received: (metas[i] as PageMeta).received })),
    received: metas.reduce((n, m) => n + m.received, 0),
    countRange: [counts.reduce((a, b) => Math.min(a, b)), counts.reduce((a, b) => Math.max(a, b))],
    ...(startedAt === undefined ? {} : { startedAt }),
  };
}
