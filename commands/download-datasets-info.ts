/** download-datasets-info: crawl a CKAN portal's package_search into raw page files. */
import { Flags } from '@oclif/core';
import type { RunSummary } from '../src/engine/index.js';
import { CRAWL_FAMILIES, downloadDatasetsInfo } from '../src/pipelines/ckan.js';
import { RunCommand } from './run-command.js';

export class DownloadDatasetsInfo extends RunCommand {
  static override summary = "Download a CKAN portal's dataset metadata (package_search) as raw JSON pages.";
  static override description = `Fetches every page of the portal's package_search into artifacts/raw/<site>/ckan/ (one NDJSON file per page, written atomically, plus crawl.json). The first page tells how many datasets there are and how many rows the portal really returns per page; the other pages are then fetched in parallel (--workers, and the config's ckan.concurrency / ckan.requestsPerSecond per host), with retries on network errors, 429 and 5xx. A rerun fetches only missing pages, so an interrupted crawl resumes; --refresh crawls again from scratch. A crawl that got fewer datasets than the portal reported ends with a warning.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --workers 8',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --refresh',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run',
  ];

  static override flags = {
    refresh: Flags.boolean({ description: 'Fetch every page again (the portal changed since the last crawl).', default: false }),
  };

  protected override runtimeFamilies(): readonly string[] {
    return CRAWL_FAMILIES;
  }

  async run(): Promise<RunSummary> {
    const { flags } = await this.parse(DownloadDatasetsInfo);
    const loaded = await this.loadConfig(flags);
    const task = downloadDatasetsInfo(loaded.config, { artifactsDir: this.artifactsDir(flags['artifacts-dir']) });
    const force = flags.refresh ? [...(flags.force ?? []), ...CRAWL_FAMILIES] : flags.force;
    return this.execute([task], { ...flags, ...(force === undefined ? {} : { force }) }, loaded);
  }
}
