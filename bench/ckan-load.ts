/**
 * Benchmark of insert-datasets-info against a bare DuckDB read of the same page files.
 *
 *   npm run bench:ckan-load -- --datasets 20000 [--rows-per-page 1000] [--repeat 3] [--seed 42]
 *     [--chunk-mb 256] [--memory-limit 400MB] [--pages-dir DIR] [--only insert,bare]
 *
 * Generates synthetic CKAN pages in a temporary directory (or, with `--pages-dir`, in DIR, kept
 * after the run and reused by the next run with the same --datasets, --seed and --rows-per-page:
 * the 100k pages take a minute to generate), then, alternating, runs each kind in
 * its own child process (so each peak RSS is its own) and prints one JSON line of medians:
 *
 * - `insertSeconds`: what insert-datasets-info does: the atomic build of ckan_api.db (schema,
 *   loadCkanPages, CHECKPOINT, fsync, rename: `loadSeconds`), then the pages' digests for the
 *   manifest (from the hash cache, as the download's receipts leave it for pages of 1 MiB or
 *   more) and the stage's publication as a read-only artifact with manifest (hard link, sha256
 *   and row counts at once: `publishSeconds`).
 * - `bareReadSeconds`: the issue's baseline, a bare `CREATE TABLE t AS SELECT * FROM
 *   read_json(<files>)` (DuckDB's own detection of the structure) + CHECKPOINT into a new file.
 *   `ratio` = insertSeconds / bareReadSeconds (target 1.5); `pairedRatio` the median of each
 *   round's insert / bare (steadier on a shared machine); `cpuRatio` of the median CPU times.
 * - `declaredReadSeconds`: a stricter baseline, read_json with only the loader's declared columns
 *   (no detection, fewer columns to type and write); `declaredRatio` = insert / declared.
 * - `floorSeconds`: the declared read plus only writing the verbatim lines (`raw`) in one build,
 *   the least any load that keeps `raw` must do; `floorRatio` = floor / declared.
 *
 * Every build uses the loader's DuckDB settings (memory_limit, row group size).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { iteratePackages, writePageFiles } from '../test/support/ckan-corpus.js';

type Kind = 'insert' | 'bare' | 'declared' | 'floor';

interface Args {
  datasets: number;
  rowsPerPage: number;
  repeat: number;
  seed: number;
  child?: Kind;
  dir?: string;
  chunkMb?: number;
  memoryLimit?: string;
  pagesDir?: string;
  only?: Kind[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { datasets: 20000, rowsPerPage: 1000, repeat: 1, seed: 42 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--datasets') args.datasets = Number(value);
    else if (flag === '--rows-per-page') args.rowsPerPage = Number(value);
    else if (flag === '--repeat') args.repeat = Number(value);
    else if (flag === '--seed') args.seed = Number(value);
    else if (flag === '--child') args.child = value as Kind;
    else if (flag === '--dir') args.dir = value;
    else if (flag === '--chunk-mb') args.chunkMb = Number(value);
    else if (flag === '--memory-limit') args.memoryLimit = value;
    else if (flag === '--pages-dir') args.pagesDir = path.resolve(value);
    else if (flag === '--only') args.only = value.split(',') as Kind[];
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

interface ChildResult {
  seconds: number;
  /** insert only: the build alone (the rest of `seconds` is publishing). */
  loadSeconds?: number;
  peakRssMB: number;
  /** CPU time (user + sys, all threads) of the measured part, seconds. */
  cpuSeconds: number;
  summary?: unknown;
}

async function pageFiles(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).filter((f) => f.endsWith('.ndjson')).sort().map((f) => path.join(dir, f));
}

/** Runs inside the child process: one measurement, printed as JSON. */
async function runChild(kind: Kind, dir: string, args: Args): Promise<void> {
  const files = await pageFiles(args.pagesDir ?? path.join(dir, 'pages'));
  await import('@duckdb/node-api'); // load the native module before the clock starts
  const { CKAN_LOAD_SETTINGS, CKAN_ROW_GROUP_SIZE, bareReadSql, buildCkanApiDatabase } = await import('../src/sources/ckan/db/index.js');
  const { openDatabase, sqlStringList } = await import('../src/duckdb/index.js');
  const { artifactHasher, relativeArtifactPath } = await import('../src/store/index.js');
  const { publishStage } = await import('../src/pipelines/stage-support.js');
  const { withPageDigests } = await import('../src/pipelines/ckan-db-previous.js');
  const { REMEMBERED_DIGEST_BYTES } = await import('../src/engine/file-stamp.js');
  const { systemClock } = await import('../src/engine/clock.js');
  const target = path.join(dir, 'work', `${kind}-${process.pid}.db`);
  const artifactsDir = path.join(dir, `artifacts-${process.pid}`);
  const settings: Record<string, string> = args.memoryLimit === undefined ? {} : { memory_limit: args.memoryLimit };
  if (kind === 'insert') {
    // The hash cache as download-datasets-info leaves it: the receipts of its pages kept the
    // digests of those of REMEMBERED_DIGEST_BYTES or more (engine/file-stamp.ts); not timed.
    const hasher = await artifactHasher(artifactsDir);
    for (const f of files) if ((await stat(f)).size >= REMEMBERED_DIGEST_BYTES) await hasher.sha256(f);
    await hasher.save();
  }
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  let summary: unknown;
  let loadSeconds: number | undefined;
  if (kind === 'insert') {
    const chunkBytes = args.chunkMb === undefined ? undefined : args.chunkMb * 1024 * 1024;
    summary = await buildCkanApiDatabase(target, files, { settings, chunkBytes });
    loadSeconds = (performance.now() - started) / 1000;
    // Then as insert-datasets-info goes on (pipelines/ckan-db.ts): the pages' digests for the
    // manifest, and the stage's publish (the work database linked, not copied).
    const pages = await Promise.all(files.map(async (f) => {
      const info = await stat(f);
      return { file: relativeArtifactPath(artifactsDir, f), bytes: info.size, mtimeMs: info.mtimeMs };
    }));
    const loaded = await withPageDigests(artifactsDir, { rawSchema: 'bench', base: 'bench', pages, listings: [], invalid: 0 });
    await publishStage({ artifactsDir, site: 'bench', name: 'ckan_api', database: target, artifacts: [], rawFiles: files, build: { loaded } }, { runId: 'bench', clock: systemClock, log: () => undefined });
  } else {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(target), { recursive: true });
    const db = await openDatabase(target, { settings: { ...CKAN_LOAD_SETTINGS, ...settings }, rowGroupSize: CKAN_ROW_GROUP_SIZE });
    const list = sqlStringList(files);
    if (kind === 'bare') await db.run(`CREATE TABLE t AS SELECT * FROM read_json(${list})`);
    if (kind === 'declared' || kind === 'floor') await db.run(bareReadSql(files, 't'));
    if (kind === 'floor') await db.run(`CREATE TABLE r AS SELECT json AS raw FROM read_json_objects(${list}, format = 'newline_delimited')`);
    await db.run('CHECKPOINT');
    await db.close();
  }
  const seconds = (performance.now() - started) / 1000;
  await rm(path.dirname(target), { recursive: true, force: true });
  await rm(artifactsDir, { recursive: true, force: true });
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const result: ChildResult = { seconds, loadSeconds, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), cpuSeconds, summary };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function measure(kind: Kind, dir: string, args: Args): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const extra = [
    ...(args.chunkMb === undefined ? [] : ['--chunk-mb', String(args.chunkMb)]),
    ...(args.memoryLimit === undefined ? [] : ['--memory-limit', args.memoryLimit]),
    ...(args.pagesDir === undefined ? [] : ['--pages-dir', args.pagesDir]),
  ];
  const child = spawnSync(process.execPath, [self, '--child', kind, '--dir', dir, ...extra], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${kind} run failed (exit ${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as ChildResult;
}

/**
 * The page files of the run: generated into `fallback` (a temporary directory), or with
 * --pages-dir into that directory unless it already holds the pages of the same arguments
 * (a `bench-pages.json` written after the pages says which; pages of other arguments are
 * replaced, and a directory holding anything else is refused).
 */
async function generatedPages(args: Args, fallback: string): Promise<string[]> {
  const generate = (dir: string): Promise<string[]> => writePageFiles(dir, iteratePackages(args.datasets, args.seed), args.rowsPerPage);
  if (args.pagesDir === undefined) return generate(fallback);
  const { mkdir, readFile, writeFile } = await import('node:fs/promises');
  const stamp = path.join(args.pagesDir, 'bench-pages.json');
  const wanted = JSON.stringify({ datasets: args.datasets, seed: args.seed, rowsPerPage: args.rowsPerPage });
  const found = await readFile(stamp, 'utf8').catch(() => undefined);
  if (found === wanted) return pageFiles(args.pagesDir);
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(args.pagesDir).catch(() => []);
  if (found === undefined && entries.length > 0) throw new Error(`--pages-dir ${args.pagesDir} holds files that are not this benchmark's pages: give a new or empty directory`);
  await rm(args.pagesDir, { recursive: true, force: true }); // the pages of other arguments
  await mkdir(args.pagesDir, { recursive: true });
  const files = await generate(args.pagesDir);
  await writeFile(stamp, wanted);
  return files;
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
    const files = await generatedPages(args, path.join(dir, 'pages'));
    const bytes = (await Promise.all(files.map((f) => stat(f)))).reduce((sum, s) => sum + s.size, 0);
    const loadBefore = os.loadavg().map((x) => round(x));
    const runs: Record<Kind, ChildResult[]> = { insert: [], bare: [], declared: [], floor: [] };
    const kinds = (['bare', 'insert', 'declared', 'floor'] as const).filter((k) => args.only === undefined || args.only.includes(k));
    for (let i = 0; i < args.repeat; i += 1) {
      for (const kind of kinds) runs[kind].push(measure(kind, dir, args));
    }
    // insert / bare of the same round (run one after the other): steadier than the ratio of
    // medians on a shared machine, where the load of others changes from round to round.
    const paired = runs.insert.flatMap((r, i) => (runs.bare[i] === undefined ? [] : [r.seconds / (runs.bare[i] as ChildResult).seconds]));
    const med = (kind: Kind, pick: (r: ChildResult) => number = (r) => r.seconds): number => (runs[kind].length === 0 ? NaN : median(runs[kind].map(pick)));
    const insert = med('insert');
    const load = med('insert', (r) => r.loadSeconds ?? r.seconds);
    const peak = (kind: Kind): number => Math.max(...runs[kind].map((r) => r.peakRssMB));
    process.stdout.write(`${JSON.stringify({
      datasets: args.datasets, files: files.length, bytes,
      insertSeconds: round(insert), loadSeconds: round(load), publishSeconds: round(insert - load),
      bareReadSeconds: round(med('bare')), ratio: round(insert / med('bare')),
      declaredReadSeconds: round(med('declared')), declaredRatio: round(insert / med('declared')),
      floorSeconds: round(med('floor')), floorRatio: round(med('floor') / med('declared')),
      insertCpuSeconds: round(med('insert', (r) => r.cpuSeconds)), bareReadCpuSeconds: round(med('bare', (r) => r.cpuSeconds)),
      cpuRatio: round(med('insert', (r) => r.cpuSeconds) / med('bare', (r) => r.cpuSeconds)),
      pairedRatio: paired.length === 0 ? null : round(median(paired)),
      peakRssMB: peak('insert'), bareReadPeakRssMB: peak('bare'),
      repeat: args.repeat, rowsPerPage: args.rowsPerPage, chunkMb: args.chunkMb ?? 'default', memoryLimit: args.memoryLimit ?? 'default',
      cpus: os.availableParallelism(), loadAverage: { before: loadBefore, after: os.loadavg().map((x) => round(x)) },
      insertRuns: runs.insert.map((r) => round(r.seconds)), bareRuns: runs.bare.map((r) => round(r.seconds)),
      summary: runs.insert[0]?.summary,
    })}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
