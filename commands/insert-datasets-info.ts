/** insert-datasets-info: load the crawled pages into ckan_api.db and publish it read-only. */
import type { RunSummary } from '../src/engine/index.js';
import { CRAWL_RUNTIME_FAMILIES } from '../src/pipelines/ckan.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { RunCommand } from './run-command.js';

export class InsertDatasetsInfo extends RunCommand {
  static override summary = 'Load the downloaded pages into ckan_api.db and publish a read-only copy.';
  static override description = `Bulk-loads every page of the crawl (DuckDB's read_json over the page files, deduplicated by dataset id: the latest metadata_modified wins) into a new artifacts/work/<site>/ckan_api.db, which replaces the old one in one rename, then publishes artifacts/read_only/<site>/ckan_api_<YYYYMMDDTHHmmssZ>.db (mode 0444) with a manifest. Downloads whatever pages are missing first, as any target does. A load with fewer distinct datasets than the portal reported ends with a warning.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --force InsertDatasetsInfo',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run',
  ];

  protected override runtimeFamilies(): readonly string[] {
    return CRAWL_RUNTIME_FAMILIES;
  }

  async run(): Promise<RunSummary | undefined> {
    const { flags } = await this.parse(InsertDatasetsInfo);
    const loaded = await this.loadConfig(flags);
    const pipeline = () => new SitePipeline(loaded, { artifactsDir: this.artifactsDir(flags['artifacts-dir']) });
    return this.runMaybeSharded([pipeline().ckan().insert], flags, loaded, pipeline);
  }
}
