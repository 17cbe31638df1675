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
import { FileTarget, NO_RETRY, Task, type CompletionCheck, type RetryPolicy, type TaskContext, type Verdict } from '../engine/index.js';
import { createHttpClient, type HttpClient } from '../http/index.js';
import {
  buildSourcegraphApiDatabase,
  searchOptionsKey,
  searchTerms,
  type RequestCoverage,
  type SearchedTerm,
  type SourcegraphLoadSummary,
  type SourcegraphSettings,
} from '../sources/sourcegraph/index.js';
import { parseDuration } from '../store/index.js';
import { lazyClient } from './http-clients.js';
import { siteLayout } from './layout.js';
import { LoadStageTask, type LoadReport, type StageLoad } from './load-stage-task.js';
import { inputArtifact, type ArtifactPublishedTask } from './published-artifact.js';
import { readSearchesManifest, requireSearchesManifest, type SearchesManifest } from './stage-manifests.js';
import { vouchedUnlessStale } from './stale-outputs.js';

export interface CodeSearchOptions {
  artifactsDir: string;
  /** Where ckan_clean lives, for building clean_ckan_api when none is published (default ./models). */
  modelsDir?: string;
  /** Where tokens are read (the variables the config names). Default: none (anonymous). */
  env?: NodeJS.ProcessEnv;
  sourcegraphClient?: () => HttpClient;
  /** For the CKAN crawl, when nothing upstream is published yet. */
  ckanClient?: () => HttpClient;
  /** Search every term again (--refresh): no earlier result counts as fresh. */
  refresh?: boolean;
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
    termsPerQuery: sg.termsPerQuery,
    maxQueryLength: sg.maxQueryLength,
    maxAgeMs: options.refresh ? 0 : parseDuration(sg.maxAge, 'sourcegraph.maxAge'),
    client,
  };
}

/** Why the results listed in searches.json are too old to count (sourcegraph.maxAge), if they are. */
function staleResults(manifestFile: string, settings: SourcegraphSettings): string | undefined {
  if (settings.maxAgeMs === undefined) return undefined;
  const notBefore = settings.client().clock.now() - settings.maxAgeMs;
  const requests: RequestCoverage[] = readSearchesManifest(manifestFile)?.requests ?? [];
  const stale = requests.filter((r) => !(Date.parse(r.searchedAt) >= notBefore)).length;
  return stale === 0 ? undefined : `${stale} search results are older than sourcegraph.maxAge`;
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

  get manifestFile(): string {
    return path.join(this.settings.dir, 'searches.json');
  }

  override requires(): readonly Task[] {
    return [this.cleanCkan];
  }

  /** searches.json first, then every result file it lists (a deleted result is searched again). */
  outputs(): FileTarget[] {
    const manifest = readSearchesManifest(this.manifestFile);
    const requests = manifest?.requests ?? [];
    const files = requests.map((r) => new FileTarget(path.join(this.settings.dir, r.file)));
    return [new FileTarget(this.manifestFile), ...files];
  }

  /** Complete when vouched and every result is younger than sourcegraph.maxAge. */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    return vouchedUnlessStale(check, () => staleResults(this.manifestFile, this.settings));
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const clean = await inputArtifact(this.input(), 'clean_ckan_api');
    const terms = await readSearchTerms(clean);
    const datasets = new Set(terms.flatMap((t) => t.datasetIds)).size;
    ctx.log(`${terms.length} search terms for ${datasets} datasets (${path.basename(clean)})`);
    const previous = readSearchesManifest(this.manifestFile);
    const reusable = previous?.options === this.params.options ? previous.requests : [];
    const { requests } = await searchTerms(ctx, this.settings, terms.map((t) => t.term), reusable);
    const fileOf = new Map(requests.flatMap((r) => r.terms.map((t) => [t, r.file] as const)));
    const manifest: SearchesManifest = {
      site: this.params.site,
      source: path.relative(this.artifactsDir, clean).split(path.sep).join('/'),
      options: this.params.options,
      requests,
      searches: terms.map((t) => ({ ...t, file: fileOf.get(t.term) ?? '' })),
    };
    await new FileTarget(this.manifestFile).write(JSON.stringify(manifest, null, 1) + '\n');
  }
}

export type SourcegraphLoadReport = LoadReport<SourcegraphLoadSummary>;

export class InsertSourcegraphResultsTask extends LoadStageTask<SourcegraphLoadSummary> {
  readonly family = 'InsertSourcegraphResults';
  protected readonly artifactName = 'sourcegraph_api';

  constructor(private readonly searches: SourcegraphSearchesTask, configHash?: string, private readonly memoryLimit?: string) {
    super(searches.params.site, searches.artifactsDir, configHash);
  }

  override requires(): readonly Task[] {
    return [this.searches];
  }

  /** Complete when vouched and no result is stale: a stale one makes the load (and the download) run again. */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    return vouchedUnlessStale(check, () => staleResults(this.searches.manifestFile, this.searches.settings));
  }

  protected async load(ctx: TaskContext): Promise<StageLoad<SourcegraphLoadSummary>> {
    // The searches' first output is searches.json; the result files sit beside it.
    const manifestFile = (this.input()[0]?.[0] as FileTarget).path;
    const manifest = requireSearchesManifest(manifestFile);
    const requests = manifest.requests.map((r) => ({ file: path.join(path.dirname(manifestFile), r.file), terms: r.terms }));
    const files = requests.map((r) => r.file);
    ctx.log(`loading ${files.length} result files into ${this.databaseFile}`);
    const load = await buildSourcegraphApiDatabase(this.databaseFile, requests, manifest.searches, { memoryLimit: this.memoryLimit });
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
  return { searches, insert: new InsertSourcegraphResultsTask(searches, loaded.hash, loaded.config.duckdb.memoryLimit) };
}

/** Families a fresh search (--refresh) reruns. */
export const SEARCH_FAMILIES = ['SourcegraphSearch', 'SourcegraphSearches'] as const;
