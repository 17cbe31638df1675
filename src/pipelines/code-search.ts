/**
 * The Sourcegraph half of the code-search stage. download-sourcegraph-results: the terms of
 * the latest clean_ckan_api (dataset_search_terms), one SourcegraphSearchTask per distinct
 * term, asked for at run time by SourcegraphSearchesTask, which then writes
 * raw/<site>/sourcegraph/searches.json (term → file and datasets). insert-sourcegraph-results:
 * every listed result file bulk-loaded into work/<site>/sourcegraph_api.db, published.
 */
import path from 'node:path';
import { resolveToken, type LoadedConfig, type SiteConfig } from '../config/index.js';
import { openDatabase } from '../duckdb/index.js';
import { FileTarget, NO_RETRY, Task, type RetryPolicy, type TaskContext } from '../engine/index.js';
import { createHttpClient, type HttpClient } from '../http/index.js';
import {
  buildSourcegraphApiDatabase,
  searchFileName,
  searchOptionsKey,
  SourcegraphSearchTask,
  type SearchedTerm,
  type SourcegraphLoadSummary,
  type SourcegraphSettings,
} from '../sources/sourcegraph/index.js';
import { lazyClient } from './http-clients.js';
import { siteLayout } from './layout.js';
import { LoadStageTask, type LoadReport, type StageLoad } from './load-stage-task.js';
import { inputArtifact, type ArtifactPublishedTask } from './published-artifact.js';
import { readJsonIfAny, readJsonOrFail } from './stage-support.js';

export interface CodeSearchOptions {
  artifactsDir: string;
  /** Where ckan_clean lives, for building clean_ckan_api when none is published (default ./models). */
  modelsDir?: string;
  /** Where tokens are read (the variables the config names). Default: none (anonymous). */
  env?: NodeJS.ProcessEnv;
  sourcegraphClient?: () => HttpClient;
  /** For the CKAN crawl, when nothing upstream is published yet. */
  ckanClient?: () => HttpClient;
}

export function sourcegraphSettings(config: SiteConfig, options: CodeSearchOptions): SourcegraphSettings {
  const sg = config.sourcegraph;
  const token = resolveToken(config, 'sourcegraph', options.env ?? {});
  const timeoutMs = sg.timeoutSeconds * 1000;
  const client = options.sourcegraphClient ?? lazyClient(() =>
    createHttpClient({
      timeoutMs,
      retries: config.http.retries,
      concurrency: sg.concurrency,
      requestsPerSecond: sg.requestsPerSecond,
      ...(token === undefined ? {} : { secrets: [token] }),
      ...(config.http.userAgent === undefined ? {} : { userAgent: config.http.userAgent }),
    }));
  return {
    site: config.site,
    dir: siteLayout(options.artifactsDir, config.site).rawSourcegraph,
    baseUrl: sg.url,
    includeForks: sg.includeForks,
    includeArchived: sg.includeArchived,
    ...(token === undefined ? {} : { token }),
    timeoutMs,
    client,
  };
}

/** raw/<site>/sourcegraph/searches.json: what a download searched, for the loader. */
export interface SearchesManifest {
  site: string;
  /** The clean_ckan_api artifact the terms came from (relative to the artifacts dir). */
  source: string;
  options: string;
  searches: Array<SearchedTerm & { file: string }>;
}

/** Distinct terms with their datasets, from dataset_search_terms of a clean_ckan_api file. */
export async function readSearchTerms(cleanDb: string): Promise<SearchedTerm[]> {
  const db = await openDatabase(cleanDb, { readOnly: true });
  try {
    const rows = await db.all(`SELECT term, list(DISTINCT dataset_id ORDER BY dataset_id) AS ids
FROM dataset_search_terms WHERE term IS NOT NULL AND term <> '' GROUP BY term ORDER BY term`);
    return rows.map((r) => ({ term: String(r['term']), datasetIds: (r['ids'] as string[]).map(String) }));
  } finally {
    await db.close();
  }
}

export class SourcegraphSearchesTask extends Task<{ site: string; options: string }> {
  readonly family = 'SourcegraphSearches';

  /** `cleanCkan`: the published clean_ckan_api it reads the terms of (a newer one makes it run again). */
  constructor(readonly settings: SourcegraphSettings, readonly artifactsDir: string, private readonly cleanCkan: ArtifactPublishedTask) {
    super({ site: settings.site, options: searchOptionsKey(settings) });
  }

  private get manifestFile(): string {
    return path.join(this.settings.dir, 'searches.json');
  }

  override requires(): readonly Task[] {
    return [this.cleanCkan];
  }

  /** searches.json first, then every result file it lists (a deleted result is searched again). */
  outputs(): FileTarget[] {
    const manifest = readJsonIfAny<SearchesManifest>(this.manifestFile);
    const files = manifest?.searches.map((s) => new FileTarget(path.join(this.settings.dir, s.file))) ?? [];
    return [new FileTarget(this.manifestFile), ...files];
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const clean = await inputArtifact(this.input(), 'clean_ckan_api');
    const terms = await readSearchTerms(clean);
    const datasets = new Set(terms.flatMap((t) => t.datasetIds)).size;
    ctx.log(`${terms.length} search terms for ${datasets} datasets (${path.basename(clean)})`);
    await ctx.need(terms.map((t) => new SourcegraphSearchTask(this.settings, t.term)));
    const manifest: SearchesManifest = {
      site: this.params.site,
      source: path.relative(this.artifactsDir, clean).split(path.sep).join('/'),
      options: this.params.options,
      searches: terms.map((t) => ({ ...t, file: searchFileName(t.term) })),
    };
    new FileTarget(this.manifestFile).write(JSON.stringify(manifest, null, 1) + '\n');
  }
}

export type SourcegraphLoadReport = LoadReport<SourcegraphLoadSummary>;

export class InsertSourcegraphResultsTask extends LoadStageTask<SourcegraphLoadSummary> {
  readonly family = 'InsertSourcegraphResults';
  protected readonly artifactName = 'sourcegraph_api';

  constructor(private readonly searches: SourcegraphSearchesTask, configHash?: string) {
    super(searches.params.site, searches.artifactsDir, configHash);
  }

  override requires(): readonly Task[] {
    return [this.searches];
  }

  protected async load(ctx: TaskContext): Promise<StageLoad<SourcegraphLoadSummary>> {
    // The searches' first output is searches.json; the result files sit beside it.
    const manifestFile = (this.input()[0]?.[0] as FileTarget).path;
    const manifest = readJsonOrFail<SearchesManifest>(manifestFile, 'the searches manifest');
    const files = manifest.searches.map((s) => path.join(path.dirname(manifestFile), s.file));
    ctx.log(`loading ${files.length} result files into ${this.databaseFile}`);
    const load = await buildSourcegraphApiDatabase(this.databaseFile, files, manifest.searches);
    const incomplete = await countIncomplete(this.databaseFile);
    if (incomplete > 0) ctx.warn(`${incomplete} searches hit a limit: their match counts are lower bounds (see searches.skipped_reasons)`);
    return { load, artifacts: [manifest.source], rawFiles: files };
  }
}

async function countIncomplete(file: string): Promise<number> {
  const db = await openDatabase(file, { readOnly: true });
  try {
    const rows = await db.all('SELECT count(DISTINCT term)::INTEGER AS n FROM searches WHERE limit_hit');
    return Number(rows[0]?.['n'] ?? 0);
  } finally {
    await db.close();
  }
}

export interface CodeSearchTasks {
  searches: SourcegraphSearchesTask;
  insert: InsertSourcegraphResultsTask;
}

/** download-sourcegraph-results (searches) and insert-sourcegraph-results (insert) of a site, reading `cleanCkan`. */
export function codeSearchTasks(loaded: LoadedConfig, options: CodeSearchOptions, cleanCkan: ArtifactPublishedTask): CodeSearchTasks {
  const searches = new SourcegraphSearchesTask(sourcegraphSettings(loaded.config, options), options.artifactsDir, cleanCkan);
  return { searches, insert: new InsertSourcegraphResultsTask(searches, loaded.hash) };
}

/** Families a fresh search (--refresh) reruns. */
export const SEARCH_FAMILIES = ['SourcegraphSearch', 'SourcegraphSearches'] as const;
