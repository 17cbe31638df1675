/** run-models: build a group of SQL models into its database, all or nothing, and publish it. */
import path from 'node:path';
import { Flags } from '@oclif/core';
import { parse as parseYaml } from 'yaml';
import { MallardError } from '../src/engine/index.js';
import type { RunSummary } from '../src/engine/index.js';
import { CRAWL_FAMILIES } from '../src/pipelines/ckan.js';
import { GITHUB_FAMILIES } from '../src/pipelines/github-repos.js';
import { SEARCH_FAMILIES } from '../src/pipelines/code-search.js';
import { planModels, type ModelsStageOptions } from '../src/pipelines/models.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { formatBuildPlan, type PlannedBuild } from '../src/sql/index.js';
import { RunCommand } from './run-command.js';

export class RunModels extends RunCommand {
  static override summary = 'Build SQL models (models/<group>/*.sql, or a dbt project in models/<group>/) into their database and publish it.';
  static override description = `Runs the selected models of models/<group>/ in the order of their {{ ref() }}s inside ONE new DuckDB file beside the group's database (artifacts/work/<site>/<database>.db), reading {{ source() }}s from the latest published artifacts of the site (attached read-only), then runs the tests of models/<group>/schema.yml. Only when every model and test passes is the new file renamed over the old one and published as read_only/<site>/<database>_<timestamp>.db; any failure leaves the previous database byte for byte as it was and names the model, its file and line, and DuckDB's message. A build whose tables lost more rows than models.shrinkTolerance (default 10%) since the last published build fails unless --allow-shrink.

Selectors (dbt's): a model name, a group name, +model (with everything upstream), model+ (with everything downstream); several, space- or comma-separated, select the union. Selecting part of a group rebuilds those models on a copy of the previous database.

A folder of the models dir holding dbt_project.yml is a dbt project, built the way dbt-duckdb builds it (seeds, views, tables, ephemeral and incremental models, macros, generic and singular tests) into <group>.db and published as <group>_<timestamp>.db. --vars gives var() values as YAML or JSON, like dbt's; --full-refresh rebuilds incremental models from scratch.

A group whose schema.yml lists \`exports\` (usage does) also writes those tables as CSV and Parquet to read_only/<site>/<database>_<timestamp>/<table>.csv|.parquet (read-only, indexed with row counts and sha256 in exports.json there). --select usage makes the code-search artifacts it reads first when none is published (download-sourcegraph-results, insert-sourcegraph-results, enrich-github-repos).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --select ckan_clean',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --select dataset_search_terms+',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --select +datasets --dry-run',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --select ckan_clean --allow-shrink',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --select usage',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --select jaffle_shop',
    `<%= config.bin %> <%= command.id %> --site data-gov-uk --select jaffle_shop --vars '{start_date: "2024-01-01"}' --full-refresh`,
  ];

  static override flags = {
    select: Flags.string({ char: 's', description: 'Models to build: <model>, <group>, +<model>, <model>+ (space or comma separated).', required: true }),
    'allow-shrink': Flags.boolean({ description: 'Publish even when a table lost more rows than models.shrinkTolerance since the last published build.', default: false }),
    'models-dir': Flags.string({ description: 'Directory of the model groups.', default: './models' }),
    vars: Flags.string({ description: "Values for var() as a YAML or JSON mapping, e.g. '{start_date: 2024-01-01}' (over dbt_project.yml's vars)." }),
    'full-refresh': Flags.boolean({ description: 'Rebuild incremental models from scratch instead of merging new rows (forces the build).', default: false }),
  };

  protected override runtimeFamilies(): readonly string[] {
    return [...CRAWL_FAMILIES, ...SEARCH_FAMILIES, ...GITHUB_FAMILIES];
  }

  async run(): Promise<RunSummary | undefined | { dryRun: true; builds: PlannedBuild[] }> {
    const { flags } = await this.parse(RunModels);
    const loaded = await this.loadConfig(flags);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const modelsDir = path.resolve(flags['models-dir']);
    const extra = { ...(flags.vars === undefined ? {} : { vars: parseVars(flags.vars) }), fullRefresh: flags['full-refresh'] };
    if (flags['full-refresh']) flags.force = [...(flags.force ?? []), 'BuildModels'];
    // Each build requires the artifacts its models read; what is not published yet is made first.
    const pipeline = new SitePipeline(loaded, { artifactsDir, modelsDir, env: process.env });
    const tasks = await pipeline.models(flags.select, flags['allow-shrink'], extra);
    if (flags['dry-run']) {
      const options: ModelsStageOptions = { artifactsDir, modelsDir, selector: flags.select, allowShrink: flags['allow-shrink'], configHash: loaded.hash, ...extra };
      const builds = await planModels(loaded.config, options);
      if (this.jsonEnabled()) return { dryRun: true, builds };
      // What would run and why (like every command's --dry-run), then the SQL of each build.
      await this.execute(tasks, flags, loaded);
      this.log(builds.map(formatBuildPlan).join('\n\n'));
      return { dryRun: true, builds };
    }
    return this.runMaybeSharded(tasks, flags, loaded, () => pipeline);
  }
}

/** `--vars '{a: 1}'`: a YAML (or JSON) mapping; anything else is a usage error. */
function parseVars(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new MallardError('ERR_USAGE', `--vars is not valid YAML: ${(err as Error).message.split('\n')[0]}`, { suggestions: ["give a mapping, e.g. --vars '{start_date: 2024-01-01, limit: 10}'"] });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MallardError('ERR_USAGE', `--vars must be a mapping of names to values, got '${text}'`, { suggestions: ["e.g. --vars '{start_date: 2024-01-01}'"] });
  }
  return value as Record<string, unknown>;
}
