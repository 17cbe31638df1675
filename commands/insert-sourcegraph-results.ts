/** insert-sourcegraph-results: load the search results into sourcegraph_api.db and publish it read-only. */
import { Flags } from '@oclif/core';
import type { RunSummary } from '../src/engine/index.js';
import { CRAWL_FAMILIES } from '../src/pipelines/ckan.js';
import { SEARCH_FAMILIES } from '../src/pipelines/code-search.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { MODELS_DIR_FLAG } from './download-sourcegraph-results.js';
import { RunCommand } from './run-command.js';

export class InsertSourcegraphResults extends RunCommand {
  static override summary = 'Load the Sourcegraph results into sourcegraph_api.db and publish a read-only copy.';
  static override description = `Bulk-loads the result files of the last download (DuckDB read_json in chunks sized to duckdb.memoryLimit, so any number of files loads in bounded memory) into a new artifacts/work/<site>/sourcegraph_api.db with two tables: searches (term, dataset_id, request (the result file that covered the term), request_terms, match_count, complete, limit_hit, skipped_reasons, searched_at, ...) and matches (term, dataset_id, type, repository, path, commit, line_number, preview, repo_stars, ...). When the latest published sourcegraph_api was built with the same schema and still matches its manifest, the new file starts from a copy of it and only the terms whose covering request, its search time or its datasets changed are loaded again (terms gone are removed), which gives the same tables as a full build; --full-refresh builds from every result file. The new file replaces the old one in one rename and is published as artifacts/read_only/<site>/sourcegraph_api_<YYYYMMDDTHHmmssZ>.db (mode 0444) with a manifest whose lineage names the result files and the clean_ckan_api artifact. Searches whatever terms are missing first, as any target does.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --force InsertSourcegraphResults',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --full-refresh',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run',
  ];

  static override flags = {
    'models-dir': MODELS_DIR_FLAG,
    'full-refresh': Flags.boolean({ description: 'Build sourcegraph_api from every result file instead of updating the previous build (forces the load).', default: false }),
  };

  protected override runtimeFamilies(): readonly string[] {
    return [...SEARCH_FAMILIES, ...CRAWL_FAMILIES];
  }

  async run(): Promise<RunSummary | undefined> {
    const { flags } = await this.parse(InsertSourcegraphResults);
    const loaded = await this.loadConfig(flags);
    const fullRefresh = flags['full-refresh'];
    const pipeline = () => new SitePipeline(loaded, { artifactsDir: this.artifactsDir(flags['artifacts-dir']), modelsDir: flags['models-dir'], env: process.env, fullRefresh });
    const { insert } = await pipeline().codeSearch();
    const force = fullRefresh ? [...(flags.force ?? []), insert.family] : flags.force;
    return this.runMaybeSharded([insert], { ...flags, ...(force === undefined ? {} : { force }) }, loaded, pipeline);
  }
}
