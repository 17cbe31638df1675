/**
 * What `--workers N` buys on file-writing tasks: the cold fan-in DAG of bench/engine-dag-tasks.ts
 * (N leaves writing one small file each, one aggregate) run by mallard's session with each
 * worker count, the counts alternated run by run (rounds rotate which goes first), every run a
 * fresh process in an empty directory and checked (N+1 tasks ran, the right sum on disk).
 *
 *   npm run bench:engine-workers -- --n 1000 --workers 1,4 --repeat 7 [--against <dist dir>]
 *
 * `--against` adds the same runs of another build's `bench/engine-dag.js` (e.g. the previous
 * commit's `dist/`), alternated with this one's, to compare a change in the same run.
 * Prints one JSON line: {n, repeat, runs: {<build>:w<N>: {wallSeconds, cpuSeconds, walls}}},
 * medians; `speedup` = the first worker count's wall / each other's (this build).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { expectedSum } from './engine-dag-tasks.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1,4' },
    repeat: { type: 'string', default: '5' },
    against: { type: 'string' },
  },
});
const N = Number(values.n);
const REPEAT = Number(values.repeat);
const WORKERS = (values.workers as string).split(',').map(Number);
const builds: Array<[string, string]> = [['this', path.join(import.meta.dirname, 'engine-dag.js')]];
if (values.against !== undefined) builds.push(['against', path.resolve(values.against, 'bench', 'engine-dag.js')]);

interface Run {
  wall: number;
  cpu: number;
}

function runOnce(script: string, workers: number, dir: string): Run {
  fs.rmSync(dir, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [script, '--n', String(N), '--workers', String(workers), '--out', dir], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`${script} --workers ${workers} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  const report = JSON.parse(child.stdout.trim().split('\n').pop() as string) as { ran: number; sum: number; cpuSeconds?: number };
  if (report.ran !== N + 1 || report.sum !== expectedSum(N)) throw new Error(`${script} --workers ${workers}: ran ${report.ran}, sum ${report.sum}`);
  return { wall, cpu: report.cpuSeconds ?? Number.NaN };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function main(): void {
  if (!(N > 0) || !(REPEAT > 0) || WORKERS.some((w) => !(w >= 1))) {
    console.error('bench:engine-workers: use --n <positive>, --repeat <positive>, --workers 1,4');
    process.exitCode = 2;
    return;
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-workers-'));
  const configs = builds.flatMap(([name, script]) => WORKERS.map((w) => ({ key: `${name}:w${w}`, script, w })));
  const results = new Map<string, Run[]>(configs.map((c) => [c.key, []]));
  try {
    for (let round = 0; round < REPEAT; round += 1) {
      const order = configs.map((_, i) => configs[(i + round) % configs.length] as (typeof configs)[number]);
      for (const c of order) results.get(c.key)?.push(runOnce(c.script, c.w, path.join(base, 'out')));
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  const fix = (x: number): number => Number(x.toFixed(3));
  const runs = Object.fromEntries(
    [...results].map(([key, rs]) => [key, { wallSeconds: fix(median(rs.map((r) => r.wall))), cpuSeconds: fix(median(rs.map((r) => r.cpu))), walls: rs.map((r) => fix(r.wall)) }]),
  );
  const first = median((results.get(`this:w${WORKERS[0]}`) ?? []).map((r) => r.wall));
  const speedup = Object.fromEntries(WORKERS.slice(1).map((w) => [`w${w}`, fix(first / median((results.get(`this:w${w}`) ?? []).map((r) => r.wall)))]));
  console.log(JSON.stringify({ n: N, repeat: REPEAT, cpus: os.cpus().length, loadavg: os.loadavg().map(fix), runs, speedup }));
}

main();
