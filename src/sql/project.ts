/**
 * Discovering a models project: `<modelsDir>/<group>/<name>.sql` plus an optional
 * `<group>/schema.yml`. Model names are unique across the project; refs stay inside a group
 * (a group builds one database; another group reads it as a source).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MallardError } from '../engine/errors.js';
import { parseModel, type ParsedModel } from './parse.js';
import { parseSchemaFile, type SchemaTest, type SourceDecl } from './schema-file.js';

export interface Model extends ParsedModel {
  name: string;
  group: string;
  /** Absolute path of the .sql file. */
  file: string;
  /** Path shown in messages: relative to the directory that holds the models dir. */
  displayPath: string;
  text: string;
}

export interface ModelGroup {
  name: string;
  dir: string;
  /** The database (and artifact) name it builds: schema.yml `database`, else the group name. */
  database: string;
  sources: Map<string, SourceDecl>;
  tests: SchemaTest[];
  schemaFile?: string;
  /** Model names of the group, sorted. */
  models: string[];
  /** Tables exported as CSV and Parquet after a publish (schema.yml `exports`). */
  exports: string[];
}

export interface ModelProject {
  dir: string;
  groups: Map<string, ModelGroup>;
  models: Map<string, Model>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SCHEMA_FILES = ['schema.yml', 'schema.yaml'];

async function readDirSorted(dir: string): Promise<import('node:fs').Dirent[]> {
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

async function loadGroup(project: ModelProject, dir: string, group: string, display: (f: string) => string): Promise<void> {
  const g: ModelGroup = { name: group, dir, database: group, sources: new Map(), tests: [], models: [], exports: [] };
  for (const entry of await readDirSorted(dir)) {
    const file = path.join(dir, entry.name);
    if (!entry.isFile()) continue;
    if (SCHEMA_FILES.includes(entry.name)) {
      const schema = parseSchemaFile(await fsp.readFile(file, 'utf8'), display(file));
      g.schemaFile = display(file);
      if (schema.database !== undefined) g.database = schema.database;
      for (const s of schema.sources) g.sources.set(s.name, s);
      g.exports.push(...schema.exports);
      g.tests.push(...schema.tests);
      continue;
    }
    if (!entry.name.endsWith('.sql')) continue;
    const name = entry.name.slice(0, -'.sql'.length);
    if (!NAME.test(name)) {
      throw new MallardError('ERR_CONFIG', `${display(file)}: '${name}' is not a valid model name (letters, digits, underscores)`, { context: { file } });
    }
    const other = project.models.get(name);
    if (other !== undefined) {
      throw new MallardError('ERR_CONFIG', `model '${name}' is defined twice: ${other.displayPath} and ${display(file)}`, {
        context: { files: [other.displayPath, display(file)] },
        suggestions: ['model names are unique across groups: rename one file'],
      });
    }
    const text = await fsp.readFile(file, 'utf8');
    project.models.set(name, { ...parseModel(text, display(file)), name, group, file, displayPath: display(file), text });
    g.models.push(name);
  }
  project.groups.set(group, g);
}

/** The model called `name`; ERR_USAGE when there is none. */
export function getModel(project: ModelProject, name: string): Model {
  const model = project.models.get(name);
  if (model === undefined) throw new MallardError('ERR_USAGE', `no model named '${name}' in ${project.dir}`);
  return model;
}

/** Loads every group of `modelsDir`, then checks refs and tests against what it found. */
export async function loadProject(modelsDir: string): Promise<ModelProject> {
  const dir = path.resolve(modelsDir);
  const base = path.dirname(dir);
  const display = (f: string): string => path.relative(base, f);
  const project: ModelProject = { dir, groups: new Map(), models: new Map() };
  for (const entry of await readDirSorted(dir)) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) await loadGroup(project, path.join(dir, entry.name), entry.name, display);
  }
  for (const g of project.groups.values()) checkGroup(project, g);
  return project;
}

function checkGroup(project: ModelProject, group: ModelGroup): void {
  for (const name of group.exports) {
    if (group.models.includes(name)) continue;
    throw new MallardError('ERR_CONFIG', `${group.schemaFile ?? `${group.name}/schema.yml`}: exports names '${name}', which is not a model of group ${group.name}`, {
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
      throw new MallardError('ERR_CONFIG', `${model.displayPath}:${src.line}: source('${src.db}', '${src.table}') is not declared in ${group.schemaFile ?? `${group.name}/schema.yml`}`, {
        context: { file: model.displayPath, line: src.line },
        suggestions: [known.length > 0 ? `declared: ${known.join(', ')}` : `declare it under 'sources:' in ${group.name}/schema.yml`],
      });
    }
  }
  for (const t of group.tests) {
    const target = project.models.get(t.model);
    const to = t.kind === 'relationships' ? project.models.get(t.to) : target;
    const missing = target?.group !== group.name ? t.model : to?.group !== group.name && t.kind === 'relationships' ? t.to : undefined;
    if (missing !== undefined) {
      throw new MallardError('ERR_CONFIG', `${t.file}: test ${t.id} names model '${missing}', which is not in ${group.name}/`, {
        context: { file: t.file, test: t.id },
        suggestions: [`models of ${group.name}: ${group.models.join(', ') || '(none)'}`],
      });
    }
  }
}
