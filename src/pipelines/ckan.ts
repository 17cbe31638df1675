/** The CKAN stage of a site: the crawl of its portal into raw pages, then ckan_api.db. */
import type { LoadedConfig, SiteConfig } from '../config/index.js';
import { CreateRawCkanDbTask, InsertDatasetsInfoTask } from './ckan-db.js';
import type { HttpClient } from '../http/index.js';
import { CkanCrawlTask, type CrawlSettings } from '../sources/ckan/tasks.js';
import { ckanClient } from './http-clients.js';
import { siteLayout } from './layout.js';

export interface CkanStageOptions {
  artifactsDir: string;
  /** Defaults to a client built from the config. */
  client?: () => HttpClient;
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
    client: options.client ?? ckanClient(config),
    maxDatasets: config.ckan.maxDatasets,
    overlapMs: config.ckan.overlapMinutes * 60_000,
    reconcileEveryMs: config.ckan.reconcileEveryDays * 86_400_000,
  };
}

export function downloadDatasetsInfo(config: SiteConfig, options: CkanStageOptions): CkanCrawlTask {
  return new CkanCrawlTask(crawlSettings(config, options));
}

/** Families a fresh crawl (--refresh) reruns. */
export const CRAWL_FAMILIES = ['CkanPage', 'CkanCrawl'] as const;

export interface CkanDbTasks {
  crawl: CkanCrawlTask;
  create: CreateRawCkanDbTask;
  insert: InsertDatasetsInfoTask;
}

/** The whole CKAN stage of a site: crawl, empty schema, load and publish. */
export function ckanStage(loaded: LoadedConfig, options: CkanStageOptions): CkanDbTasks {
  const crawl = downloadDatasetsInfo(loaded.config, options);
  const settings = { loaded, artifactsDir: options.artifactsDir };
  const create = new CreateRawCkanDbTask(settings);
  return { crawl, create, insert: new InsertDatasetsInfoTask(settings, crawl, create) };
}
