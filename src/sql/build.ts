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
import { compileModel, compileTest, type CompiledModel, type ModelVars } from './compile.js';
import { modelError, testFailuresError } from './failures.js';
import { getModel, type ModelProject } from './project.js';
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
  /** Values of `{{ var('name') }}`. */
  vars?: ModelVars;
  log?: (line: string) => void;
}

export interface ModelRun {
  name: string;
  materialization: 'table' | 'view';
  ms: number;
}

export interface TestRun {
  id: string;
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

/** Copies the previous database's tables and views into the new one (a partial selection keeps the rest). */
async function carryOver(db: DuckDbHandle, target: string, models: readonly string[]): Promise<void> {
  const [row] = await db.all('SELECT current_database() AS name');
  await db.run(`ATTACH ${sqlString(target)} AS mallard_previous (READ_ONLY)`);
  await db.run(`COPY FROM DATABASE mallard_previous TO ${sqlIdentifier(String(row?.['name']))}`);
  await db.run('DETACH mallard_previous');
  for (const name of models) {
    const kinds = await db.all(`SELECT table_type FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?`, [name]);
    const kind = kinds[0]?.['table_type'];
    if (kind === 'VIEW') await db.run(`DROP VIEW ${sqlIdentifier(name)}`);
    else if (kind !== undefined) await db.run(`DROP TABLE ${sqlIdentifier(name)}`);
  }
}

async function runModels(db: DuckDbHandle, compiled: CompiledModel[], log: (l: string) => void): Promise<ModelRun[]> {
  const runs: ModelRun[] = [];
  for (const [i, model] of compiled.entries()) {
    const start = performance.now();
    try {
      await db.run(model.sql);
    } catch (err) {
      throw modelError(err, model);
    }
    const ms = performance.now() - start;
    runs.push({ name: model.name, materialization: model.materialization, ms });
    log(`model ${i + 1}/${compiled.length} ${model.name} (${model.materialization}) ${ms.toFixed(0)} ms`);
  }
  return runs;
}

async function runTests(db: DuckDbHandle, tests: SchemaTest[], log: (l: string) => void): Promise<TestRun[]> {
  const runs: TestRun[] = [];
  const failed: Array<{ test: SchemaTest; failures: number; examples: unknown[] }> = [];
  for (const test of tests) {
    const start = performance.now();
    const sql = compileTest(test);
    const [row] = await db.all(`SELECT count(*)::BIGINT AS failures FROM (${sql})`);
    const failures = Number(row?.['failures'] ?? 0);
    if (failures > 0) failed.push({ test, failures, examples: await db.all(`${sql} LIMIT 3`) });
    runs.push({ id: test.id, failures, ms: performance.now() - start });
  }
  log(`tests: ${tests.length - failed.length}/${tests.length} passed`);
  if (failed.length > 0) throw testFailuresError(failed);
  return runs;
}

/** Builds the selected models of one group into `target`, all or nothing. */
export async function buildModelDatabase(opts: ModelBuildOptions): Promise<ModelBuildResult> {
  const log = opts.log ?? (() => undefined);
  const compiled = opts.selection.models.map((n) => compileModel(getModel(opts.project, n), opts.vars));
  const sources = neededSources(opts);
  const selected = new Set(opts.selection.models);
  const tests = opts.selection.group.tests.filter((t) => selected.has(t.model));
  const carry = !opts.selection.complete && (await exists(opts.target));
  return buildDatabaseAtomically(opts.target, async (db) => {
    for (const [name, file] of Object.entries(sources)) {
      await db.run(`ATTACH ${sqlString(file)} AS ${sqlIdentifier(name)} (READ_ONLY)`);
    }
    if (carry) await carryOver(db, opts.target, opts.selection.models);
    const models = await runModels(db, compiled, log);
    const testRuns = await runTests(db, tests, log);
    for (const name of Object.keys(sources)) await db.run(`DETACH ${sqlIdentifier(name)}`);
    const counts = await tableRowCounts(db);
    const shrinks = checkShrink({ database: opts.selection.group.database, counts, previous: opts.previousCounts, tolerance: opts.shrinkTolerance, allow: opts.allowShrink });
    return { database: opts.selection.group.database, target: opts.target, models, tests: testRuns, counts, shrinks, sources };
  }, opts.settings === undefined ? {} : { settings: opts.settings });
}
