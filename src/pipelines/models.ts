/**
 * The model stage: `run-models --select <selector>` as engine tasks. One task per database
 * build (a group of models): its run executes the group's selected models in order in ONE
 * new DuckDB file and renames it into place, so the build stays all or nothing (one task per
 * model could not share the uncommitted file, nor undo its siblings). A build requires,
 * for each artifact its selected models read with {{ source() }}, the task "that artifact is
 * published" (ArtifactPublishedTask), and only those: its producer runs first when none is
 * published. A successful build is published with its sources as lineage; a build whose
 * published copy is gone (deleted by hand since) is not complete, as for the load stages.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { SiteConfig } from '../config/index.js';
import { memorySettings } from '../duckdb/index.js';
import { FileTarget, NO_RETRY, Task, type CompletionCheck, type RetryPolicy, type TaskContext, type Verdict } from '../engine/index.js';
import { toolVersion } from '../http/index.js';
import {
  buildModelDatabase,
  formatShrink,
  loadProject,
  planBuild,
  selectByGroup,
  type GroupSelection,
  type ModelProject,
  type PlannedBuild,
} from '../sql/index.js';
import { latestArtifact, latestArtifactInfo, publishArtifact } from '../store/index.js';
import { exportArtifactTables } from './exports.js';
import { publishedCopyVerdict } from './published-copy.js';
import { siteLayout } from './layout.js';
import { ArtifactPublishedTask, inputArtifact } from './published-artifact.js';

export interface ModelsStageOptions {
  artifactsDir: string;
  /** The models directory (default ./models). */
  modelsDir: string;
  selector: string;
  allowShrink: boolean;
  configHash?: string;
  /**
   * The task "artifact <name> is published" for a source artifact the builds read, with its
   * producer (default: one without a producer, complete only when <name> is published).
   */
  sourceTask?: (artifact: string) => Promise<ArtifactPublishedTask>;
  /** `--vars`: values of var() over the site's and dbt_project.yml's. */
  vars?: Readonly<Record<string, unknown>>;
  /** `--full-refresh`: incremental models are rebuilt from scratch. */
  fullRefresh?: boolean;
}

/**
 * The values models get through {{ var('name') }}: `site`, `ckan_api_url` (the Action API base
 * of the config) and `ckan_site_url` (the portal's web root, for landing page URLs).
 */
export function modelVars(config: SiteConfig): Record<string, string> {
  const api = config.ckan.url.replace(/\/+$/, '');
  return { site: config.site, ckan_api_url: api, ckan_site_url: api.replace(/\/api(?:\/\d+)?\/action$/, '') };
}

interface BuildSettings {
  config: SiteConfig;
  options: ModelsStageOptions;
  project: ModelProject;
  selection: GroupSelection;
}

/** The source names (the db of each {{ source(db, table) }}) the selected models use, sorted. */
function usedSources(selection: GroupSelection, project: ModelProject): string[] {
  return [...new Set(selection.models.flatMap((n) => project.models.get(n)?.sources.map((s) => s.db) ?? []))].sort();
}

function artifactOf(selection: GroupSelection, source: string): string {
  return selection.group.sources.get(source)?.artifact ?? source;
}

/** The artifact names the selected models of a group read, sorted by source name. */
export function sourceArtifactsOf(selection: GroupSelection, project: ModelProject): string[] {
  return usedSources(selection, project).map((name) => artifactOf(selection, name));
}

/** Source name → path of the latest published artifact it reads (undefined when none): for the dry-run SQL. */
export async function resolveSources(artifactsDir: string, site: string, selection: GroupSelection, project: ModelProject): Promise<Record<string, string | undefined>> {
  const result: Record<string, string | undefined> = {};
  for (const name of usedSources(selection, project)) result[name] = await latestArtifact(artifactsDir, site, artifactOf(selection, name));
  return result;
}

/** The vars of a build: the site's (modelVars), then --vars. */
function buildVars(config: SiteConfig, options: ModelsStageOptions): Record<string, unknown> {
  return { ...modelVars(config), ...(options.vars ?? {}) };
}

function inputsHash(s: BuildSettings): string {
  const hash = createHash('sha256');
  // Every file of the group (models, property files, seeds, macros, tests, dbt_project.yml).
  hash.update(s.selection.group.fingerprint);
  hash.update(JSON.stringify([s.selection.models, s.selection.group.database, sourceArtifactsOf(s.selection, s.project), buildVars(s.config, s.options)]));
  return hash.digest('hex').slice(0, 10);
}

export class ModelBuildTask extends Task<{ site: string; database: string; select: string; inputs: string }> {
  readonly family = 'BuildModels';

  /** The published source artifacts it reads (filled in by runModelsTasks). */
  readonly sources: ArtifactPublishedTask[] = [];

  constructor(private readonly settings: BuildSettings) {
    super({ site: settings.config.site, database: settings.selection.group.database, select: settings.options.selector, inputs: inputsHash(settings) });
  }

  get databaseFile(): string {
    return path.join(siteLayout(this.settings.options.artifactsDir, this.params.site).work, `${this.params.database}.db`);
  }

  /** Sourcing artifacts: exactly the ones its selected models read. */
  override requires(): readonly Task[] {
    return this.sources;
  }

  outputs(): FileTarget[] {
    return [new FileTarget(this.databaseFile)];
  }

  /**
   * Vouched for by its receipt, and its build is still published: a published copy deleted
   * since (by hand) makes it build and publish again, as the load stages do, rather than leave
   * the stages that read it an older artifact.
   */
  override async complete(check: CompletionCheck): Promise<Verdict> {
    const vouched = await check.vouched();
    if (!vouched.complete) return vouched;
    return publishedCopyVerdict(this.settings.options.artifactsDir, this.params.site, this.params.database, this.databaseFile);
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const { config, options, project, selection } = this.settings;
    const { artifactsDir } = options;
    const inputs = this.input();
    const sources: Record<string, string> = {};
    for (const name of usedSources(selection, project)) sources[name] = await inputArtifact(inputs, artifactOf(selection, name));
    const previous = await latestArtifactInfo(artifactsDir, config.site, this.params.database);
    const result = await buildModelDatabase({
      project,
      selection,
      target: this.databaseFile,
      sources,
      ...(previous === undefined ? {} : { previousCounts: previous.manifest.tables }),
      shrinkTolerance: config.models.shrinkTolerance,
      settings: memorySettings(config.duckdb.memoryLimit),
      allowShrink: options.allowShrink,
      vars: buildVars(config, options),
      fullRefresh: options.fullRefresh === true,
      log: (line) => ctx.log(line),
    });
    for (const w of result.warnings) ctx.warn(w);
    for (const s of result.shrinks) ctx.warn(`${this.params.database}: ${formatShrink(s)} since the last published build (allowed by --allow-shrink)`);
    const published = await publishArtifact({
      artifactsDir,
      site: config.site,
      name: this.params.database,
      sourcePath: this.databaseFile,
      // Replaced only by buildModelDatabase's rename, never written in place: linked, not copied.
      link: true,
      lineage: { artifacts: Object.values(sources) },
      ...(options.configHash === undefined ? {} : { configHash: options.configHash }),
      runId: ctx.runId,
      toolVersion: toolVersion(),
      now: () => new Date(ctx.clock.now()),
    });
    const rows = Object.entries(result.counts).map(([t, n]) => `${t}=${n}`).join(' ');
    ctx.log(`built ${result.models.length} models, ${result.tests.length} tests passed; published ${path.relative(artifactsDir, published.absolutePath)} (${rows})`);
    const exports = selection.group.exports.filter((t) => result.counts[t] !== undefined);
    if (exports.length > 0) {
      const index = await exportArtifactTables(artifactsDir, published.absolutePath, exports, new Date(ctx.clock.now()));
      ctx.log(`exported ${exports.join(', ')} as CSV and Parquet to ${path.relative(artifactsDir, path.dirname(path.resolve(artifactsDir, index.files[0]?.path ?? '.')))}`);
    }
  }
}

/** The project and selection for a run (errors for unknown selectors, missing refs, cycles). */
export async function selectBuilds(options: Pick<ModelsStageOptions, 'modelsDir' | 'selector'>): Promise<{ project: ModelProject; selections: GroupSelection[] }> {
  const project = await loadProject(options.modelsDir);
  return { project, selections: selectByGroup(project, options.selector) };
}

/**
 * One task per database the selection builds, each requiring the published artifacts its
 * models read: built by another task of this selection, or given by `options.sourceTask`.
 */
export async function runModelsTasks(config: SiteConfig, options: ModelsStageOptions): Promise<ModelBuildTask[]> {
  const { project, selections } = await selectBuilds(options);
  const tasks = selections.map((selection) => ({ selection, task: new ModelBuildTask({ config, options, project, selection }) }));
  for (const { selection, task } of tasks) {
    for (const artifact of sourceArtifactsOf(selection, project)) {
      const inRun = tasks.find((t) => t.task !== task && t.task.params.database === artifact)?.task;
      const source = inRun !== undefined
        ? new ArtifactPublishedTask(options.artifactsDir, config.site, artifact, inRun)
        : ((await options.sourceTask?.(artifact)) ?? new ArtifactPublishedTask(options.artifactsDir, config.site, artifact));
      task.sources.push(source);
    }
  }
  return tasks.map((t) => t.task);
}

/** The compiled SQL each build would run (for --dry-run). */
export async function planModels(config: SiteConfig, options: ModelsStageOptions): Promise<PlannedBuild[]> {
  const { project, selections } = await selectBuilds(options);
  const plans: PlannedBuild[] = [];
  for (const selection of selections) {
    plans.push(planBuild(project, selection, await resolveSources(options.artifactsDir, config.site, selection, project), buildVars(config, options)));
  }
  return plans;
}
