/** insert-datasets-info: load the crawled pages into ckan_api.db and publish it read-only. */
import { Flags } from '@oclif/core';
import type { RunSummary } from '../src/engine/index.js';
import { CRAWL_RUNTIME_FAMILIES } from '../src/pipelines/ckan.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { RunCommand } from './run-command.js';

export class InsertDatasetsInfo extends RunCommand {
  static override summary = 'Load the downloaded pages into ckan_api.db and publish a read-only copy.';
  static override description = `Bulk-loads every page of the crawl (DuckDB's read_json over the page files, deduplicated by dataset id: the latest metadata_modified wins) into a new artifacts/work/<site>/ckan_api.db, which replaces the old one in one rename, then publishes artifacts/read_only/<site>/ckan_api_<YYYYMMDDTHHmmssZ>.db (mode 0444) with a manifest. Downloads whatever pages are missing first, as any target does. A load with fewer distinct datasets than the portal reported ends with a warning.

Incremental: when the latest published ckan_api loaded the first of the same page files (same base crawl, each page unchanged) and still matches its manifest, the new database is a copy of it with only the new pages (deltas of download-datasets-info --since auto) and id listings merged in; the tables are the same as a full load's. --full-refresh (or --force InsertDatasetsInfo) loads every page again. The load report and the manifest say which it was (\`incremental\`, or \`fullBecause\`).`;

  static override flags = {
    'full-refresh': Flags.boolean({ description: 'Load every page again instead of merging the new pages into the previous ckan_api (forces the load).', default: false }),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --full-refresh',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run',
  ];

  protected override runtimeFamilies(): readonly string[] {
    return CRAWL_RUNTIME_FAMILIES;
  }

  async run(): Promise<RunSummary | undefined> {
    const { flags } = await this.parse(InsertDatasetsInfo);
    const loaded = await this.loadConfig(flags);
    const forced = (flags.force ?? []).some((f) => f === 'InsertDatasetsInfo' || f.startsWith('InsertDatasetsInfo('));
    if (flags['full-refresh'] && !forced) flags.force = [...(flags.force ?? []), 'InsertDatasetsInfo'];
    const ckanFullRebuild = flags['full-refresh'] || forced;
    const pipeline = () => new SitePipeline(loaded, { artifactsDir: this.artifactsDir(flags['artifacts-dir']), ckanFullRebuild });
    return this.runMaybeSharded([pipeline().ckan().insert], flags, loaded, pipeline);
  }
}
