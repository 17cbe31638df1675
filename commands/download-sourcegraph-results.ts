/** download-sourcegraph-results: Sourcegraph searches of every dataset search term (many exact terms per request), as raw JSON files. */
import { Flags } from '@oclif/core';
import type { RunSummary } from '../src/engine/index.js';
import { CRAWL_FAMILIES } from '../src/pipelines/ckan.js';
import { SEARCH_FAMILIES } from '../src/pipelines/code-search.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { RunCommand } from './run-command.js';

export const MODELS_DIR_FLAG = Flags.string({ description: 'Directory of the model groups (ckan_clean is built from it when clean_ckan_api is not published yet).', default: './models' });

export class DownloadSourcegraphResults extends RunCommand {
  static override summary = 'Search Sourcegraph for every dataset search term and keep each result as raw JSON.';
  static override description = `Reads dataset_search_terms from the latest published clean_ckan_api of the site (building it first, and ckan_api before it, when none is published), then searches the Sourcegraph streaming API (config sourcegraph.url) for every distinct term, exhaustively (count:all; forks and archived repositories per sourcegraph.includeForks / includeArchived), with as few requests as the answer allows: up to sourcegraph.termsPerQuery exact terms joined with OR in one query (at most sourcegraph.maxQueryLength characters), each match attributed to the terms its line or path contains. A request that hit a limit, skipped shards, raised an alert or was refused is split until complete, down to one term alone; non-ASCII and multi-line terms are always searched alone. The matches are those one exact search per term would find. Each result is written atomically to artifacts/raw/<site>/sourcegraph/ only when its stream ended with "done", and searches.json records which request covered which term; 429, 5xx, timeouts and cut streams are retried with backoff. Concurrency and rate come from sourcegraph.concurrency / requestsPerSecond, the token from the environment variable named by sourcegraph.tokenEnv (anonymous without). A rerun searches only new terms and terms whose result is older than sourcegraph.maxAge (default 30d), and resumes an interrupted download where it stopped; --refresh searches every term again.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --refresh',
  ];

  static override flags = {
    refresh: Flags.boolean({ description: 'Search every term again (results may have changed).', default: false }),
    'models-dir': MODELS_DIR_FLAG,
  };

  protected override runtimeFamilies(): readonly string[] {
    return [...SEARCH_FAMILIES, ...CRAWL_FAMILIES];
  }

  async run(): Promise<RunSummary | undefined> {
    const { flags } = await this.parse(DownloadSourcegraphResults);
    const loaded = await this.loadConfig(flags);
    const pipeline = (shards?: number) => new SitePipeline(loaded, { artifactsDir: this.artifactsDir(flags['artifacts-dir']), modelsDir: flags['models-dir'], env: process.env, refresh: flags.refresh, ...(shards === undefined ? {} : { shards }) });
    const { searches } = await pipeline().codeSearch();
    const force = flags.refresh ? [...(flags.force ?? []), ...SEARCH_FAMILIES] : flags.force;
    return this.runMaybeSharded([searches], { ...flags, ...(force === undefined ? {} : { force }) }, loaded, pipeline);
  }
}
