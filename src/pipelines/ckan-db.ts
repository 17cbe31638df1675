/**
 * The database half of the CKAN stage. create-raw-ckan-db-tables: work/<site>/ckan_api.db
 * with the raw schema, empty. insert-datasets-info: every page of the crawl bulk-loaded into
 * a new ckan_api.db that replaces the old one in one rename, then published read-only with a
 * manifest; its own output is the load report work/<site>/ckan_api.load.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { memorySettings } from '../duckdb/index.js';
import { FileTarget, NO_RETRY, Task, type CompletionCheck, type RetryPolicy, type TaskContext, type Verdict } from '../engine/index.js';
import { buildCkanApiDatabase, buildCkanApiDatabaseIncrementally, buildEmptyCkanApiDatabase, type CkanLoadSummary, type IncrementalCkanLoad } from '../sources/ckan/db/index.js';
import { CkanIncrementsInput } from '../sources/ckan/increments-input.js';
import { baseId, loadPlan, readIncrements } from '../sources/ckan/increments.js';
import { readManifestIfAny, type CkanCrawlTask } from '../sources/ckan/tasks.js';
import { loadedInputs, previousCkanApi, withPageDigests } from './ckan-db-previous.js';
import { siteLayout } from './layout.js';
import { LoadStageTask, type StageLoad } from './load-stage-task.js';

/** Bump when the raw schema changes: databases made with another version are rebuilt. */
const RAW_SCHEMA_VERSION = '2';

export interface CkanDbSettings {
  loaded: LoadedConfig;
  artifactsDir: string;
  /** Load every page again instead of merging the new ones into the previous ckan_api (--full-refresh, --force InsertDatasetsInfo). */
  fullRebuild?: boolean;
}

export function ckanApiDbPath(settings: CkanDbSettings): string {
  return path.join(siteLayout(settings.artifactsDir, settings.loaded.config.site).work, 'ckan_api.db');
}

export class CreateRawCkanDbTask extends Task<{ site: string }> {
  readonly family = 'CreateRawCkanDb';
  override readonly version = RAW_SCHEMA_VERSION;

  constructor(readonly settings: CkanDbSettings) {
    super({ site: settings.loaded.config.site });
  }

  outputs(): FileTarget[] {
    return [new FileTarget(ckanApiDbPath(this.settings))];
  }

  /**
   * It guarantees the schema, not the rows: insert-datasets-info replaces the file with a
   * loaded one later, which must not make this task (nor the insert after it) run again.
   * Complete while the database exists and a run of this schema version made it.
   */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    const file = ckanApiDbPath(this.settings);
    if (!fs.existsSync(file)) return { complete: false, reason: `missing output ${file}` };
    const receipt = check.receipt();
    if (receipt === undefined) return { complete: false, reason: 'no receipt: the database exists but no successful run of this task recorded it' };
    if (receipt.version !== this.version) return { complete: false, reason: `task version changed (${receipt.version} -> ${this.version})` };
    return { complete: true };
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(): Promise<void> {
    await buildEmptyCkanApiDatabase(ckanApiDbPath(this.settings));
  }
}

/** Its load report also says how many datasets the portal reported when crawled (`reported`). */
export class InsertDatasetsInfoTask extends LoadStageTask<CkanLoadSummary> {
  readonly family = 'InsertDatasetsInfo';
  override readonly version = RAW_SCHEMA_VERSION;
  protected readonly artifactName = 'ckan_api';

  constructor(readonly settings: CkanDbSettings, private readonly crawl: CkanCrawlTask, private readonly create: CreateRawCkanDbTask) {
    super(settings.loaded.config.site, settings.artifactsDir, settings.loaded.hash);
  }

  override requires(): Task[] {
    return [this.crawl, this.create, new CkanIncrementsInput(this.params.site, siteLayout(this.settings.artifactsDir, this.params.site).rawCkan)];
  }

  protected async load(ctx: TaskContext): Promise<StageLoad<CkanLoadSummary>> {
    // The crawl's first output is crawl.json; its pages (and the increments) sit beside it.
    const manifestFile = (this.input()[0]?.[0] as FileTarget).path;
    const dir = path.dirname(manifestFile);
    const crawl = readManifestIfAny(manifestFile);
    if (crawl === undefined) throw new Error(`the crawl manifest ${manifestFile} is missing or unreadable`);
    const base = baseId(dir, crawl);
    const plan = loadPlan(dir, crawl, readIncrements(dir, base));
    const listings = plan.reconciles.map((r) => ({ files: r.files, listedAt: new Date(r.listedAt), afterPages: r.afterPages }));
    const options = { relativeTo: this.settings.artifactsDir, listings, settings: memorySettings(this.settings.loaded.config.duckdb.memoryLimit) };
    const inputs = loadedInputs(this.settings.artifactsDir, RAW_SCHEMA_VERSION, base, plan, 0);
    const decision = this.settings.fullRebuild === true
      ? { previous: undefined, reason: 'a full rebuild was asked for (--full-refresh or --force)' }
      : await previousCkanApi(this.settings.artifactsDir, this.params.site, inputs);
    let load: CkanLoadSummary;
    let incremental: IncrementalCkanLoad | undefined;
    let fullBecause = '';
    if (decision.previous === undefined) {
      fullBecause = decision.reason;
      ctx.log(`loading ${plan.pages.length} pages into ${this.databaseFile} (full: ${decision.reason})`);
      load = await buildCkanApiDatabase(this.databaseFile, plan.pages, options);
    } else {
      const { previous } = decision;
      ctx.log(`loading ${plan.pages.length - previous.pages} new pages and ${listings.length - previous.listings} new listings into a copy of ${decision.from}`);
      ({ summary: load, incremental } = await buildCkanApiDatabaseIncrementally(this.databaseFile, previous, plan.pages, options));
      incremental = { ...incremental, from: decision.from };
    }
    const reported = plan.total ?? crawl.count;
    warnAboutLoad(ctx, load, reported);
    const rawFiles = [...plan.pages, ...plan.reconciles.flatMap((r) => r.files)];
    const how = incremental === undefined ? { incremental: false, fullBecause } : { incremental };
    const loaded = { ...(await withPageDigests(this.settings.artifactsDir, inputs)), invalid: load.invalid };
    // A full load deletes nothing; an incremental one keeps replaced versions as deleted rows (ckan-db-previous.ts).
    const deadRows = incremental?.deadRows ?? 0;
    return { load, artifacts: [], rawFiles, extra: { reported, ...how }, build: { coerced: load.coerced, deleted: load.deleted, reported, ...how, loaded, deadRows } };
  }
}

function warnAboutLoad(ctx: TaskContext, load: CkanLoadSummary, reported: number): void {
  const alive = load.datasets - load.deleted;
  if (alive !== reported) {
    const diff = reported - alive;
    ctx.warn(`${alive} datasets loaded (not deleted) but the portal reports ${reported}: ${Math.abs(diff)} ${diff > 0 ? 'missing' : 'more than reported'} (${load.duplicates} duplicates across pages were dropped${load.deleted > 0 ? `, ${load.deleted} marked deleted` : ''}); rerun download-datasets-info with --refresh to crawl everything again`);
  }
  const c = load.coerced;
  if (c.timestamps + c.nonObjectItems + c.nonListValues > 0) {
    const fields = Object.entries(c.byField).map(([f, n]) => `${f}: ${n}`).join(', ');
    ctx.warn(`the portal's data did not fit in places, stored as NULL or empty rows (raw keeps the original): ${c.timestamps} unparseable timestamps, ${c.nonObjectItems} list items that are not objects, ${c.nonListValues} values that should be lists or objects (${fields})`);
  }
}
