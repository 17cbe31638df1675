/**
 * The database half of the CKAN stage. create-raw-ckan-db-tables: work/<site>/ckan_api.db
 * with the raw schema, empty. insert-datasets-info: every page of the crawl bulk-loaded into
 * a new ckan_api.db that replaces the old one in one rename, then published read-only with a
 * manifest; its own output is the load report work/<site>/ckan_api.load.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { FileTarget, NO_RETRY, Task, type CompletionCheck, type RetryPolicy, type TaskContext, type Verdict } from '../engine/index.js';
import { buildCkanApiDatabase, buildEmptyCkanApiDatabase, type CkanLoadSummary } from '../sources/ckan/db/index.js';
import { readManifestIfAny, type CkanCrawlTask } from '../sources/ckan/tasks.js';
import { siteLayout } from './layout.js';
import { LoadStageTask, type StageLoad } from './load-stage-task.js';

/** Bump when the raw schema changes: databases made with another version are rebuilt. */
const RAW_SCHEMA_VERSION = '1';

export interface CkanDbSettings {
  loaded: LoadedConfig;
  artifactsDir: string;
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
    return [this.crawl, this.create];
  }

  protected async load(ctx: TaskContext): Promise<StageLoad<CkanLoadSummary>> {
    // The crawl's first output is crawl.json; its pages sit beside it.
    const manifestFile = (this.input()[0]?.[0] as FileTarget).path;
    const crawl = readManifestIfAny(manifestFile);
    if (crawl === undefined) throw new Error(`the crawl manifest ${manifestFile} is missing or unreadable`);
    const pages = crawl.pages.map((p) => path.join(path.dirname(manifestFile), p.file));
    ctx.log(`loading ${pages.length} pages into ${this.databaseFile}`);
    const load = await buildCkanApiDatabase(this.databaseFile, pages);
    if (load.datasets < crawl.count) {
      ctx.warn(`${load.datasets} distinct datasets loaded but the portal reported ${crawl.count}: ${crawl.count - load.datasets} missing (${load.duplicates} duplicates across pages were dropped)`);
    }
    return { load, artifacts: [], rawFiles: pages, extra: { reported: crawl.count } };
  }
}
