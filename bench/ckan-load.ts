/**
 * Benchmark of the CKAN raw load against a bare DuckDB read of the same page files.
 *
 *   npm run bench:ckan-load -- --datasets 20000 [--rows-per-page 1000] [--repeat 3] [--seed 42]
 *     [--stage auto|memory|disk] [--memory-limit 400MB]
 *
 * Generates synthetic CKAN pages in a temporary directory, then, alternating, runs in child
 * processes (so each peak RSS is its own): (a) the full build of ckan_api.db (create schema +
 * loadCkanPages + CHECKPOINT + fsync/rename) and (b) a bare `CREATE TABLE t AS SELECT * FROM
 * read_json(<same files>, columns=<the loader's columns>)` + CHECKPOINT into a new file, with
 * the same DuckDB settings; and (c) `rawOnlySeconds`: the verbatim lines alone (read_json_objects)
 * into a table, the cost of keeping `raw` that (b) does not pay; and (d) `floorSeconds`: (b) and (c)
 * in one build (the typed bare read plus only writing the raw strings), a floor for any load that
 * keeps `raw`: `floorRatio` = floor / bare is the best ratio such a load can reach here, before
 * child tables, dedupe or typing. Prints one JSON line; times are medians over the repeats, each
 * measured in its own child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { iteratePackages, writePageFiles } from '../test/support/ckan-corpus.js';

type Kind = 'load' | 'bare' | 'raw' | 'floor';

interface Args {
  datasets: number;
  rowsPerPage: number;
  repeat: number;
  seed: number;
  child?: Kind;
  dir?: string;
  stage: string;
  memoryLimit?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { datasets: 20000, rowsPerPage: 1000, repeat: 1, seed: 42, stage: 'auto' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--datasets') args.datasets = Number(value);
    else if (flag === '--rows-per-page') args.rowsPerPage = Number(value);
    else if (flag === '--repeat') args.repeat = Number(value);
    else if (flag === '--seed') args.seed = Number(value);
    else if (flag === '--child') args.child = value as Kind;
    else if (flag === '--dir') args.dir = value;
    else if (flag === '--stage') args.stage = value;
    else if (flag === '--memory-limit') args.memoryLimit = value;
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

interface ChildResult {
  seconds: number;
  peakRssMB: number;
  summary?: unknown;
}

async function pageFiles(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).filter((f) => f.endsWith('.ndjson')).sort().map((f) => path.join(dir, f));
}

/** Runs inside the child process: one measurement, printed as JSON. */
async function runChild(kind: Kind, dir: string, args: Args): Promise<void> {
  const files = await pageFiles(path.join(dir, 'pages'));
  await import('@duckdb/node-api'); // load the native module before the clock starts
  const { CKAN_LOAD_SETTINGS, CKAN_ROW_GROUP_SIZE, bareReadSql, buildCkanApiDatabase } = await import('../src/sources/ckan/db/index.js');
  const { openDatabase, sqlStringList } = await import('../src/duckdb/index.js');
  const target = path.join(dir, `${kind}-${process.pid}.db`);
  const settings: Record<string, string> = args.memoryLimit === undefined ? {} : { memory_limit: args.memoryLimit };
  const started = performance.now();
  let summary: unknown;
  if (kind === 'load') {
    summary = await buildCkanApiDatabase(target, files, { settings, stage: args.stage as 'auto' | 'memory' | 'disk' });
  } else {
    const db = await openDatabase(target, { settings: { ...CKAN_LOAD_SETTINGS, ...settings }, rowGroupSize: CKAN_ROW_GROUP_SIZE });
    const rawOnly = `CREATE TABLE r AS SELECT json AS raw FROM read_json_objects(${sqlStringList(files)}, format = 'newline_delimited')`;
    if (kind !== 'raw') await db.run(bareReadSql(files, 't'));
    if (kind !== 'bare') await db.run(rawOnly);
    await db.run('CHECKPOINT');
    await db.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await rm(target, { force: true });
  const result: ChildResult = { seconds, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), summary };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function measure(kind: Kind, dir: string, args: Args): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const extra = ['--stage', args.stage, ...(args.memoryLimit === undefined ? [] : ['--memory-limit', args.memoryLimit])];
  const child = spawnSync(process.execPath, [self, '--child', kind, '--dir', dir, ...extra], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${kind} run failed (exit ${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as ChildResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child !== undefined && args.dir !== undefined) return runChild(args.child, args.dir, args);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-bench-ckan-'));
  try {
    const files = await writePageFiles(path.join(dir, 'pages'), iteratePackages(args.datasets, args.seed), args.rowsPerPage);
    const bytes = (await Promise.all(files.map((f) => stat(f)))).reduce((sum, s) => sum + s.size, 0);
    const loads: ChildResult[] = [];
    const bares: ChildResult[] = [];
    const raws: ChildResult[] = [];
    const floors: ChildResult[] = [];
    for (let i = 0; i < args.repeat; i += 1) {
      bares.push(measure('bare', dir, args));
      loads.push(measure('load', dir, args));
      raws.push(measure('raw', dir, args));
      floors.push(measure('floor', dir, args));
    }
    const floorSeconds = median(floors.map((r) => r.seconds));
    const loadSeconds = median(loads.map((r) => r.seconds));
    const bareReadSeconds = median(bares.map((r) => r.seconds));
    process.stdout.write(`${JSON.stringify({
      datasets: args.datasets, files: files.length, bytes,
      loadSeconds: round(loadSeconds), bareReadSeconds: round(bareReadSeconds), ratio: round(loadSeconds / bareReadSeconds),
      peakRssMB: Math.max(...loads.map((r) => r.peakRssMB)), bareReadPeakRssMB: Math.max(...bares.map((r) => r.peakRssMB)),
      rawOnlySeconds: round(median(raws.map((r) => r.seconds))),
      floorSeconds: round(floorSeconds), floorRatio: round(floorSeconds / bareReadSeconds),
      repeat: args.repeat, rowsPerPage: args.rowsPerPage, stage: args.stage, memoryLimit: args.memoryLimit ?? 'default',
      cpus: os.availableParallelism(),
      loadRuns: loads.map((r) => round(r.seconds)), bareRuns: bares.map((r) => round(r.seconds)),
      summary: loads[0]?.summary,
    })}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
