/**
 * The flagship pipeline of one site as a graph built from `requires()` alone: each stage
 * requires "artifact X is published" (ArtifactPublishedTask) for what it reads, and that
 * task requires the stage that publishes X. Nothing here looks at the disk: whether X is
 * published is the planner's question, so a rerun with everything published is a no-op,
 * --dry-run shows the whole plan, and a model group that reads no CKAN source never
 * reaches the CKAN stage.
 *
 * Producers: ckan_api ← insert-datasets-info; sourcegraph_api ← insert-sourcegraph-results;
 * github_api ← enrich-github-repos; the database of any model group ← that group's build
 * (clean_ckan_api ← ckan_clean). Any other artifact has no producer: it must be published.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveToken, type LoadedConfig } from '../config/index.js';
import type { Task } from '../engine/index.js';
import { ckanStage, type CkanDbTasks } from './ckan.js';
import type { CodeSearchOptions, CodeSearchTasks } from './code-search.js';
import type { GithubStageOptions, GithubTasks } from './github-repos.js';
import type { ModelBuildTask, ModelsStageOptions } from './models.js';
import { sourcegraphClient } from './http-clients.js';
import { ArtifactPublishedTask } from './published-artifact.js';

// The code search, GitHub and model stages (and the SQL project loader with its template engine)
// are imported when a graph reaches them: a CKAN stage command loads none of them (about 100
// modules, a tenth of a second of every start).

export type PipelineOptions = GithubStageOptions & CodeSearchOptions & {
  /** insert-datasets-info loads every page again (--full-refresh) instead of merging the new ones into the previous ckan_api. */
  ckanFullRebuild?: boolean;
};

export class SitePipeline {
  private readonly artifacts = new Map<string, Promise<ArtifactPublishedTask>>();
  private ckanTasks: CkanDbTasks | undefined;
  private codeSearchTasks: Promise<CodeSearchTasks> | undefined;
  private githubTasks: Promise<GithubTasks> | undefined;

  constructor(readonly loaded: LoadedConfig, readonly options: PipelineOptions) {}

  private get site(): string {
    return this.loaded.config.site;
  }

  private get modelsDir(): string {
    return path.resolve(this.options.modelsDir ?? 'models');
  }

  /** The CKAN stage: crawl, empty schema, load and publish ckan_api. */
  ckan(): CkanDbTasks {
    this.ckanTasks ??= ckanStage(this.loaded, {
      artifactsDir: this.options.artifactsDir,
      ...(this.options.ckanClient ? { client: this.options.ckanClient } : {}),
      ...(this.options.ckanFullRebuild === true ? { fullRebuild: true } : {}),
      ...(this.options.shards === undefined ? {} : { shards: this.options.shards }),
    });
    return this.ckanTasks;
  }

  /** download- and insert-sourcegraph-results, reading the published clean_ckan_api. */
  codeSearch(): Promise<CodeSearchTasks> {
    this.codeSearchTasks ??= Promise.all([this.artifact('clean_ckan_api'), import('./code-search.js')])
      .then(([clean, { codeSearchTasks }]) => codeSearchTasks(this.loaded, this.searchOptions(), clean));
    return this.codeSearchTasks;
  }

  /** A shard of N searches with 1/N of Sourcegraph's budget (the other stages take `shards` themselves). */
  private searchOptions(): PipelineOptions {
    const shards = this.options.shards ?? 1;
    if (shards <= 1 || this.options.sourcegraphClient !== undefined) return this.options;
    const token = resolveToken(this.loaded.config, 'sourcegraph', this.options.env ?? {});
    return { ...this.options, sourcegraphClient: sourcegraphClient(this.loaded.config, token, shards) };
  }

  /** enrich-github-repos, reading the published sourcegraph_api. */
  github(): Promise<GithubTasks> {
    this.githubTasks ??= Promise.all([this.artifact('sourcegraph_api'), import('./github-repos.js')])
      .then(([sg, { githubTasks }]) => githubTasks(this.loaded, this.options, sg));
    return this.githubTasks;
  }

  /** run-models --select <selector>: one build per database, each requiring the artifacts it reads. */
  async models(selector: string, allowShrink = false, extra: Pick<ModelsStageOptions, 'vars' | 'fullRefresh'> = {}): Promise<ModelBuildTask[]> {
    const { runModelsTasks } = await import('./models.js');
    return runModelsTasks(this.loaded.config, {
      artifactsDir: this.options.artifactsDir,
      modelsDir: this.modelsDir,
      selector,
      allowShrink,
      configHash: this.loaded.hash,
      ...extra,
      sourceTask: (name) => this.artifact(name),
    });
  }

  /** "The latest <name> of the site is published", with the task that publishes it when there is one. */
  artifact(name: string): Promise<ArtifactPublishedTask> {
    let task = this.artifacts.get(name);
    if (task === undefined) {
      task = this.producerOf(name).then((producer) => new ArtifactPublishedTask(this.options.artifactsDir, this.site, name, producer));
      this.artifacts.set(name, task);
    }
    return task;
  }

  private async producerOf(name: string): Promise<Task | undefined> {
    switch (name) {
      case 'ckan_api':
        return this.ckan().insert;
      case 'sourcegraph_api':
        return (await this.codeSearch()).insert;
      case 'github_api':
        return (await this.github()).insert;
      default:
        return this.modelGroupBuilding(name);
    }
  }

  /** The build of the model group whose database is `name`, if any group has that database. */
  private async modelGroupBuilding(name: string): Promise<Task | undefined> {
    if (!fs.existsSync(this.modelsDir)) return undefined;
    const { loadProject } = await import('../sql/index.js');
    const project = await loadProject(this.modelsDir);
    const group = [...project.groups.values()].find((g) => g.database === name);
    if (group === undefined) return undefined;
    return (await this.models(group.name)).find((t) => t.params.database === name);
  }
}

/** download-sourcegraph-results and insert-sourcegraph-results of a site (and what they need upstream). */
export function codeSearchStage(loaded: LoadedConfig, options: PipelineOptions): Promise<CodeSearchTasks> {
  return new SitePipeline(loaded, options).codeSearch();
}

/** enrich-github-repos of a site (and what it needs upstream). */
export function githubStage(loaded: LoadedConfig, options: PipelineOptions): Promise<GithubTasks> {
  return new SitePipeline(loaded, options).github();
}
