/**
 * Incremental crawls (increments.ts has the layout): a delta of the datasets modified since a
 * time, an id-only listing that finds deleted datasets, and the update task that runs both on
 * top of a complete base crawl and records them. Both page by key, never by offset: each page
 * asks for the keys after the last one received (`metadata_modified:[cursor TO *]`, sorted
 * `metadata_modified asc, id asc`; `id:[cursor TO *]` sorted `id asc`; the keys at the cursor already received are skipped by `start`), so a dataset changed or
 * deleted while paging never shifts another out of the pages, and a rerun after an interruption
 * asks exactly the same pages again: those already fetched are complete tasks, skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileTarget, Task, type TaskContext } from '../../engine/index.js';
import { readStateFileSync, requireStateFileSync, type StateFileSpec } from '../../store/index.js';
import {
  DELTA_SPEC, INCREMENTS_FILE, LISTING_SPEC, lastListing, readIncrements, stampOf,
  type DeltaStep, type Increments, type ReconcileStep,
} from './increments.js';
import { CkanCrawlTask } from './tasks.js';
import { CkanPageTask, queryKey, readPageMeta, type CrawlSettings, type PageMeta } from './page-task.js';
import { pageFileName } from './package-search.js';
import { DEFAULT_MAX_DATASETS } from './plan.js';

/** CKAN's zone-less UTC timestamp (microseconds) as Solr's form at its millisecond precision; undefined for junk. */
export function solrTime(text: unknown): string | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The site's own filter (if any) and ours, both required. */
export function combineFq(userFq: string | undefined, ours: string): string {
  return userFq === undefined || userFq === '' ? ours : `+(${userFq}) +${ours}`;
}

function pageLines(file: string): Array<Record<string, unknown>> {
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface KeysetPage {
  task: CkanPageTask;
  meta: PageMeta;
}

interface Cursor {
  value: string | undefined;
  skip: number;
}

/** Where the next page starts: after the last key received (ties at it skipped), or further along the same key. */
function advance(cursor: Cursor, lines: Array<Record<string, unknown>>, key: (line: Record<string, unknown>) => string | undefined): Cursor {
  const last = lines.length === 0 ? undefined : key(lines.at(-1) as Record<string, unknown>);
  if (last === undefined) return { value: cursor.value, skip: cursor.skip + lines.length };
  const ties = lines.filter((l) => key(l) === last).length;
  return { value: last, skip: last === cursor.value ? cursor.skip + ties : ties };
}

abstract class KeysetCrawl extends Task<{ site: string; query: string; since: string }> {
  constructor(readonly settings: CrawlSettings, readonly since: string) {
    super({ site: settings.site, query: queryKey(settings.query), since });
  }

  /** Folder of the pages, relative to settings.dir. */
  abstract get set(): string;
  abstract get manifestFile(): string;
  /** How its manifest (delta.json, listing.json) is read back. */
  protected abstract get manifestSpec(): StateFileSpec<{ pages: string[] } | { files: string[] }>;
  protected abstract pageQuery(cursor: Cursor): { sort: string; fq: string; fl?: string };
  protected abstract key(line: Record<string, unknown>): string | undefined;
  protected abstract fileName(index: number): string;

  /** The page files its manifest lists (none before it exists); a malformed manifest is ERR_STATE_FILE naming it. */
  protected manifestPages(): string[] {
    const manifest = readStateFileSync(this.manifestFile, this.manifestSpec);
    if (manifest === undefined) return [];
    return 'pages' in manifest ? manifest.pages : manifest.files;
  }

  outputs(): FileTarget[] {
    return [new FileTarget(this.manifestFile), ...this.manifestPages().map((f) => new FileTarget(path.join(this.settings.dir, this.set, f)))];
  }

  /** Every page, one after the other, until a page comes back short. */
  protected async crawl(ctx: TaskContext, start: Cursor): Promise<KeysetPage[]> {
    const pages: KeysetPage[] = [];
    const rows = this.settings.query.rows;
    const max = this.settings.maxDatasets ?? DEFAULT_MAX_DATASETS;
    let cursor = start;
    let effective = rows;
    let received = 0;
    for (let index = 0; ; index += 1) {
      const query = { ...this.settings.query, ...this.pageQuery(cursor) };
      const task = new CkanPageTask({ ...this.settings, query }, cursor.skip, rows, { set: this.set, file: this.fileName(index) });
      await ctx.need([task]);
      const meta = readPageMeta(task);
      pages.push({ task, meta });
      received += meta.received;
      if (index === 0 && meta.received < rows && meta.received < meta.count) effective = meta.received;
      if (meta.received === 0 || meta.received < effective || received >= max) return pages;
      cursor = advance(cursor, pageLines(task.pageFile), (l) => this.key(l));
    }
  }
}

/** The datasets modified since `since` (ISO), into deltas/<since>/. */
export class CkanDeltaTask extends KeysetCrawl {
  readonly family = 'CkanDelta';

  get set(): string {
    return path.join('deltas', stampOf(this.since));
  }

  get manifestFile(): string {
    return path.join(this.settings.dir, this.set, 'delta.json');
  }

  protected get manifestSpec(): StateFileSpec<DeltaStep> {
    return DELTA_SPEC;
  }

  protected pageQuery(cursor: Cursor) {
    return { sort: 'metadata_modified asc, id asc', fq: combineFq(this.settings.query.fq, `metadata_modified:[${cursor.value ?? this.since} TO *]`) };
  }

  protected key(line: Record<string, unknown>): string | undefined {
    return solrTime(line['metadata_modified']);
  }

  protected fileName(index: number): string {
    return pageFileName(index);
  }

  async run(ctx: TaskContext): Promise<void> {
    const pages = await this.crawl(ctx, { value: undefined, skip: 0 });
    const total = new CkanPageTask({ ...this.settings, query: { ...this.settings.query, rows: 1 } }, 0, 1, { set: this.set, file: 'total.ndjson' });
    await ctx.need([total]);
    const step: DeltaStep = {
      kind: 'delta', dir: this.set, since: this.since,
      startedAt: pages[0]?.meta.fetchedAt ?? new Date(ctx.clock.now()).toISOString(),
      pages: pages.map((p) => path.basename(p.task.pageFile)),
      received: pages.reduce((n, p) => n + p.meta.received, 0),
      total: readPageMeta(total).count,
    };
    ctx.log(`${step.received} datasets modified since ${this.since} (${step.pages.length} pages); the portal holds ${step.total}`);
    await new FileTarget(this.manifestFile).write(JSON.stringify(step, null, 2) + '\n');
  }
}

/** Every dataset id the portal lists, into reconcile/<since>/ (id-only pages). */
export class CkanListingTask extends KeysetCrawl {
  readonly family = 'CkanListing';

  get set(): string {
    return path.join('reconcile', stampOf(this.since));
  }

  get manifestFile(): string {
    return path.join(this.settings.dir, this.set, 'listing.json');
  }

  protected get manifestSpec(): StateFileSpec<ReconcileStep> {
    return LISTING_SPEC;
  }

  protected pageQuery(cursor: Cursor) {
    const after = cursor.value === undefined ? undefined : `id:[${JSON.stringify(cursor.value)} TO *]`;
    const fq = after === undefined ? this.settings.query.fq ?? '' : combineFq(this.settings.query.fq, after);
    return { sort: 'id asc', fq, fl: 'id' };
  }

  protected key(line: Record<string, unknown>): string | undefined {
    return typeof line['id'] === 'string' ? line['id'] : undefined;
  }

  protected fileName(index: number): string {
    return `ids_${String(index).padStart(9, '0')}.ndjson`;
  }

  async run(ctx: TaskContext): Promise<void> {
    const pages = await this.crawl(ctx, { value: undefined, skip: 0 });
    const step: ReconcileStep = {
      kind: 'reconcile', dir: this.set,
      listedAt: pages[0]?.meta.fetchedAt ?? new Date(ctx.clock.now()).toISOString(),
      files: pages.map((p) => path.basename(p.task.pageFile)),
      ids: pages.reduce((n, p) => n + p.meta.received, 0),
    };
    ctx.log(`${step.ids} dataset ids listed`);
    await new FileTarget(this.manifestFile).write(JSON.stringify(step, null, 2) + '\n');
  }
}

/**
 * `download-datasets-info --since auto` on top of a complete base crawl: the delta since the last
 * complete crawl (minus the overlap), an id listing when the last one is older than
 * reconcileEveryMs, both appended to increments.json.
 */
export class CkanUpdateTask extends Task<{ site: string; query: string; since: string }> {
  readonly family = 'CkanUpdate';

  constructor(readonly settings: CrawlSettings, readonly base: CkanCrawlTask, readonly baseId: string, readonly since: string) {
    super({ site: settings.site, query: queryKey(settings.query), since });
  }

  get incrementsFile(): string {
    return path.join(this.settings.dir, INCREMENTS_FILE);
  }

  override requires(): Task[] {
    return [this.base];
  }

  outputs(): FileTarget[] {
    return [new FileTarget(this.incrementsFile)];
  }

  async run(ctx: TaskContext): Promise<void> {
    const increments: Increments = readIncrements(this.settings.dir, this.baseId);
    const delta = new CkanDeltaTask(this.settings, this.since);
    await ctx.need([delta]);
    const deltaStep = requireStateFileSync(delta.manifestFile, DELTA_SPEC);
    const steps: Increments['steps'] = [deltaStep];
    const every = this.settings.reconcileEveryMs ?? 7 * 86_400_000;
    if (ctx.clock.now() - Date.parse(lastListing(this.baseId, increments)) >= every) {
      const listing = new CkanListingTask(this.settings, this.since);
      await ctx.need([listing]);
      const listed = requireStateFileSync(listing.manifestFile, LISTING_SPEC);
      const total = deltaStep.total;
      if (listed.ids < total / 2) {
        // A listing cut short (a portal ignoring the id filter, an outage) would mark live datasets deleted.
        ctx.warn(`the id listing of the portal gave ${listed.ids} ids but it reports ${total} datasets: not used to mark deleted datasets (${listing.manifestFile}); the next incremental crawl lists again`);
      } else {
        steps.push(listed);
      }
    }
    const next: Increments = { base: this.baseId, steps: [...increments.steps, ...steps] };
    await new FileTarget(this.incrementsFile).write(JSON.stringify(next, null, 2) + '\n');
  }
}
