/**
 * Model runner overhead over the bare SQL, for two generated projects (bench/models-projects.ts):
 *   mallard: 30 models in layers reading a source table of --rows rows, --tests tests;
 *   dbt: a dbt project of --dbt-models models (layer folders, views/tables/ephemerals, macros,
 *        a Jinja loop), --dbt-tests tests and seeds of --seed-rows rows.
 * Runs are paired: bare SQL then runner, --repeat times, each timer opening its own new
 * database. The runner side is everything run-models does to build a group: load the project
 * (read, parse-render every model), select, compile, the atomic build with seeds, tests and
 * row counts, the rename. The bare side runs the same compiled statements (seeds by a plain
 * read_csv) and the same test queries on a fresh file, opened inside its timer, then CHECKPOINT.
 * compileMs is loading and compiling the project alone (dbt-core takes tens of seconds to
 * parse ~1,000 models). Targets: dbt compileMs < 1000, overheadPct < 10.
 *   npm run bench:models -- --kind dbt --dbt-models 1000 --dbt-tests 2000 --seed-rows 100000 --repeat 3
 * Prints one JSON line: {mallard?: {...}, dbt?: {...}}, each {models, tests, sqlMs, runnerMs,
 * overheadMs, overheadPct, overheadCpuPct, compileMs, compileCpuMs, firstCompileMs (a cold
 * process, as the CLI runs), pairs}; times are medians of the pairs.
 * overheadCpuPct compares the process CPU time of both sides (DuckDB runs in the process), which
 * other load on a shared machine disturbs less than wall time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openDatabase, sqlString } from '../src/duckdb/index.js';
import { buildModelDatabase, compileModel, compileTest, getModel, loadProject, selectByGroup, type ModelProject } from '../src/sql/index.js';
import { writeDbtProject, writeMallardGroup } from './models-projects.js';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'all' },
    models: { type: 'string', default: '30' },
    rows: { type: 'string', default: '200000' },
    tests: { type: 'string', default: '10' },
    'dbt-models': { type: 'string', default: '1000' },
    'dbt-tests': { type: 'string', default: '2000' },
    'seed-rows': { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '3' },
  },
});
const REPEAT = Number(values.repeat);

interface Scenario {
  group: string;
  modelsDir: string;
  sources: Record<string, string>;
}

interface Compiled {
  statements: string[];
  tests: string[];
  ms: number;
  cpuMs: number;
}

/** Loads and compiles the group as the runner would, timed; the statements the bare side runs. */
async function compileAll(s: Scenario): Promise<Compiled> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const project: ModelProject = await loadProject(s.modelsDir);
  const [selection] = selectByGroup(project, s.group);
  if (selection === undefined) throw new Error('nothing selected');
  const statements: string[] = [];
  for (const name of selection.models) {
    const model = getModel(project, name);
    if (model.materialization === 'seed') statements.push(`CREATE TABLE ${name} AS SELECT * FROM read_csv(${sqlString(model.file)})`);
    else statements.push(...compileModel(project, model).statements);
  }
  const tests = selection.group.tests.map((t) => compileTest(t, project));
  const used = process.cpuUsage(cpu);
  return { statements, tests, ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

interface Timed {
  ms: number;
  /** CPU time of the process (DuckDB runs in it): less sensitive than wall time to other load on the machine. */
  cpuMs: number;
}

async function timed(run: () => Promise<void>): Promise<Timed> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

/** The SQL alone on a fresh file: the database is opened inside the timer. */
async function bareSql(s: Scenario, c: Compiled, target: string): Promise<Timed> {
  await rm(target, { force: true });
  return timed(async () => {
  const db = await openDatabase(target);
  for (const [name, file] of Object.entries(s.sources)) await db.run(`ATTACH ${sqlString(file)} AS ${name} (READ_ONLY)`);
  for (const sql of c.statements) await db.run(sql);
  for (const sql of c.tests) await db.all(`SELECT count(*) FROM (${sql})`);
  for (const name of Object.keys(s.sources)) await db.run(`DETACH ${name}`);
  await db.run('CHECKPOINT');
  await db.close();
  });
}

/** The whole runner: load, select, compile, atomic build with tests and counts, rename. */
async function runner(s: Scenario, target: string): Promise<Timed> {
  await rm(target, { force: true });
  return timed(async () => {
    const project = await loadProject(s.modelsDir);
    const [selection] = selectByGroup(project, s.group);
    if (selection === undefined) throw new Error('nothing selected');
    await buildModelDatabase({ project, selection, target, sources: s.sources, shrinkTolerance: 0.1, allowShrink: false });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(s: Scenario, dir: string): Promise<Record<string, unknown>> {
  const compiles: Compiled[] = [];
  for (let i = 0; i < REPEAT; i++) compiles.push(await compileAll(s));
  const compiled = compiles[compiles.length - 1];
  const c = compiled as Compiled;
  const pairs: Array<{ sqlMs: number; runnerMs: number; sqlCpuMs: number; runnerCpuMs: number }> = [];
  for (let i = 0; i < REPEAT; i++) {
    const sql = await bareSql(s, c, path.join(dir, `bare-${s.group}.db`));
    const run = await runner(s, path.join(dir, 'work', `${s.group}.db`));
    pairs.push({ sqlMs: Math.round(sql.ms), runnerMs: Math.round(run.ms), sqlCpuMs: Math.round(sql.cpuMs), runnerCpuMs: Math.round(run.cpuMs) });
  }
  const sqlMs = median(pairs.map((p) => p.sqlMs));
  const runnerMs = median(pairs.map((p) => p.runnerMs));
  const pct = (xs: number[]): number => Math.round(median(xs) * 10) / 10;
  return {
    statements: c.statements.length,
    tests: c.tests.length,
    sqlMs,
    runnerMs,
    overheadMs: runnerMs - sqlMs,
    overheadPct: pct(pairs.map((p) => ((p.runnerMs - p.sqlMs) / p.sqlMs) * 100)),
    overheadCpuPct: pct(pairs.map((p) => ((p.runnerCpuMs - p.sqlCpuMs) / p.sqlCpuMs) * 100)),
    compileMs: Math.round(median(compiles.map((x) => x.ms))),
    compileCpuMs: Math.round(median(compiles.map((x) => x.cpuMs))),
    firstCompileMs: Math.round(compiles[0]?.ms ?? 0),
    pairs,
  };
}

async function mallardScenario(dir: string): Promise<Record<string, unknown>> {
  const raw = path.join(dir, 'raw.db');
  const db = await openDatabase(raw);
  await db.run(`CREATE TABLE events AS SELECT range AS id, (range * 31) % 1000 AS v FROM range(${Number(values.rows)})`);
  await db.run('CHECKPOINT');
  await db.close();
  const modelsDir = path.join(dir, 'mallard-models');
  await writeMallardGroup(modelsDir, Number(values.models), Number(values.tests));
  return { models: Number(values.models), rows: Number(values.rows), ...(await measure({ group: 'bench', modelsDir, sources: { raw } }, dir)) };
}

async function dbtScenario(dir: string): Promise<Record<string, unknown>> {
  const modelsDir = path.join(dir, 'dbt-models');
  await writeDbtProject(modelsDir, Number(values['dbt-models']), Number(values['dbt-tests']), Number(values['seed-rows']));
  return { models: Number(values['dbt-models']), seedRows: Number(values['seed-rows']), ...(await measure({ group: 'bench_dbt', modelsDir, sources: {} }, dir)) };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-bench-models-'));
try {
  const out: Record<string, unknown> = {};
  if (values.kind === 'all' || values.kind === 'mallard') out['mallard'] = await mallardScenario(dir);
  if (values.kind === 'all' || values.kind === 'dbt') out['dbt'] = await dbtScenario(dir);
  console.log(JSON.stringify(out));
} finally {
  await rm(dir, { recursive: true, force: true });
}
