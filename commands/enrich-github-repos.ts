/** enrich-github-repos: GitHub metadata of every repository the code search found, into github_api.db. */
import { Flags } from '@oclif/core';
import type { RunSummary } from '../src/engine/index.js';
import { CRAWL_FAMILIES } from '../src/pipelines/ckan.js';
import { SEARCH_FAMILIES } from '../src/pipelines/code-search.js';
import { GITHUB_FAMILIES } from '../src/pipelines/github-repos.js';
import { SitePipeline } from '../src/pipelines/site-pipeline.js';
import { MODELS_DIR_FLAG } from './download-sourcegraph-results.js';
import { RunCommand } from './run-command.js';

export class EnrichGithubRepos extends RunCommand {
  static override summary = 'Fetch GitHub metadata of every repository found by the code search into github_api.db and publish it.';
  static override description = `For each distinct github.com repository in the latest published sourcegraph_api of the site (made first when none is published), fetches GET /repos/{owner}/{repo} (config github.url) with octokit's throttling and retry plugins: stars, forks, language, license SPDX id, topics, archived, fork, created/pushed dates, default branch and the numeric id. Each answer is kept as artifacts/raw/<site>/github/<owner>__<name>.json; renamed repositories (301) are followed and recorded as renamed, removed ones (404/410/451) as gone. Rate-limit headers are honoured; the token comes from the environment variable named by github.tokenEnv (60 requests an hour without one). Then every record is bulk-loaded (in chunks under duckdb.memoryLimit) into artifacts/work/<site>/github_api.db (table repos), published read-only as github_api_<timestamp>.db with a manifest. A rerun asks only about repositories without a record or last asked longer ago than github.maxAge (default 30d), with If-None-Match, so unchanged repositories answer 304 and cost no quota; --refresh asks about every one again the same way.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --site data-gov-uk',
    'GITHUB_TOKEN=... <%= config.bin %> <%= command.id %> --site data-gov-uk --refresh',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --dry-run',
  ];

  static override flags = {
    refresh: Flags.boolean({ description: 'Ask GitHub about every repository again (conditional requests: unchanged ones cost no quota).', default: false }),
    'models-dir': MODELS_DIR_FLAG,
  };

  protected override runtimeFamilies(): readonly string[] {
    return [...GITHUB_FAMILIES, ...SEARCH_FAMILIES, ...CRAWL_FAMILIES];
  }

  async run(): Promise<RunSummary | undefined> {
    const { flags } = await this.parse(EnrichGithubRepos);
    const loaded = await this.loadConfig(flags);
    const pipeline = (shards?: number) => new SitePipeline(loaded, { artifactsDir: this.artifactsDir(flags['artifacts-dir']), modelsDir: flags['models-dir'], env: process.env, ...(shards === undefined ? {} : { shards }) });
    const { insert } = await pipeline().github();
    const force = flags.refresh ? [...(flags.force ?? []), ...GITHUB_FAMILIES] : flags.force;
    return this.runMaybeSharded([insert], { ...flags, ...(force === undefined ? {} : { force }) }, loaded, pipeline);
  }
}
