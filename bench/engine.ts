/**
 * Engine benchmark: the fan-in DAG of bench/engine-dag-tasks.ts (N leaves writing one small
 * file each, one aggregate summing them) run by mallard (bench/engine-dag.ts: the CLI's
 * session with lock, receipts and run log), side by side in the same run with
 *   - bare: the same files made by a plain Node loop with no engine (bench/engine-bare.ts);
 *     `ratio` = mallard / bare is the engine's overhead over the file system;
 *   - floor: a plain loop doing only what the engine contract cannot do without (an id per
 *     task, a receipt journal read whole, one stat per output compared with its receipt; see
 *     bench/engine-floor.ts): `floorRatio` = floor / bare is what the contract itself costs over
 *     bare file operations, `overFloor` = mallard / floor what the engine costs over that;
 *   - luigi: the same DAG in Luigi (bench/engine-luigi.py), only when `python3 -c 'import
 *     luigi'` works; otherwise the JSON says `luigi: "not available: ..."`.
 * Scenarios: cold (empty directory), noop (everything complete), rootmissing (only
 * aggregate.txt deleted). Each system has its own directory and goes cold → noop →
 * rootmissing in every round; rounds alternate which system goes first; every run is a fresh
 * process (start-up counts), started after a `sync` (no run pays for the writeback of files
 * another wrote), and is checked: the task counts it reports must be the expected
 * ones (cold runs N+1 tasks, noop none, rootmissing exactly the aggregate) and all N leaves
 * and the right sum must be on disk, else the benchmark fails.
 *   npm run bench:engine -- --n 5000 --repeat 5 [--scenario cold,noop,rootmissing] [--workers 1] [--need]
 * --need: mallard's aggregate asks for its N leaves at run time through ctx.need() (as the
 * code-search stages ask for ~25,000 requests) instead of in requires(); the work on disk is
 * the same, so the ratio to bare shows what run-time dependencies cost. Run it at two sizes
 * (e.g. 25,000 and 50,000): a ratio that grows with N is a cost that grows faster than N.
 * Prints one JSON line: {n, workers, repeat, loadAverage (1, 5, 15 min, at the end), luigi,
 * scenarios: {<name>: {mallardSeconds, bareSeconds, ratio, mallardCpuSeconds, bareCpuSeconds,
 * cpuRatio (user + system of each process), floorSeconds, floorRatio, overFloor, luigiSeconds?,
 * luigiRatio?, mallardMaxRssMB, counts}}}, medians of the rounds (wall time is at the mercy of a shared machine's load; CPU
 * time less so). Targets (issue 17, a later task's): ratio <= 1.3 for cold and rootmissing; noop at
 * N=100,000 under 1 s; peak RSS at 100,000 under 500 MB.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { expectedSum } from './engine-dag-tasks.js';

type Scenario = 'cold' | 'noop' | 'rootmissing';
type System = 'mallard' | 'bare' | 'floor' | 'luigi';
interface Report {
  ran: number;
  complete?: number;
  sum: number;
  maxRssMB: number;
  /** user + system CPU of the run's process (absent for Luigi). */
  cpuSeconds?: number;
}
interface Timed extends Report {
  seconds: number;
}

const SCENARIOS: Scenario[] = ['cold', 'noop', 'rootmissing'];
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    repeat: { type: 'string', default: '5' },
    scenario: { type: 'string', default: SCENARIOS.join(',') },
    workers: { type: 'string', default: '1' },
    out: { type: 'string' },
    need: { type: 'boolean', default: false },
  },
});
const N = Number(values.n);
const REPEAT = Number(values.repeat);
const WORKERS = Number(values.workers);
const NEED = values.need === true;
const here = import.meta.dirname;
const LUIGI_SCRIPT = path.resolve(here, '..', '..', 'bench', 'engine-luigi.py');

function command(system: System, dir: string): [string, string[]] {
  if (system === 'mallard') return [process.execPath, [path.join(here, 'engine-dag.js'), '--n', String(N), '--workers', String(WORKERS), '--out', dir, ...(NEED ? ['--need'] : [])]];
  if (system === 'bare') return [process.execPath, [path.join(here, 'engine-bare.js'), '--n', String(N), '--out', dir]];
  if (system === 'floor') return [process.execPath, [path.join(here, 'engine-floor.js'), '--n', String(N), '--out', dir]];
  return ['python3', [LUIGI_SCRIPT, String(N), dir, String(WORKERS)]];
}

function runOnce(system: System, dir: string): Timed {
  const [file, args] = command(system, dir);
  const started = process.hrtime.bigint();
  const child = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`${system} run failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  const report = JSON.parse(child.stdout.trim().split('\n').pop() as string) as Report;
  return { ...report, seconds };
}

/** What each scenario must have done; a run that did other work is not a measurement. */
function expectedRan(scenario: Scenario): number {
  return scenario === 'cold' ? N + 1 : scenario === 'noop' ? 0 : 1;
}

function check(system: System, scenario: Scenario, dir: string, r: Timed): void {
  const problems: string[] = [];
  if (r.ran !== expectedRan(scenario)) problems.push(`ran ${r.ran} tasks, expected ${expectedRan(scenario)}`);
  if (scenario === 'rootmissing' && r.complete !== undefined && r.complete < N) problems.push(`found ${r.complete} complete, expected the ${N} leaves`);
  if (r.sum !== expectedSum(N)) problems.push(`sum ${r.sum}, expected ${expectedSum(N)}`);
  const leaves = fs.readdirSync(path.join(dir, 'leaves')).filter((f) => /^leaf_\d+\.txt$/.test(f)).length;
  if (leaves !== N) problems.push(`${leaves} leaf files on disk, expected ${N}`);
  if (problems.length > 0) throw new Error(`bench:engine: ${system} ${scenario} at N=${N} did not do the expected work: ${problems.join('; ')}`);
}

function luigiAvailable(): { ok: true; version: string } | { ok: false; reason: string } {
  const probe = spawnSync('python3', ['-c', 'import luigi; print(getattr(luigi, "__version__", "unknown"))'], { encoding: 'utf8' });
  if (probe.status === 0) return { ok: true, version: probe.stdout.trim() };
  const why = probe.error ? String(probe.error.message) : (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`);
  return { ok: false, reason: `not available: python3 -c 'import luigi' failed (${why})` };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One round: each system from an empty directory through the scenarios, alternating systems run by run. */
function round(systems: System[], scenarios: Scenario[], base: string, results: Map<string, Timed[]>): void {
  const dirs = new Map(systems.map((s) => [s, path.join(base, s)]));
  for (const dir of dirs.values()) fs.rmSync(dir, { recursive: true, force: true });
  for (const scenario of SCENARIOS) {
    for (const system of systems) {
      const dir = dirs.get(system) as string;
      if (scenario === 'rootmissing') fs.rmSync(path.join(dir, 'aggregate.txt'), { force: true });
      // The files earlier runs wrote (200,000 at N=100,000) are flushed to disk first, so that no
      // run pays for another's writeback.
      spawnSync('sync');
      const r = runOnce(system, dir);
      check(system, scenario, dir, r);
      if (scenarios.includes(scenario)) results.set(`${system}:${scenario}`, [...(results.get(`${system}:${scenario}`) ?? []), r]);
    }
  }
}

function summarise(scenario: Scenario, results: Map<string, Timed[]>, luigi: boolean): Record<string, unknown> {
  const secs = (system: System): number => median((results.get(`${system}:${scenario}`) ?? []).map((r) => r.seconds));
  const mallard = results.get(`mallard:${scenario}`) ?? [];
  const last = mallard[mallard.length - 1] as Timed;
  const fix = (x: number): number => Number(x.toFixed(3));
  const cpu = (system: System): number => median((results.get(`${system}:${scenario}`) ?? []).map((r) => r.cpuSeconds ?? Number.NaN));
  const out: Record<string, unknown> = {
    mallardSeconds: fix(secs('mallard')),
    bareSeconds: fix(secs('bare')),
    ratio: fix(secs('mallard') / secs('bare')),
    mallardCpuSeconds: fix(cpu('mallard')),
    bareCpuSeconds: fix(cpu('bare')),
    cpuRatio: fix(cpu('mallard') / cpu('bare')),
    floorSeconds: fix(secs('floor')),
    floorRatio: fix(secs('floor') / secs('bare')),
    overFloor: fix(secs('mallard') / secs('floor')),
  };
  if (luigi) Object.assign(out, { luigiSeconds: fix(secs('luigi')), luigiRatio: fix(secs('luigi') / secs('mallard')) });
  return { ...out, mallardMaxRssMB: Math.max(...mallard.map((r) => r.maxRssMB)), counts: { ran: last.ran, complete: last.complete } };
}

function main(): void {
  const scenarios = (values.scenario as string).split(',').map((s) => s.trim()) as Scenario[];
  const unknown = scenarios.filter((s) => !SCENARIOS.includes(s));
  if (unknown.length > 0 || !(N > 0) || !(REPEAT > 0)) {
    console.error(`bench:engine: use --n <positive>, --repeat <positive>, --scenario from ${SCENARIOS.join(',')} (got ${unknown.join(',') || 'bad numbers'})`);
    process.exitCode = 2;
    return;
  }
  const luigi = luigiAvailable();
  const base = path.resolve(values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-engine-')));
  const results = new Map<string, Timed[]>();
  try {
    for (let i = 0; i < REPEAT; i += 1) {
      const systems: System[] = luigi.ok ? ['mallard', 'bare', 'floor', 'luigi'] : ['mallard', 'bare', 'floor'];
      round(i % 2 === 0 ? systems : [...systems].reverse(), scenarios, base, results);
    }
    const byScenario = Object.fromEntries(scenarios.map((s) => [s, summarise(s, results, luigi.ok)]));
    console.log(JSON.stringify({ n: N, workers: WORKERS, dependencies: NEED ? 'ctx.need' : 'requires', repeat: REPEAT, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))), luigi: luigi.ok ? `luigi ${luigi.version}` : luigi.reason, scenarios: byScenario }));
  } finally {
    if (values.out === undefined) fs.rmSync(base, { recursive: true, force: true });
  }
}

main();
