/**
 * Compiling models to the SQL DuckDB runs: the model's template rendered with the build's
 * scope. A ref becomes the model's relation in the build database (`"name"`), an ephemeral
 * model's ref `__dbt__cte__name` (its SQL inlined as a CTE), a source the table of the
 * attached source artifact (`"ckan_api"."datasets"`). Line N of the model file is line
 * N + headerLines of the statement while the template kept the file's lines (no loop grew it).
 */
import { MallardError } from '../engine/index.js';
import { sqlIdentifier, sqlString } from '../duckdb/index.js';
import { TemplateCallError, positionalArgs, type RenderScope } from './jinja.js';
import { relation, type Materialization } from './parse.js';
import type { Model, ModelGroup, ModelProject } from './project.js';

export interface CompiledModel {
  name: string;
  file: string;
  materialization: Materialization;
  /** The model's SELECT (ephemeral models it refs inlined as CTEs); empty for seeds. */
  select: string;
  /** The statement that builds it (`CREATE TABLE "name" AS` + newline + select), or a comment for seeds and ephemerals. */
  sql: string;
  /** Every statement to run, in order (empty for ephemerals; incremental merges have several). */
  statements: string[];
  /** Lines before line 1 of the model file in `sql`; undefined when the template changed the line count. */
  headerLines: number | undefined;
}

/** Values of `{{ var('name') }}`. In mallard groups they compile to SQL string literals. */
export type ModelVars = Readonly<Record<string, unknown>>;

export interface CompileOptions {
  vars?: ModelVars;
  /** is_incremental() is true: the model's previous table is in the build database. */
  incremental?: boolean;
}

export const CTE_PREFIX = '__dbt__cte__';
export const TMP_SUFFIX = '__dbt_tmp';

interface Rendering {
  project: ModelProject;
  vars: ModelVars;
  /** Ephemeral models used, in the order their CTEs must come. */
  ctes: Map<string, string>;
}

function varFunction(group: ModelGroup, vars: ModelVars): (...args: unknown[]) => unknown {
  return (...raw: unknown[]) => {
    const [name, fallback] = positionalArgs(raw) as [string, unknown];
    const all = { ...group.vars, ...vars };
    const value = Object.hasOwn(all, name) ? all[name] : fallback;
    if (value === undefined) {
      const known = Object.keys(all).sort();
      throw new TemplateCallError(`var('${name}') has no value`, [known.length > 0 ? `vars of this run: ${known.join(', ')}` : 'this run gives no vars (dbt projects: vars: in dbt_project.yml, or --vars)']);
    }
    return group.kind === 'mallard' ? sqlString(String(value)) : value;
  };
}

function scopeFor(r: Rendering, model: Model, incremental: boolean): RenderScope {
  const group = r.project.groups.get(model.group) as ModelGroup;
  return {
    ...group.scope,
    execute: true,
    this: relation(sqlIdentifier(model.name), model.name),
    model: { name: model.name, config: { materialized: model.materialization, unique_key: model.uniqueKey } },
    ref: (...raw: unknown[]) => {
      const args = positionalArgs(raw);
      const name = String(args[args.length - 1]);
      const target = r.project.models.get(name);
      if (target?.materialization !== 'ephemeral') return relation(sqlIdentifier(name), name);
      addCte(r, target);
      return relation(`${CTE_PREFIX}${name}`, `${CTE_PREFIX}${name}`);
    },
    source: (db: unknown, table: unknown) => relation(`${sqlIdentifier(String(db))}.${sqlIdentifier(String(table))}`, String(table), 'main', String(db)),
    var: varFunction(group, r.vars),
    config: () => '',
    is_incremental: () => incremental,
  };
}

function renderModel(r: Rendering, model: Model, incremental: boolean): string {
  if (model.template === undefined) return '';
  const group = r.project.groups.get(model.group) as ModelGroup;
  return group.jinja.render(model.template, scopeFor(r, model, incremental));
}

function addCte(r: Rendering, model: Model): void {
  if (r.ctes.has(model.name)) return;
  const sql = stripEnd(renderModel(r, model, false));
  r.ctes.set(model.name, sql);
}

function stripEnd(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** The model's SELECT and the lines put before line 1 of its file (undefined: lines moved). */
export function compileSelect(project: ModelProject, model: Model, opts: CompileOptions = {}): { select: string; before: number | undefined } {
  const r: Rendering = { project, vars: opts.vars ?? {}, ctes: new Map() };
  const rendered = renderModel(r, model, opts.incremental ?? false);
  const kept = rendered.split('\n').length === model.text.split('\n').length;
  const body = stripEnd(rendered);
  if (r.ctes.size === 0) return { select: body, before: kept ? 0 : undefined };
  const ctes = [...r.ctes].map(([name, sql]) => `${CTE_PREFIX}${name} AS (\n${sql}\n)`).join(',\n');
  const head = `WITH ${ctes}\nSELECT * FROM (`;
  return { select: `${head}\n${body}\n)`, before: kept ? head.split('\n').length : undefined };
}

function usesSource(project: ModelProject, model: Model, seen = new Set<string>()): Model | undefined {
  if (model.sources.length > 0) return model;
  for (const ref of model.refs) {
    const target = project.models.get(ref.name);
    if (target?.materialization !== 'ephemeral' || seen.has(target.name)) continue;
    seen.add(target.name);
    const found = usesSource(project, target, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A view may not read a source, directly or through ephemeral models it inlines (ERR_MODEL_PARSE). */
export function checkView(project: ModelProject, model: Model): void {
  const reader = usesSource(project, model);
  const first = reader?.sources[0];
  if (reader === undefined || first === undefined) return;
  throw new MallardError('ERR_MODEL_PARSE', `${reader.displayPath}:${first.line}: a view cannot read source('${first.db}', '${first.table}')${reader === model ? '' : ` (through the ephemeral model ${reader.name}, inlined in the view ${model.name})`}`, {
    context: { file: reader.displayPath, line: first.line, model: model.name },
    suggestions: ['sources are attached only while the database builds, so the view would break when the published file is opened: materialize the model as a table'],
  });
}

/** `SELECT *` of a model's rows without its tombstones (and without the tombstone column). */
function liveRows(model: Model, from: string): string {
  if (model.tombstone === undefined) return `SELECT * FROM ${from}`;
  const column = sqlIdentifier(model.tombstone);
  return `SELECT * EXCLUDE (${column}) FROM ${from} WHERE NOT coalesce(${column}, false)`;
}

/**
 * The incremental merge: new rows into a temporary table, delete+insert on the unique key (or
 * append). Tombstone rows delete the rows of their key too, and are not inserted.
 */
function incrementalStatements(model: Model, select: string): string[] {
  const target = sqlIdentifier(model.name);
  const tmp = sqlIdentifier(`${model.name}${TMP_SUFFIX}`);
  const statements = [`CREATE OR REPLACE TEMP TABLE ${tmp} AS\n${select}`];
  if (model.uniqueKey.length > 0) {
    const on = model.uniqueKey.map((k) => `${target}.${sqlIdentifier(k)} = ${tmp}.${sqlIdentifier(k)}`).join(' AND ');
    statements.push(`DELETE FROM ${target} USING ${tmp} WHERE ${on}`);
  }
  statements.push(`INSERT INTO ${target} BY NAME ${liveRows(model, tmp)}`, `DROP TABLE ${tmp}`);
  return statements;
}

/** A tombstone needs a key to delete by. */
function checkTombstone(model: Model): void {
  if (model.tombstone === undefined) return;
  if (model.materialization !== 'incremental' || model.uniqueKey.length === 0) {
    throw new MallardError('ERR_MODEL_PARSE', `${model.displayPath}: config tombstone='${model.tombstone}' needs materialized='incremental' and a unique_key (its rows delete the rows of their key)`, {
      context: { file: model.displayPath, model: model.name },
      suggestions: ["add unique_key='<column>' to the config, or remove tombstone"],
    });
  }
}

export function compileModel(project: ModelProject, model: Model, opts: CompileOptions = {}): CompiledModel {
  const base = { name: model.name, file: model.displayPath, materialization: model.materialization };
  if (model.materialization === 'seed') return { ...base, select: '', sql: `-- seed: loaded from ${model.displayPath}`, statements: [], headerLines: undefined };
  if (model.materialization === 'view') checkView(project, model);
  const { select, before } = compileSelect(project, model, opts);
  const headerLines = before === undefined ? undefined : before + 1;
  if (model.materialization === 'ephemeral') return { ...base, select, sql: `-- ephemeral: inlined as ${CTE_PREFIX}${model.name} where it is ref'd\n${select}`, statements: [], headerLines };
  if (model.materialization === 'incremental' && opts.incremental === true) {
    checkTombstone(model);
    const statements = incrementalStatements(model, select);
    return { ...base, select, sql: statements.join(';\n'), statements, headerLines };
  }
  const kind = model.materialization === 'view' ? 'VIEW' : 'TABLE';
  checkTombstone(model);
  // With a tombstone column, on the CREATE line so that the file's lines keep their numbers.
  const sql = model.tombstone === undefined
    ? `CREATE ${kind} ${sqlIdentifier(model.name)} AS\n${select}`
    : `CREATE ${kind} ${sqlIdentifier(model.name)} AS SELECT * EXCLUDE (${sqlIdentifier(model.tombstone)}) FROM (\n${select}\n) WHERE NOT coalesce(${sqlIdentifier(model.tombstone)}, false)`;
  return { ...base, select, sql, statements: [sql], headerLines };
}
