/**
 * What the three "load raw files into a database and publish it" tasks share
 * (insert-datasets-info, insert-sourcegraph-results, enrich-github-repos' load):
 * work/<site>/<name>.db built by the subclass, published read-only, and a load report
 * work/<site>/<name>.load.json as the task's outputs.
 */
import path from 'node:path';
import { FileTarget, NO_RETRY, Task, type RetryPolicy, type Target, type TaskContext } from '../engine/index.js';
import { siteLayout } from './layout.js';
import { publishedByReport } from './stage-manifests.js';
import { publishStage } from './stage-support.js';

export interface StageLoad<L> {
  /** What the load reported (row counts and the like). */
  load: L;
  /** Artifacts the database was built from (lineage). */
  artifacts: string[];
  /** Raw files it was built from (lineage). */
  rawFiles: string[];
  /** More fields for the load report. */
  extra?: Record<string, unknown>;
  /** Build info for the artifact's manifest. */
  build?: Record<string, unknown>;
}

export interface LoadReport<L> {
  site: string;
  database: string;
  published: string;
  load: L;
}

export abstract class LoadStageTask<L> extends Task<{ site: string }> {
  /** The artifact name: sourcegraph_api, github_api, ckan_api. */
  protected abstract readonly artifactName: string;

  constructor(site: string, readonly artifactsDir: string, readonly configHash?: string) {
    super({ site });
  }

  get databaseFile(): string {
    return path.join(siteLayout(this.artifactsDir, this.params.site).work, `${this.artifactName}.db`);
  }

  get reportFile(): string {
    return this.databaseFile.replace(/\.db$/, '.load.json');
  }

  /**
   * The load report, and once it exists the artifact it says was published: a deleted
   * published copy makes the stage run (and publish) again.
   */
  outputs(): Target[] {
    const published = publishedByReport(this.reportFile, this.artifactsDir);
    return [new FileTarget(this.reportFile), ...(published === undefined ? [] : [new FileTarget(published)])];
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  /** Builds databaseFile (atomically) from the raw inputs. */
  protected abstract load(ctx: TaskContext): Promise<StageLoad<L>>;

  async run(ctx: TaskContext): Promise<void> {
    const { load, artifacts, rawFiles, extra, build } = await this.load(ctx);
    const published = await publishStage(
      {
        artifactsDir: this.artifactsDir,
        site: this.params.site,
        name: this.artifactName,
        database: this.databaseFile,
        artifacts,
        rawFiles,
        ...(build === undefined ? {} : { build }),
        ...(this.configHash === undefined ? {} : { configHash: this.configHash }),
      },
      ctx,
    );
    // Relative to the artifacts directory (publishedByReport), as receipts name outputs: a moved or restored directory stays complete.
    const report = { site: this.params.site, database: this.databaseFile, published: published.path, load, ...extra };
    await new FileTarget(this.reportFile).write(JSON.stringify(report, null, 2) + '\n');
  }
}
