/** The CKAN stage of a site: the crawl of its portal into raw pages, then ckan_api.db. */
import type { LoadedConfig, SiteConfig } from '../config/index.js';
import { CreateRawCkanDbTask, InsertDatasetsInfoTask } from './ckan-db.js';
import type { HttpClient } from '../http/index.js';
import { CkanUpdateTask } from '../sources/ckan/incremental.js';
import { baseId, nextSince, readIncrements } from '../sources/ckan/increments.js';
import { CkanCrawlTask, readManifestIfAny, type CrawlSettings } from '../sources/ckan/tasks.js';
import { ckanClient } from './http-clients.js';
import { siteLayout } from './layout.js';

export interface CkanStageOptions {
  artifactsDir: string;
  /** Defaults to a client built from the config. */
  client?: () => HttpClient;
  /** 'auto': fetch only what changed since the last complete crawl; 'full': the whole crawl; default: ckan.incremental. */
  since?: 'auto' | 'full';
  /** Overrides ckan.reconcileEveryDays (ms). */
  reconcileEveryMs?: number;
  /** insert-datasets-info loads every page again instead of merging the new ones into the previous ckan_api. */
  fullRebuild?: boolean;
  /** A shard of N (docs/scale-out.md §4): the client built from the config gets 1/N of the per-host budget. */
  shards?: number;
}

export function crawlSettings(config: SiteConfig, options: CkanStageOptions): CrawlSettings {
  return {
    site: config.site,
    dir: siteLayout(options.artifactsDir, config.site).rawCkan,
    query: {
      baseUrl: config.ckan.url,
      rows: config.ckan.rows,
      sort: config.ckan.sort,
      q: config.ckan.q,
      ...(config.ckan.fq === undefined ? {} : { fq: config.ckan.fq }),
    },
    client: options.client ?? ckanClient(config, options.shards),
    maxDatasets: config.ckan.maxDatasets,
    overlapMs: config.ckan.overlapMinutes * 60_000,
    reconcileEveryMs: options.reconcileEveryMs ?? config.ckan.reconcileEveryDays * 86_400_000,
  };
}

/**
 * The crawl task: the full crawl, or (--since auto, or ckan.incremental) once a full crawl is
 * complete, an update fetching what changed since the last complete crawl.
 */
export function downloadDatasetsInfo(config: SiteConfig, options: CkanStageOptions): CkanCrawlTask | CkanUpdateTask {
  const settings = crawlSettings(config, options);
  const base = new CkanCrawlTask(settings);
  const incremental = options.since === 'auto' || (options.since === undefined && config.ckan.incremental);
  const manifest = incremental ? readManifestIfAny(base.manifestFile) : undefined;
  if (manifest === undefined) return base;
  const id = baseId(settings.dir, manifest);
  return new CkanUpdateTask(settings, base, id, nextSince(id, readIncrements(settings.dir, id), settings.overlapMs ?? 3_600_000));
}

/** Families a fresh crawl (--refresh) reruns. */
export const CRAWL_FAMILIES = ['CkanPage', 'CkanCrawl'] as const;
/** Families found only at run time (accepted by --force). */
export const CRAWL_RUNTIME_FAMILIES: readonly string[] = [...CRAWL_FAMILIES, 'CkanDelta', 'CkanListing'];



export interface CkanDbTasks {
  crawl: CkanCrawlTask;
  create: CreateRawCkanDbTask;
  insert: InsertDatasetsInfoTask;
}

/** The whole CKAN stage of a site: crawl, empty schema, load and publish. */
export function ckanStage(loaded: LoadedConfig, options: CkanStageOptions): CkanDbTasks {
  const crawl = new CkanCrawlTask(crawlSettings(loaded.config, options));
  const settings = { loaded, artifactsDir: options.artifactsDir, ...(options.fullRebuild === true ? { fullRebuild: true } : {}) };
  const create = new CreateRawCkanDbTask(settings);
  return { crawl, create, insert: new InsertDatasetsInfoTask(settings, crawl, create) };
}
