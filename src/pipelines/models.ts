/**
 * The model stage: `run-models --select <selector>` as engine tasks. One task per database
 * build (a group of models): its run executes the group's selected models in order in ONE
 * new DuckDB file and renames it into place, so the build stays all or nothing (one task per
 * model could not share the uncommitted file, nor undo its siblings). Sources are the latest
 * published artifacts of the site; a successful build is published with them as lineage.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { SiteConfig } from '../config/index.js';
import { FileTarget, NO_RETRY, Task, type RetryPolicy, type Target, type TaskContext } from '../engine/index.js';
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
import { siteLayout } from './layout.js';
import { LatestArtifactTarget } from './stage-support.js';

export interface ModelsStageOptions {
  artifactsDir: string;
  /** The models directory (default ./models). */
  modelsDir: string;
  selector: string;
  allowShrink: boolean;
  configHash?: string;
  /** Tasks that publish the sources (run first when their artifacts are missing). */
  upstream?: readonly Task[];
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

/** Source name → path of the latest published artifact it reads (undefined when none). */
export async function resolveSources(artifactsDir: string, site: string, selection: GroupSelection, project: ModelProject): Promise<Record<string, string | undefined>> {
  const used = new Set(selection.models.flatMap((n) => project.models.get(n)?.sources.map((s) => s.db) ?? []));
  const result: Record<string, string | undefined> = {};
  for (const name of [...used].sort()) {
    const artifact = selection.group.sources.get(name)?.artifact ?? name;
    result[name] = await latestArtifact(artifactsDir, site, artifact);
  }
  return result;
}

/** Artifact names of the sources (not their files: which file is latest is an output stamp, see outputs()). */
function sourceArtifacts(s: BuildSettings, sources: Record<string, string | undefined>): string[] {
  return Object.keys(sources).sort().map((name) => s.selection.group.sources.get(name)?.artifact ?? name);
}

/** The vars of a build: the site's (modelVars), then --vars. */
function buildVars(config: SiteConfig, options: ModelsStageOptions): Record<string, unknown> {
  return { ...modelVars(config), ...(options.vars ?? {}) };
}

function inputsHash(s: BuildSettings, sources: Record<string, string | undefined>): string {
  const hash = createHash('sha256');
  // Every file of the group (models, property files, seeds, macros, tests, dbt_project.yml).
  hash.update(s.selection.group.fingerprint);
  hash.update(JSON.stringify([s.selection.models, s.selection.group.database, sourceArtifacts(s, sources), buildVars(s.config, s.options)]));
  return hash.digest('hex').slice(0, 10);
}

export class ModelBuildTask extends Task<{ site: string; database: string; select: string; inputs: string }> {
  readonly family = 'BuildModels';

  private readonly sourceArtifacts: string[];

  constructor(private readonly settings: BuildSettings, sources: Record<string, string | undefined>) {
    super({ site: settings.config.site, database: settings.selection.group.database, select: settings.options.selector, inputs: inputsHash(settings, sources) });
    this.sourceArtifacts = sourceArtifacts(settings, sources);
  }

  get databaseFile(): string {
    return path.join(siteLayout(this.settings.options.artifactsDir, this.params.site).work, `${this.params.database}.db`);
  }

  /** Builds of other groups whose database this one reads as a source (same run). */
  readonly dependsOn: Task[] = [];

  /**
   * Other builds of this run only. The tasks publishing missing sources (options.upstream) are
   * needed at run time instead: they are there only while a source is missing, and as static
   * dependencies their absence on the next run would count as changed inputs (a rebuild).
   */
  override requires(): readonly Task[] {
    return this.dependsOn;
  }

  /**
   * The database, and the latest artifact of each source: the receipt records which ones the
   * build read, so a newer source published since (by this run or another) makes it rebuild.
   */
  outputs(): Target[] {
    const { artifactsDir } = this.settings.options;
    return [new FileTarget(this.databaseFile), ...this.sourceArtifacts.map((a) => new LatestArtifactTarget(artifactsDir, this.params.site, a))];
  }

  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const { config, options, project, selection } = this.settings;
    const { artifactsDir } = options;
    if ((options.upstream ?? []).length > 0) await ctx.need(options.upstream ?? []);
    const found = await resolveSources(artifactsDir, config.site, selection, project);
    const sources = Object.fromEntries(Object.entries(found).filter((e): e is [string, string] => e[1] !== undefined));
    const previous = await latestArtifactInfo(artifactsDir, config.site, this.params.database);
    const result = await buildModelDatabase({
      project,
      selection,
      target: this.databaseFile,
      sources,
      ...(previous === undefined ? {} : { previousCounts: previous.manifest.tables }),
      shrinkTolerance: config.models.shrinkTolerance,
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

/** One task per database the selection builds. */
export async function runModelsTasks(config: SiteConfig, options: ModelsStageOptions): Promise<ModelBuildTask[]> {
  const { project, selections } = await selectBuilds(options);
  const tasks: ModelBuildTask[] = [];
  for (const selection of selections) {
    const sources = await resolveSources(options.artifactsDir, config.site, selection, project);
    tasks.push(new ModelBuildTask({ config, options, project, selection }, sources));
  }
  for (const task of tasks) {
    const artifacts = new Set([...(selections.find((s) => s.group.database === task.params.database)?.group.sources.values() ?? [])].map((s) => s.artifact));
    task.dependsOn.push(...tasks.filter((t) => t !== task && artifacts.has(t.params.database)));
  }
  return tasks;
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

/** Artifact names the selected builds read as sources (to make missing ones first). */
export async function sourceArtifactNames(options: Pick<ModelsStageOptions, 'modelsDir' | 'selector'>): Promise<Set<string>> {
  const { project, selections } = await selectBuilds(options);
  const names = new Set<string>();
  for (const selection of selections) {
    for (const model of selection.models) {
      for (const src of project.models.get(model)?.sources ?? []) names.add(selection.group.sources.get(src.db)?.artifact ?? src.db);
    }
  }
  return names;
}
