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
import { NO_RETRY, Task, type RetryPolicy, type Target, type TaskContext } from '../engine/index.js';
import { buildCkanApiDatabase, buildEmptyCkanApiDatabase, type CkanLoadSummary } from '../sources/ckan/db/index.js';
import { readManifestIfAny, type CkanCrawlTask } from '../sources/ckan/tasks.js';
import { siteLayout } from './layout.js';
import { LoadStageTask, type StageLoad } from './load-stage-task.js';

/** Bump when the raw schema changes: databases made with another version are rebuilt. */
const RAW_SCHEMA_VERSION = '1';

/**
 * A database whose task guarantees its schema, not its rows: later loads replace the file
 * (new data), yet the schema task stays complete. Its stamp is the schema version.
 */
class SchemaTarget implements Target {
  constructor(readonly path: string, readonly version: string) {}
  get description(): string {
    return this.path;
  }
  async exists(): Promise<boolean> {
    return fs.existsSync(this.path);
  }
  async stamp(): Promise<string | undefined> {
    return fs.existsSync(this.path) ? `schema v${this.version}` : undefined;
  }
}

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

  outputs(): Target[] {
    return [new SchemaTarget(ckanApiDbPath(this.settings), RAW_SCHEMA_VERSION)];
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

  constructor(readonly settings: CkanDbSettings, readonly crawl: CkanCrawlTask, readonly create: CreateRawCkanDbTask) {
    super(settings.loaded.config.site, settings.artifactsDir, settings.loaded.hash);
  }

  override requires(): Task[] {
    return [this.crawl, this.create];
  }

  protected async load(ctx: TaskContext): Promise<StageLoad<CkanLoadSummary>> {
    const crawl = readManifestIfAny(this.crawl.manifestFile);
    if (crawl === undefined) throw new Error(`the crawl manifest ${this.crawl.manifestFile} is missing or unreadable`);
    const pages = crawl.pages.map((p) => path.join(this.crawl.settings.dir, p.file));
    ctx.log(`loading ${pages.length} pages into ${this.databaseFile}`);
    const load = await buildCkanApiDatabase(this.databaseFile, pages, { settings: memorySettings(this.settings.loaded.config.duckdb.memoryLimit) });
    if (load.datasets < crawl.count) {
      ctx.warn(`${load.datasets} distinct datasets loaded but the portal reported ${crawl.count}: ${crawl.count - load.datasets} missing (${load.duplicates} duplicates across pages were dropped)`);
    }
    return { load, artifacts: [], rawFiles: pages, extra: { reported: crawl.count } };
  }
}
