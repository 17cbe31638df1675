/**
 * The all-or-nothing build of one group's database: a new file beside the old one
 * (buildDatabaseAtomically), sources ATTACHed READ_ONLY, every selected model and its tests
 * run in it, the shrink guard checked, then one rename. Any failure leaves the previous
 * database untouched and names the model, its file and DuckDB's message (with the line).
 */
import { access } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { buildDatabaseAtomically, sqlIdentifier, sqlString, tableRowCounts, type DuckDbHandle } from '../duckdb/index.js';
import { MallardError } from '../engine/index.js';
import { checkView, compileModel, type CompiledModel, type ModelVars } from './compile.js';
import { compileTest } from './compile-test.js';
import { failureLine, modelError, testError, testFailuresError } from './failures.js';
import type { Materialization } from './parse.js';
import { getModel, type Model, type ModelProject } from './project.js';
import { loadSeed } from './seeds.js';
import type { SchemaTest } from './schema-file.js';
import type { GroupSelection } from './select.js';
import { checkShrink, type Shrink } from './shrink.js';

export interface ModelBuildOptions {
  project: ModelProject;
  selection: GroupSelection;
  /** The database file to replace (e.g. artifacts/work/<site>/clean_ckan_api.db). */
  target: string;
  /** Source name → path of the database to ATTACH read-only (the latest artifact). */
  sources: Readonly<Record<string, string>>;
  /** Row counts of the last published build, for the shrink guard. */
  previousCounts?: Readonly<Record<string, number>>;
  /** DuckDB settings of the build (memory_limit from duckdb.memoryLimit). */
  settings?: Readonly<Record<string, string>>;
  /** Largest accepted drop of a table's row count (0.1 = 10%). */
  shrinkTolerance: number;
  allowShrink: boolean;
  /** Values of `{{ var('name') }}` (dbt projects: over dbt_project.yml's vars). */
  vars?: ModelVars;
  /** Incremental models are rebuilt from scratch instead of merged into their previous table. */
  fullRefresh?: boolean;
  log?: (line: string) => void;
}

export interface ModelRun {
  name: string;
  materialization: Materialization;
  /** Incremental models: merged into the previous table (false: built in full). */
  incremental?: boolean;
  /** Built in full although a previous table was there: its columns differ from the model's now. */
  schemaChanged?: boolean;
  ms: number;
}

export interface TestRun {
  id: string;
  severity: 'error' | 'warn';
  failures: number;
  ms: number;
}

export interface ModelBuildResult {
  database: string;
  target: string;
  models: ModelRun[];
  tests: TestRun[];
  /** Rows per table of the new database. */
  counts: Record<string, number>;
  /** Tables that shrank beyond the tolerance (only when allowShrink let the build through). */
  shrinks: Shrink[];
  /** Sources attached (name → path). */
  sources: Record<string, string>;
  /** Tests of severity warn that failed (the build went on). */
  warnings: string[];
}

/** Source name → path for the sources the selected models read; ERR_MISSING_SOURCE if one is not given. */
export function neededSources(opts: Pick<ModelBuildOptions, 'project' | 'selection' | 'sources'>): Record<string, string> {
  const needed: Record<string, string> = {};
  for (const name of opts.selection.models) {
    const model = opts.project.models.get(name);
    for (const src of model?.sources ?? []) {
      const file = opts.sources[src.db];
      if (file === undefined) {
        const decl = opts.selection.group.sources.get(src.db);
        throw new MallardError('ERR_MISSING_SOURCE', `${model?.displayPath}:${src.line}: source '${src.db}' has no database to read (no published '${decl?.artifact ?? src.db}' artifact)`, {
          context: { model: name, source: src.db },
          suggestions: [`build and publish '${decl?.artifact ?? src.db}' first (for ckan_api: ./cli.sh insert-datasets-info --site <site>)`],
        });
      }
      needed[src.db] = file;
    }
  }
  return needed;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

async function relationKinds(db: DuckDbHandle, catalog: string): Promise<Map<string, string>> {
  const rows = await db.all(`SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main'`, [catalog]);
  return new Map(rows.map((r) => [String(r['table_name']), String(r['table_type'])]));
}

async function dropRelation(db: DuckDbHandle, name: string, kind: string | undefined): Promise<void> {
  if (kind === 'VIEW') await db.run(`DROP VIEW ${sqlIdentifier(name)}`);
  else if (kind !== undefined) await db.run(`DROP TABLE ${sqlIdentifier(name)}`);
}

/**
 * What the new database keeps of the previous one, which it starts as a copy of (in the kernel:
 * buildDatabaseAtomically's startFrom, not a copy of every row): everything when only part of the
 * group is selected (`carry`), else only the previous table of each incremental model to merge
 * into; every other relation of the copy is dropped (the selected models make theirs again).
 * Returns the incremental models that will run with is_incremental() true.
 */
async function keepFromPrevious(db: DuckDbHandle, opts: ModelBuildOptions, models: Model[], carry: boolean): Promise<Set<string>> {
  const [row] = await db.all('SELECT current_database() AS name');
  const now = await relationKinds(db, String(row?.['name']));
  const reuse = new Set(models.filter((m) => m.materialization === 'incremental' && opts.fullRefresh !== true && now.get(m.name) === 'BASE TABLE').map((m) => m.name));
  const selected = new Set(models.map((m) => m.name));
  const drop = [...now].filter(([name]) => !reuse.has(name) && (!carry || selected.has(name)));
  // Views first: they may read the tables dropped after them.
  drop.sort(([, a], [, b]) => (a === 'VIEW' ? 0 : 1) - (b === 'VIEW' ? 0 : 1));
  for (const [name, kind] of drop) await dropRelation(db, name, kind);
  return reuse;
}

/** A relation's columns as `name type`, in order. */
async function columnsOf(db: DuckDbHandle, sql: string, params: unknown[] = []): Promise<string[]> {
  return (await db.all(sql, params as never)).map((r) => `${String(r['column_name'])} ${String(r['column_type'] ?? r['data_type'])}`);
}

/**
 * Whether an incremental model may merge into its previous table: the columns its full select
 * gives now (bound, not run) are those of the table. When they differ (the model gained or lost
 * a column since that build: a new mallard version, an edited model), the merge would fail or
 * leave the table half old, so the model is built in full instead, as --full-refresh would.
 */
async function sameColumns(db: DuckDbHandle, model: Model, full: CompiledModel): Promise<boolean> {
  const now = (await columnsOf(db, `DESCRIBE SELECT * FROM (\n${full.select}\n)`)).filter((c) => model.tombstone === undefined || !c.startsWith(`${model.tombstone} `));
  const before = await columnsOf(db, `SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ? ORDER BY ordinal_position`, [model.name]);
  return now.length === before.length && now.every((c, i) => c === before[i]);
}

async function runModels(db: DuckDbHandle, models: Model[], compiled: CompiledModel[], reuse: Set<string>, log: (l: string) => void, full: (i: number) => CompiledModel): Promise<ModelRun[]> {
  const runs: ModelRun[] = [];
  for (const [i, planned] of compiled.entries()) {
    const start = performance.now();
    let model = planned;
    let schemaChanged = false;
    try {
      if (reuse.has(model.name) && !(await sameColumns(db, models[i] as Model, full(i)))) {
        schemaChanged = true;
        reuse.delete(model.name);
        await db.run(`DROP TABLE ${sqlIdentifier(model.name)}`);
        model = full(i);
      }
      if (model.materialization === 'seed') await loadSeed(db, models[i] as Model);
      for (const sql of model.statements) await db.run(sql);
    } catch (err) {
      throw err instanceof MallardError && err.code === 'ERR_MODEL_FAILED' ? err : modelError(err, model);
    }
    const ms = performance.now() - start;
    const incremental = model.materialization === 'incremental' ? { incremental: reuse.has(model.name), ...(schemaChanged ? { schemaChanged } : {}) } : {};
    runs.push({ name: model.name, materialization: model.materialization, ...incremental, ms });
    const how = reuse.has(model.name) ? 'incremental, merged' : schemaChanged ? 'incremental, built in full: its columns changed since the previous table' : model.materialization;
    log(`model ${i + 1}/${compiled.length} ${model.name} (${how}) ${ms.toFixed(0)} ms`);
  }
  return runs;
}

/** Model and column descriptions as COMMENT ON, for the relations the build made. */
async function writeComments(db: DuckDbHandle, models: Model[]): Promise<void> {
  const kinds = await relationKinds(db, String((await db.all('SELECT current_database() AS name'))[0]?.['name']));
  for (const m of models) {
    const kind = kinds.get(m.name);
    const described = m.columns.filter((c) => c.description !== undefined && c.description !== '');
    if (kind === undefined || (m.description === undefined && described.length === 0)) continue;
    const rel = sqlIdentifier(m.name);
    if (m.description !== undefined) await db.run(`COMMENT ON ${kind === 'VIEW' ? 'VIEW' : 'TABLE'} ${rel} IS ${sqlString(m.description)}`);
    const columns = new Set((await db.all(`SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?`, [m.name])).map((r) => String(r['column_name'])));
    for (const c of described) {
      if (columns.has(c.name)) await db.run(`COMMENT ON COLUMN ${rel}.${sqlIdentifier(c.name)} IS ${sqlString(c.description as string)}`);
    }
  }
}

interface TestOutcome {
  runs: TestRun[];
  warnings: string[];
}

async function runTests(db: DuckDbHandle, opts: ModelBuildOptions, tests: SchemaTest[], log: (l: string) => void): Promise<TestOutcome> {
  const runs: TestRun[] = [];
  const failed: Array<{ test: SchemaTest; failures: number; examples: unknown[] }> = [];
  const warnings: string[] = [];
  for (const test of tests) {
    const start = performance.now();
    const sql = compileTest(test, opts.project, opts.vars);
    let failures: number;
    let examples: unknown[] = [];
    try {
      const [row] = await db.all(`SELECT count(*)::BIGINT AS failures FROM (${sql})`);
      failures = Number(row?.['failures'] ?? 0);
      if (failures > 0) examples = await db.all(`SELECT * FROM (${sql}) LIMIT 3`);
    } catch (err) {
      throw testError(err, test);
    }
    if (failures > 0 && test.severity === 'warn') warnings.push(`warning: ${failureLine({ test, failures, examples })} (${test.file})`);
    else if (failures > 0) failed.push({ test, failures, examples });
    runs.push({ id: test.id, severity: test.severity, failures, ms: performance.now() - start });
  }
  log(`tests: ${tests.length - failed.length - warnings.length}/${tests.length} passed${warnings.length > 0 ? `, ${warnings.length} warned` : ''}`);
  if (failed.length > 0) throw testFailuresError(failed);
  return { runs, warnings };
}

/** The tests of the selected models: generic ones on a selected model, singular ones reading one. */
export function selectedTests(opts: Pick<ModelBuildOptions, 'selection'>): SchemaTest[] {
  const selected = new Set(opts.selection.models);
  return opts.selection.group.tests.filter((t) => (t.kind === 'singular' ? t.refs.some((r) => selected.has(r)) || t.refs.length === 0 : selected.has(t.model)));
}

/** Builds the selected models of one group into `target`, all or nothing. */
export async function buildModelDatabase(opts: ModelBuildOptions): Promise<ModelBuildResult> {
  const log = opts.log ?? (() => undefined);
  const models = opts.selection.models.map((n) => getModel(opts.project, n));
  for (const m of models) if (m.materialization === 'view') checkView(opts.project, m);
  const sources = neededSources(opts);
  const tests = selectedTests(opts);
  const previous = await exists(opts.target);
  const carry = !opts.selection.complete && previous;
  const needsPrevious = carry || (previous && opts.fullRefresh !== true && models.some((m) => m.materialization === 'incremental'));
  return buildDatabaseAtomically(opts.target, async (db) => {
    for (const [name, file] of Object.entries(sources)) {
      await db.run(`ATTACH ${sqlString(file)} AS ${sqlIdentifier(name)} (READ_ONLY)`);
    }
    const reuse = needsPrevious ? await keepFromPrevious(db, opts, models, carry) : new Set<string>();
    const vars = opts.vars === undefined ? {} : { vars: opts.vars };
    const compiled = models.map((m) => compileModel(opts.project, m, { ...vars, incremental: reuse.has(m.name) }));
    const fullBuilds = new Map<number, CompiledModel>();
    const full = (i: number): CompiledModel => {
      let built = fullBuilds.get(i);
      if (built === undefined) fullBuilds.set(i, (built = compileModel(opts.project, models[i] as Model, vars)));
      return built;
    };
    const runs = await runModels(db, models, compiled, reuse, log, full);
    await writeComments(db, models);
    const outcome = await runTests(db, opts, tests, log);
    for (const name of Object.keys(sources)) await db.run(`DETACH ${sqlIdentifier(name)}`);
    const counts = await tableRowCounts(db);
    const shrinks = checkShrink({ database: opts.selection.group.database, counts, previous: opts.previousCounts, tolerance: opts.shrinkTolerance, allow: opts.allowShrink });
    return { database: opts.selection.group.database, target: opts.target, models: runs, tests: outcome.runs, counts, shrinks, sources, warnings: outcome.warnings };
  }, { ...(opts.settings === undefined ? {} : { settings: opts.settings }), ...(needsPrevious ? { startFrom: opts.target } : {}) });
}
