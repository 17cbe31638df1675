/**
 * The Sourcegraph half of the code-search stage. download-sourcegraph-results: the terms of
 * the latest clean_ckan_api (dataset_search_terms; the term → datasets mapping written by
 * DuckDB as raw/<site>/sourcegraph/terms.parquet), planned into requests (plan.json: the
 * stage's plan, docs/scale-out.md §1), one SourcegraphRequestTask per request, asked for at run
 * time by SourcegraphSearchesTask, which then writes raw/<site>/sourcegraph/searches.json (which
 * request covered which terms). insert-sourcegraph-results (sourcegraph-load-task.ts) loads
 * the listed result files into sourcegraph_api.db.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveToken, type LoadedConfig, type SiteConfig } from '../config/index.js';
import { FileTarget, NO_RETRY, Task, type CompletionCheck, type RetryPolicy, type TaskContext, type Verdict } from '../engine/index.js';
import { createHttpClient, type HttpClient } from '../http/index.js';
import {
  COVERAGE_FILE,
  discardReuse,
  freshSince,
  planBatches,
  requestFileName,
  reuseCoverage,
  runSearchPlan,
  searchOptionsKey,
  TERM_MAPPING_FILE,
  writeCoverage,
  writeMappingFile,
  writeReusingCoverage,
  type CoverageReuse,
  type SourcegraphSettings,
} from '../sources/sourcegraph/index.js';
import { parseDuration } from '../store/index.js';
import { lazyClient } from './http-clients.js';
import { InsertSourcegraphResultsTask } from './sourcegraph-load-task.js';
import { siteLayout } from './layout.js';
import { inputArtifact, type ArtifactPublishedTask } from './published-artifact.js';
import { readSearchesCoverage, SEARCHES_VERSION, type SearchesCoverage, type SearchesManifest, type SearchPlanFile, writeSearchPlan } from './stage-manifests.js';
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
  /** insert-sourcegraph-results --full-refresh: build sourcegraph_api from every result file, not from the previous build. */
  fullRefresh?: boolean;
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
  const requests: ReadonlyArray<{ searchedAt: string }> = readSearchesCoverage(manifestFile)?.requests ?? [];
  const stale = requests.filter((r) => !(Date.parse(r.searchedAt) >= notBefore)).length;
  return stale === 0 ? undefined : `${stale} search results are older than sourcegraph.maxAge`;
}

export class SourcegraphSearchesTask extends Task<{ site: string; options: string }> {
  readonly family = 'SourcegraphSearches';
  /**
   * 2: searches.json lists requests only; the term → datasets mapping is terms.parquet, the plan plan.json.
   * 3: searches.json lists requests with their term counts; which terms each covered is requests.parquet.
   */
  override readonly version = '3';

  /** `cleanCkan`: the published clean_ckan_api it reads the terms of (a newer one makes it run again). */
  constructor(readonly settings: SourcegraphSettings, readonly artifactsDir: string, private readonly cleanCkan: ArtifactPublishedTask, private readonly memoryLimit?: string) {
    super({ site: settings.site, options: searchOptionsKey(settings) });
  }

  get manifestFile(): string {
    return path.join(this.settings.dir, 'searches.json');
  }

  get mappingFile(): string {
    return path.join(this.settings.dir, TERM_MAPPING_FILE);
  }

  get coverageFile(): string {
    return path.join(this.settings.dir, COVERAGE_FILE);
  }

  get planFile(): string {
    return path.join(this.settings.dir, 'plan.json');
  }

  override requires(): readonly Task[] {
    return [this.cleanCkan];
  }

  /** searches.json first, the mapping, the plan and the coverage, then every result file it lists (a deleted result is searched again). */
  outputs(): FileTarget[] {
    const requests = readSearchesCoverage(this.manifestFile)?.requests ?? [];
    const files = requests.map((r) => new FileTarget(path.join(this.settings.dir, r.file)));
    return [new FileTarget(this.manifestFile), new FileTarget(this.mappingFile), new FileTarget(this.planFile), new FileTarget(this.coverageFile), ...files];
  }

  /**
   * The coverage file of an earlier download (which request covered which terms): its own in
   * searches.json 3 (none when that file is gone: every term is searched again, and results on
   * disk are found by their file names); for 1 and 2, which list the terms inline, `legacy` is
   * written from them first.
   */
  private async previousCoverage(previous: SearchesCoverage, legacy: string): Promise<string | undefined> {
    if (previous.requests.every((r) => r.terms !== undefined)) {
      await writeCoverage(legacy, previous.requests.map((r) => ({ file: r.file, searchedAt: r.searchedAt, terms: r.terms ?? [] })), this.memoryLimit);
      return legacy;
    }
    const file = path.join(this.settings.dir, previous.coverage ?? COVERAGE_FILE);
    return fs.existsSync(file) ? file : undefined;
  }

  /** Complete when vouched and every result is younger than sourcegraph.maxAge. */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    return vouchedUnlessStale(check, () => this.staleResults());
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  /**
   * The stage's plan (docs/scale-out.md §1): the mapping written from `clean`, the fresh earlier
   * requests kept (decided by DuckDB against the previous coverage, reuse.ts: the work is
   * proportional to the terms that changed), and the batches to search, each with its terms and
   * result file. Written to plan.json; a sharded run lists its leaf tasks from it alone.
   */
  /** Why the results listed in searches.json are too old to count (sourcegraph.maxAge), if they are. */
  staleResults(): string | undefined {
    return staleResults(this.manifestFile, this.settings);
  }

  async plan(ctx: TaskContext, clean: string, legacy: string): Promise<{ plan: SearchPlanFile; reuse: CoverageReuse }> {
    await writeMappingFile(clean, this.mappingFile, this.memoryLimit);
    const previous = readSearchesCoverage(this.manifestFile);
    const now = ctx.clock.now();
    const coverage = previous?.options === this.params.options ? await this.previousCoverage(previous, legacy) : undefined;
    const reuse = await reuseCoverage(this.mappingFile, coverage, this.settings.dir, freshSince(this.settings, now), this.memoryLimit);
    ctx.log(`${reuse.terms} search terms for ${reuse.datasets} datasets (${path.basename(clean)}): ${reuse.terms - reuse.toSearch.length} covered by ${reuse.reused.length} earlier requests, ${reuse.toSearch.length} to search`);
    const batches = planBatches(this.settings, reuse.toSearch).map((b) => ({ file: requestFileName(b), terms: b }));
    // The batches hold the terms from here on: the sorted list is not kept beside them.
    reuse.toSearch = [];
    const plan: SearchPlanFile = {
      version: 2,
      stage: 'search',
      site: this.params.site,
      source: path.relative(this.artifactsDir, clean).split(path.sep).join('/'),
      options: this.params.options,
      mapping: TERM_MAPPING_FILE,
      terms: reuse.terms,
      datasets: reuse.datasets,
      createdAt: new Date(now).toISOString(),
      reused: reuse.reused,
      batches,
    };
    await writeSearchPlan(this.planFile, plan);
    return { plan, reuse };
  }

  async run(ctx: TaskContext): Promise<void> {
    const clean = await inputArtifact(this.input(), 'clean_ckan_api');
    // The coverage of a searches.json 1 or 2, written for the reuse and read again at the end.
    const legacy = `${this.coverageFile}.legacy.${process.pid}`;
    let reuse: CoverageReuse | undefined;
    try {
      const planned = await this.plan(ctx, clean, legacy);
      const plan = planned.plan;
      reuse = planned.reuse;
      const reusedTerms = plan.reused.reduce((n, r) => n + r.termCount, 0);
      const { requests } = await runSearchPlan(ctx, this.settings, { reused: [], batches: plan.batches.map((b) => b.terms) }, reusedTerms);
      // Which terms each request covered goes to Parquet, so the loader's process never parses them.
      await writeReusingCoverage(this.coverageFile, reuse, requests, this.memoryLimit);
      const manifest: SearchesManifest = {
        version: SEARCHES_VERSION,
        site: plan.site,
        source: plan.source,
        options: plan.options,
        mapping: plan.mapping,
        coverage: COVERAGE_FILE,
        terms: plan.terms,
        datasets: plan.datasets,
        requests: [...plan.reused, ...requests.map((r) => ({ file: r.file, termCount: r.terms.length, searchedAt: r.searchedAt }))],
      };
      await new FileTarget(this.manifestFile).write(JSON.stringify(manifest) + '\n');
    } finally {
      fs.rmSync(legacy, { force: true });
      // The kept rows' scratch file, when the searches stopped before the coverage was written.
      if (reuse !== undefined) discardReuse(reuse);
    }
  }
}

export interface CodeSearchTasks {
  searches: SourcegraphSearchesTask;
  insert: InsertSourcegraphResultsTask;
}

/** download-sourcegraph-results (searches) and insert-sourcegraph-results (insert) of a site, reading `cleanCkan`. */
export function codeSearchTasks(loaded: LoadedConfig, options: CodeSearchOptions, cleanCkan: ArtifactPublishedTask): CodeSearchTasks {
  const searches = new SourcegraphSearchesTask(sourcegraphSettings(loaded.config, options), options.artifactsDir, cleanCkan, loaded.config.duckdb.memoryLimit);
  return { searches, insert: new InsertSourcegraphResultsTask(searches, loaded.hash, loaded.config.duckdb.memoryLimit, options.fullRefresh === true) };
}

/** Families a fresh search (--refresh) reruns. */
export const SEARCH_FAMILIES = ['SourcegraphSearch', 'SourcegraphSearches'] as const;
