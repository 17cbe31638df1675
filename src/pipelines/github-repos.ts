/**
 * The GitHub half of the code-search stage (enrich-github-repos): every distinct github.com
 * repository in the latest sourcegraph_api → one GithubRepoTask each, asked for at run time by
 * GithubReposTask (which writes raw/<site>/github/repos.json), then InsertGithubReposTask
 * loads the record files into work/<site>/github_api.db and publishes it.
 */
import path from 'node:path';
import { resolveToken, type LoadedConfig, type SiteConfig } from '../config/index.js';
import { openDatabase } from '../duckdb/index.js';
import { FileTarget, NO_RETRY, shareOfConcurrency, Task, type CompletionCheck, type RetryPolicy, type TaskContext, type Verdict } from '../engine/index.js';
import {
  buildGithubApiDatabase,
  createGithubClient,
  GithubRepoTask,
  isValidRepoName,
  readRepoRecord,
  recordsNotBefore,
  repoFileName,
  type GithubClient,
  type GithubLoadSummary,
  type GithubSettings,
  type RepoName,
} from '../sources/github/index.js';
import { parseDuration } from '../store/index.js';
import type { CodeSearchOptions } from './code-search.js';
import { siteLayout } from './layout.js';
import { LoadStageTask, type LoadReport, type StageLoad } from './load-stage-task.js';
import { inputArtifact, type ArtifactPublishedTask } from './published-artifact.js';
import { readReposManifest, requireReposManifest, type ReposManifest } from './stage-manifests.js';
import { vouchedUnlessStale } from './stale-outputs.js';

export interface GithubStageOptions extends CodeSearchOptions {
  githubClient?: () => GithubClient;
  /** A shard of N (docs/scale-out.md §4): clients built from the config get 1/N of each per-host budget. */
  shards?: number;
}

export function githubSettings(config: SiteConfig, options: GithubStageOptions): GithubSettings {
  const token = resolveToken(config, 'github', options.env ?? {});
  let client: GithubClient | undefined;
  const make = (): GithubClient =>
    createGithubClient({
      baseUrl: config.github.url,
      concurrency: shareOfConcurrency(config.github.concurrency, options.shards ?? 1),
      retries: config.http.retries,
      ...(token === undefined ? {} : { token }),
      ...(config.http.userAgent === undefined ? {} : { userAgent: config.http.userAgent }),
    });
  return {
    site: config.site,
    dir: siteLayout(options.artifactsDir, config.site).rawGithub,
    maxAgeMs: parseDuration(config.github.maxAge, 'github.maxAge'),
    client: options.githubClient ?? (() => (client ??= make())),
  };
}

/** Why the records listed in repos.json are too old to count (github.maxAge), if they are. */
function staleRecords(manifestFile: string, settings: GithubSettings): string | undefined {
  const notBefore = recordsNotBefore(settings);
  const oldest = readReposManifest(manifestFile)?.oldestCheckedAt;
  const fresh = notBefore === undefined || oldest === undefined || Date.parse(oldest) >= notBefore;
  return fresh ? undefined : `GitHub records checked before ${new Date(notBefore).toISOString()} (github.maxAge)`;
}

/** Distinct github.com/<owner>/<name> of a sourcegraph_api file, lowercase, split into valid names and the rest. */
export async function readGithubRepositories(sourcegraphDb: string): Promise<{ repos: RepoName[]; invalid: string[] }> {
  const db = await openDatabase(sourcegraphDb, { readOnly: true });
  try {
    const rows = await db.all(`SELECT DISTINCT lower(repository) AS r FROM matches WHERE lower(repository) LIKE 'github.com/%' ORDER BY 1`);
    const repos: RepoName[] = [];
    const invalid: string[] = [];
    for (const row of rows) {
      const parts = String(row['r']).split('/');
      const repo = { owner: parts[1] ?? '', name: parts[2] ?? '' };
      if (parts.length === 3 && isValidRepoName(repo)) repos.push(repo);
      else invalid.push(String(row['r']));
    }
    return { repos, invalid };
  } finally {
    await db.close();
  }
}

export class GithubReposTask extends Task<{ site: string }> {
  readonly family = 'GithubRepos';

  /** `sourcegraph`: the published sourcegraph_api it reads the repositories of (a newer one makes it run again). */
  constructor(readonly settings: GithubSettings, readonly artifactsDir: string, private readonly sourcegraph: ArtifactPublishedTask) {
    super({ site: settings.site });
  }

  get manifestFile(): string {
    return path.join(this.settings.dir, 'repos.json');
  }

  override requires(): readonly Task[] {
    return [this.sourcegraph];
  }

  /** repos.json first, then every record file it lists. */
  outputs(): FileTarget[] {
    const manifest = readReposManifest(this.manifestFile);
    const files = manifest?.repos.map((r) => new FileTarget(path.join(this.settings.dir, r.file))) ?? [];
    return [new FileTarget(this.manifestFile), ...files];
  }

  /** Complete when vouched and every record was checked within github.maxAge. */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    return vouchedUnlessStale(check, () => staleRecords(this.manifestFile, this.settings));
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const source = await inputArtifact(this.input(), 'sourcegraph_api');
    const { repos, invalid } = await readGithubRepositories(source);
    if (invalid.length > 0) ctx.warn(`${invalid.length} github.com repository names are not owner/name and were skipped: ${invalid.slice(0, 3).join(', ')}`);
    ctx.log(`${repos.length} GitHub repositories in ${path.basename(source)}`);
    await ctx.need(repos.map((r) => new GithubRepoTask(this.settings, `${r.owner}/${r.name}`)));
    const manifest: ReposManifest = {
      site: this.params.site,
      source: path.relative(this.artifactsDir, source).split(path.sep).join('/'),
      repos: repos.map((r) => ({ repository: `github.com/${r.owner}/${r.name}`, file: repoFileName(r) })),
      invalid,
    };
    const checked = manifest.repos.map((r) => readRepoRecord(path.join(this.settings.dir, r.file))?.checkedAt ?? '').filter((t) => t !== '').sort();
    if (checked[0] !== undefined) manifest.oldestCheckedAt = checked[0];
    await new FileTarget(this.manifestFile).write(JSON.stringify(manifest, null, 1) + '\n');
  }
}

export type GithubLoadReport = LoadReport<GithubLoadSummary>;

export class InsertGithubReposTask extends LoadStageTask<GithubLoadSummary> {
  readonly family = 'InsertGithubRepos';
  protected readonly artifactName = 'github_api';

  constructor(private readonly repos: GithubReposTask, configHash?: string, private readonly memoryLimit?: string) {
    super(repos.params.site, repos.artifactsDir, configHash);
  }

  override requires(): readonly Task[] {
    return [this.repos];
  }

  /** Complete when vouched and no record is stale: a stale one makes the load (and the enrichment) run again. */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    return vouchedUnlessStale(check, () => staleRecords(this.repos.manifestFile, this.repos.settings));
  }

  protected async load(ctx: TaskContext): Promise<StageLoad<GithubLoadSummary>> {
    // The first output of GithubRepos is repos.json; the record files sit beside it.
    const manifestFile = (this.input()[0]?.[0] as FileTarget).path;
    const manifest = requireReposManifest(manifestFile);
    const files = manifest.repos.map((r) => path.join(path.dirname(manifestFile), r.file));
    const load = await buildGithubApiDatabase(this.databaseFile, files, { memoryLimit: this.memoryLimit });
    ctx.log(`${load.repos} repositories: ${load.ok} ok, ${load.renamed} renamed, ${load.gone} gone`);
    return { load, artifacts: [manifest.source], rawFiles: files };
  }
}

export interface GithubTasks {
  repos: GithubReposTask;
  insert: InsertGithubReposTask;
}

/** enrich-github-repos of a site, reading `sourcegraph` (the published sourcegraph_api). */
export function githubTasks(loaded: LoadedConfig, options: GithubStageOptions, sourcegraph: ArtifactPublishedTask): GithubTasks {
  const repos = new GithubReposTask(githubSettings(loaded.config, options), options.artifactsDir, sourcegraph);
  return { repos, insert: new InsertGithubReposTask(repos, loaded.hash, loaded.config.duckdb.memoryLimit) };
}

/** Families a fresh enrichment (--refresh: conditional requests, 304s cost no quota) reruns. */
export const GITHUB_FAMILIES = ['GithubRepo', 'GithubRepos'] as const;
