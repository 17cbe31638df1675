/**
 * Discovering a models project: every folder of the models dir is a group that builds one
 * database. A folder holding `dbt_project.yml` is a dbt project (dbt-project.ts); any other is
 * a mallard group, `<group>/<name>.sql` plus an optional `<group>/schema.yml`
 * (mallard-group.ts). Both load into the same shape: models (and seeds), tests, the sources
 * the group reads and every file it was made from. Model names are unique across the
 * project; refs stay inside a group (another group reads its database as a source).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MallardError } from '../engine/errors.js';
import { isDbtProject, loadDbtGroup } from './dbt-project.js';
import type { CompiledTemplate, JinjaEnv, RenderScope } from './jinja.js';
import { loadMallardGroup } from './mallard-group.js';
import type { Materialization, RefCall, SourceCall } from './parse.js';
import type { SchemaTest, SourceDecl } from './schema-file.js';

export interface ColumnDoc {
  name: string;
  description?: string;
}

export interface Model {
  name: string;
  group: string;
  /** Absolute path of the .sql (or a seed's .csv) file. */
  file: string;
  /** Path shown in messages: relative to the directory that holds the models dir. */
  displayPath: string;
  text: string;
  materialization: Materialization;
  refs: RefCall[];
  sources: SourceCall[];
  /** The compiled template (absent for seeds). */
  template?: CompiledTemplate;
  /** Incremental models: the columns rows are merged on (delete+insert); empty = append. */
  uniqueKey: string[];
  /**
   * Incremental models with a unique_key (config `tombstone`, a mallard extension): a boolean
   * column of the model's SELECT; a row where it is true only deletes the rows of its key and is
   * not inserted, and the column never reaches the table (full builds drop those rows too).
   */
  tombstone?: string;
  /** Seeds: column → DuckDB type, overriding the inferred type. */
  columnTypes: Record<string, string>;
  description?: string;
  columns: ColumnDoc[];
}

export interface ModelGroup {
  name: string;
  dir: string;
  /** `dbt`: a dbt project (dbt_project.yml); `mallard`: models/<group>/*.sql with schema.yml. */
  kind: 'mallard' | 'dbt';
  /** The database (and artifact) name it builds: schema.yml `database`, else the group name. */
  database: string;
  sources: Map<string, SourceDecl>;
  tests: SchemaTest[];
  schemaFile?: string;
  /** Model (and seed) names of the group, sorted. */
  models: string[];
  /** Tables exported as CSV and Parquet after a publish (schema.yml `exports`). */
  exports: string[];
  /** `vars:` of dbt_project.yml (overridden by the run's vars). */
  vars: Record<string, unknown>;
  /** Every file the group was made from (absolute paths, sorted). */
  files: string[];
  /** sha256 of the paths and contents of `files`: changes when any file changes. */
  fingerprint: string;
  jinja: JinjaEnv;
  /** Names every template of the group sees besides ref/source/var/config/this (dbt: target, doc). */
  scope: RenderScope;
}

export interface ModelProject {
  dir: string;
  groups: Map<string, ModelGroup>;
  models: Map<string, Model>;
}

/**
 * Contents of the project's files, read once each: a loader starts every read of a folder at
 * once (prefetch) instead of one after the other, and the fingerprint reuses what was read.
 */
export class FileCache {
  private readonly reads = new Map<string, Promise<Buffer>>();

  read(file: string): Promise<Buffer> {
    let r = this.reads.get(file);
    if (r === undefined) {
      r = fsp.readFile(file);
      this.reads.set(file, r);
    }
    return r;
  }

  async text(file: string): Promise<string> {
    return (await this.read(file)).toString('utf8');
  }

  /** Starts reading `files` (a failure surfaces when the file is read). */
  prefetch(files: Iterable<string>): void {
    for (const f of files) this.read(f).catch(() => undefined);
  }
}

/** How a group loader names files in messages, reads them and registers models. */
export interface LoadContext {
  project: ModelProject;
  display: (file: string) => string;
  cache: FileCache;
}

export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function readDirSorted(dir: string): Promise<import('node:fs').Dirent[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') {
      throw new MallardError('ERR_CONFIG', `models directory ${dir} does not exist`, {
        context: { dir },
        suggestions: ['run from the project root (it has models/), or pass --models-dir'],
      });
    }
    throw err;
  });
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Adds a model to the project; a name used twice is an error naming both files. */
export function registerModel(ctx: LoadContext, model: Model): void {
  if (!NAME.test(model.name)) {
    throw new MallardError('ERR_CONFIG', `${model.displayPath}: '${model.name}' is not a valid model name (letters, digits, underscores)`, { context: { file: model.displayPath } });
  }
  const other = ctx.project.models.get(model.name);
  if (other !== undefined) {
    throw new MallardError('ERR_CONFIG', `model '${model.name}' is defined twice: ${other.displayPath} and ${model.displayPath}`, {
      context: { files: [other.displayPath, model.displayPath] },
      suggestions: ['model names are unique across groups: rename one file'],
    });
  }
  ctx.project.models.set(model.name, model);
}

/** The fingerprint of a group's files: their paths (relative to the group) and contents. */
export async function filesFingerprint(dir: string, files: readonly string[], cache = new FileCache()): Promise<string> {
  const hash = createHash('sha256');
  const sorted = [...files].sort();
  cache.prefetch(sorted);
  for (const file of sorted) {
    hash.update(`${path.relative(dir, file)}\0`);
    hash.update(await cache.read(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The model called `name`; ERR_USAGE when there is none. */
export function getModel(project: ModelProject, name: string): Model {
  const model = project.models.get(name);
  if (model === undefined) throw new MallardError('ERR_USAGE', `no model named '${name}' in ${project.dir}`);
  return model;
}

/** Loads every group of `modelsDir`, then checks sources, exports and tests against what it found. */
export async function loadProject(modelsDir: string): Promise<ModelProject> {
  const dir = path.resolve(modelsDir);
  const base = path.dirname(dir);
  const ctx: LoadContext = { project: { dir, groups: new Map(), models: new Map() }, display: (f) => path.relative(base, f), cache: new FileCache() };
  for (const entry of await readDirSorted(dir)) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const groupDir = path.join(dir, entry.name);
    const group = (await isDbtProject(groupDir)) ? await loadDbtGroup(ctx, groupDir, entry.name) : await loadMallardGroup(ctx, groupDir, entry.name);
    ctx.project.groups.set(entry.name, group);
  }
  for (const g of ctx.project.groups.values()) checkGroup(ctx.project, g);
  return ctx.project;
}

function checkGroup(project: ModelProject, group: ModelGroup): void {
  const schemaFile = group.schemaFile ?? `${group.name}/schema.yml`;
  for (const name of group.exports) {
    if (group.models.includes(name)) continue;
    throw new MallardError('ERR_CONFIG', `${schemaFile}: exports names '${name}', which is not a model of group ${group.name}`, {
      context: { file: group.schemaFile, export: name },
      suggestions: [`models of ${group.name}: ${group.models.join(', ')}`],
    });
  }
  for (const name of group.models) {
    const model = project.models.get(name) as Model;
    for (const src of model.sources) {
      const decl = group.sources.get(src.db);
      if (decl !== undefined && (decl.tables.length === 0 || decl.tables.includes(src.table))) continue;
      const known = decl === undefined ? [...group.sources.keys()] : decl.tables.map((t) => `${src.db}.${t}`);
      throw new MallardError('ERR_CONFIG', `${model.displayPath}:${src.line}: source('${src.db}', '${src.table}') is not declared in ${schemaFile}`, {
        context: { file: model.displayPath, line: src.line },
        suggestions: [known.length > 0 ? `declared: ${known.join(', ')}` : `declare it under 'sources:' in ${group.kind === 'dbt' ? 'a .yml file of the model paths' : `${group.name}/schema.yml`}`],
      });
    }
  }
  for (const t of group.tests) {
    const names = t.kind === 'relationships' ? [t.model, t.to] : t.kind === 'singular' ? t.refs : [t.model];
    const missing = names.find((n) => project.models.get(n)?.group !== group.name);
    if (missing === undefined) continue;
    throw new MallardError('ERR_CONFIG', `${t.file}: test ${t.id} names model '${missing}', which is not in ${group.name}/`, {
      context: { file: t.file, test: t.id },
      suggestions: [`models of ${group.name}: ${group.models.join(', ') || '(none)'}`],
    });
  }
}
