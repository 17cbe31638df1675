/**
 * Model runner overhead: a generated project of 30 models (layers of 5, each model refs one to
 * three models of earlier layers, the first layer reads a source table), built with
 * buildModelDatabase, against the SQL's own time: the same compiled statements run one after
 * the other on a fresh DuckDB file with nothing around them. Set-up runs untimed; each side
 * runs --repeat times and the medians are compared.
 *   npm run bench:models -- --models 30 --rows 200000 --tests 10 --repeat 5
 * Prints one JSON line: {models, rows, tests, runnerMs, sqlMs, overheadMs, compileMs, runs}.
 * Target: overheadMs well under 1000 for 30 models.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/duckdb/index.js';
import { buildModelDatabase, compileModel, compileTest, getModel, loadProject, selectByGroup } from '../src/sql/index.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '30' },
    rows: { type: 'string', default: '200000' },
    tests: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '5' },
  },
});
const MODELS = Number(values.models);
const ROWS = Number(values.rows);
const TESTS = Number(values.tests);
const REPEAT = Number(values.repeat);

function modelSql(i: number): string {
  if (i < 5) return `-- layer 0 model ${i}\nSELECT id, id % ${7 + i} AS k, v * ${i + 1} AS v FROM {{ source('raw', 'events') }}`;
  const layerStart = Math.floor(i / 5) * 5;
  const parents = [i - 5, (i * 7) % layerStart, (i * 13) % layerStart].slice(0, 1 + (i % 3));
  const [first, ...rest] = [...new Set(parents)];
  const joins = rest.map((p, j) => `JOIN {{ ref('m${p}') }} j${j} USING (id)`).join('\n');
  const view = i % 6 === 0 ? '-- materialized: view\n' : '';
  return `${view}SELECT a.id, a.k, a.v + ${rest.map((_, j) => `j${j}.v`).join(' + ') || '0'} AS v\nFROM {{ ref('m${first}') }} a\n${joins}\nWHERE a.v >= 0`;
}

async function setUp(dir: string): Promise<{ modelsDir: string; raw: string }> {
  const raw = path.join(dir, 'raw.db');
  const db = await openDatabase(raw);
  await db.run(`CREATE TABLE events AS SELECT range AS id, (range * 31) % 1000 AS v FROM range(${ROWS})`);
  await db.run('CHECKPOINT');
  await db.close();
  const group = path.join(dir, 'models', 'bench');
  await mkdir(group, { recursive: true });
  for (let i = 0; i < MODELS; i++) await writeFile(path.join(group, `m${i}.sql`), modelSql(i));
  const tests = Array.from({ length: TESTS }, (_, i) => `  - name: m${(i * 3) % MODELS}\n    columns:\n      - name: id\n        tests: [not_null${i % 2 === 0 ? ', unique' : ''}]`);
  await writeFile(path.join(group, 'schema.yml'), `sources: [{ name: raw, tables: [events] }]\nmodels:\n${tests.join('\n')}\n`);
  return { modelsDir: path.join(dir, 'models'), raw };
}

/** The whole runner: load, select, compile, atomic build with tests, counts. */
async function runner(modelsDir: string, raw: string, target: string): Promise<number> {
  const start = performance.now();
  const project = await loadProject(modelsDir);
  const [selection] = selectByGroup(project, 'bench');
  if (selection === undefined) throw new Error('nothing selected');
  await buildModelDatabase({ project, selection, target, sources: { raw }, shrinkTolerance: 0.1, allowShrink: false });
  return performance.now() - start;
}

/** The SQL alone: the same statements on a fresh file, compiled beforehand. */
async function bareSql(statements: string[], tests: string[], raw: string, target: string): Promise<number> {
  await rm(target, { force: true });
  const db = await openDatabase(target);
  const start = performance.now();
  await db.run(`ATTACH '${raw}' AS raw (READ_ONLY)`);
  for (const sql of statements) await db.run(sql);
  for (const sql of tests) await db.all(`SELECT count(*) FROM (${sql})`);
  await db.run('DETACH raw');
  await db.run('CHECKPOINT');
  const ms = performance.now() - start;
  await db.close();
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-bench-models-'));
try {
  const { modelsDir, raw } = await setUp(dir);
  const compileStart = performance.now();
  const project = await loadProject(modelsDir);
  const [selection] = selectByGroup(project, 'bench');
  if (selection === undefined) throw new Error('nothing selected');
  const statements = selection.models.map((n) => compileModel(project, getModel(project, n)).sql);
  const tests = selection.group.tests.map((t) => compileTest(t, project));
  const compileMs = performance.now() - compileStart;
  const runs: Array<{ runnerMs: number; sqlMs: number }> = [];
  for (let i = 0; i < REPEAT; i++) {
    const sqlMs = await bareSql(statements, tests, raw, path.join(dir, 'bare.db'));
    const runnerMs = await runner(modelsDir, raw, path.join(dir, 'work', 'bench.db'));
    runs.push({ runnerMs: Math.round(runnerMs), sqlMs: Math.round(sqlMs) });
  }
  const runnerMs = median(runs.map((r) => r.runnerMs));
  const sqlMs = median(runs.map((r) => r.sqlMs));
  console.log(JSON.stringify({ models: MODELS, rows: ROWS, tests: tests.length, runnerMs, sqlMs, overheadMs: runnerMs - sqlMs, compileMs: Math.round(compileMs * 10) / 10, runs }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
