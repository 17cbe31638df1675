/**
 * insert-sourcegraph-results: the result files listed by the searches' searches.json
 * bulk-loaded into work/<site>/sourcegraph_api.db (incrementally from the previous trusted
 * build when there is one), published. The download half is code-search.ts.
 */
import path from 'node:path';
import { openDatabase } from '../duckdb/index.js';
import { errorMessage, type CompletionCheck, type FileTarget, type Task, type TaskContext, type Verdict } from '../engine/index.js';
import { buildSourcegraphApiDatabase, SOURCEGRAPH_SCHEMA_VERSION, type SourcegraphLoadSummary } from '../sources/sourcegraph/index.js';
import { checkArtifact, latestArtifactInfo } from '../store/index.js';
import type { SourcegraphSearchesTask } from './code-search.js';
import { LoadStageTask, type LoadReport, type StageLoad } from './load-stage-task.js';
import { requireSearchesManifest } from './stage-manifests.js';
import { vouchedUnlessStale } from './stale-outputs.js';

export type SourcegraphLoadReport = LoadReport<SourcegraphLoadSummary>;

export class InsertSourcegraphResultsTask extends LoadStageTask<SourcegraphLoadSummary> {
  readonly family = 'InsertSourcegraphResults';
  protected readonly artifactName = 'sourcegraph_api';

  constructor(private readonly searches: SourcegraphSearchesTask, configHash?: string, private readonly memoryLimit?: string, private readonly fullRefresh = false) {
    super(searches.params.site, searches.artifactsDir, configHash);
  }

  override requires(): readonly Task[] {
    return [this.searches];
  }

  /** Complete when vouched and no result is stale: a stale one makes the load (and the download) run again. */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    return vouchedUnlessStale(check, () => this.searches.staleResults());
  }

  /**
   * The published sourcegraph_api to start from: the latest, when it was built with this
   * schema version and its file still matches its manifest (the trust check); else undefined
   * (a full build), with the reason logged.
   */
  private async previousBuild(ctx: TaskContext): Promise<string | undefined> {
    if (this.fullRefresh) {
      ctx.log('full refresh: building sourcegraph_api from every result file');
      return undefined;
    }
    const latest = await latestArtifactInfo(this.artifactsDir, this.params.site, this.artifactName);
    if (latest === undefined) return undefined;
    const name = path.basename(latest.absolutePath);
    const version = latest.manifest.build?.['schemaVersion'];
    if (version !== SOURCEGRAPH_SCHEMA_VERSION) {
      ctx.log(`${name} has schema version ${JSON.stringify(version ?? null)}, not ${SOURCEGRAPH_SCHEMA_VERSION}: building in full`);
      return undefined;
    }
    try {
      await checkArtifact(this.artifactsDir, latest.absolutePath);
    } catch (err) {
      ctx.warn(`${name} is not used as the base of an incremental build (${errorMessage(err)}): building in full`);
      return undefined;
    }
    return latest.absolutePath;
  }

  protected async load(ctx: TaskContext): Promise<StageLoad<SourcegraphLoadSummary>> {
    // The searches' first output is searches.json; the mapping and the result files sit beside it.
    const manifestFile = (this.input()[0]?.[0] as FileTarget).path;
    const dir = path.dirname(manifestFile);
    const manifest = requireSearchesManifest(manifestFile);
    const requests = manifest.requests.map((r) => path.join(dir, r.file));
    const previous = await this.previousBuild(ctx);
    ctx.log(previous === undefined
      ? `loading ${requests.length} result files into ${this.databaseFile}`
      : `updating ${path.basename(previous)} with what changed among ${requests.length} result files into ${this.databaseFile}`);
    // The requests' terms (about a million at portal scale) are read from the coverage file by DuckDB, never held here.
    const load = await buildSourcegraphApiDatabase(this.databaseFile, { coverageFile: path.join(dir, manifest.coverage), dir }, path.join(dir, manifest.mapping), {
      memoryLimit: this.memoryLimit,
      ...(previous === undefined ? {} : { previous }),
    });
    if (load.mode === 'incremental') ctx.log(`${load.reloadedTerms} terms loaded again from ${load.filesRead} result files, ${load.removedTerms} removed`);
    const incomplete = await countIncomplete(this.databaseFile);
    if (incomplete > 0) ctx.warn(`${incomplete} searches hit a limit: their match counts are lower bounds (see searches.skipped_reasons)`);
    const artifacts = previous === undefined ? [manifest.source] : [manifest.source, path.relative(this.artifactsDir, previous).split(path.sep).join('/')];
    return {
      load,
      artifacts,
      rawFiles: [path.join(dir, manifest.mapping), path.join(dir, manifest.coverage), ...requests],
      build: { schemaVersion: SOURCEGRAPH_SCHEMA_VERSION, mode: load.mode },
    };
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
