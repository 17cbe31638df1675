/**
 * Engine benchmark of a wide task: one task with N file outputs (download-sourcegraph-results
 * lists ~25,000 result files at 100,000 datasets), at N and at 2N, each size in fresh
 * processes through three scenarios:
 *   cold   (nothing on disk: the task writes its N files and its receipt),
 *   noop   (everything complete: the N outputs are compared with the receipt),
 *   rerun  (its input changed: it runs again, and each output's new stamp is made knowing the
 *           one recorded for it).
 * The work per output is the same at both sizes, so `growth` (seconds at 2N / seconds at N,
 * CPU) is about 2 for a cost linear in N; well above 2 is a cost that grows with N² (an output
 * searched for among all the others). Every run is checked: cold ran the task and its leaves,
 * rerun the task alone, noop nothing, else the benchmark fails.
 *   npm run bench:engine-wide -- [--n 25000] [--repeat 3]
 * Prints one JSON line: {n, repeat, scenarios: {<name>: {cpuSeconds: [at N, at 2N], growth, maxRssMB}}},
 * medians of the rounds. Target: growth <= 2.5 in every scenario.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COMPACT_AFTER_LINES } from '../src/engine/receipt-journal.js';

const SCENARIOS = ['cold', 'noop', 'rerun'] as const;
type Scenario = (typeof SCENARIOS)[number];
interface Report {
  ran: number;
  maxRssMB: number;
  cpuSeconds: number;
}

const { values } = parseArgs({ options: { n: { type: 'string', default: '25000' }, repeat: { type: 'string', default: '3' } } });
const N = Number(values.n);
const REPEAT = Number(values.repeat);
if (!(N > 0) || !(REPEAT > 0)) {
  console.error(`bench:engine-wide: use --n <positive> --repeat <positive> (got ${values.n}, ${values.repeat})`);
  process.exit(2);
}

function runOnce(n: number, dir: string, scenario: Scenario): Report {
  if (scenario === 'rerun') fs.writeFileSync(path.join(dir, 'input.txt'), `changed ${Date.now()}\n`);
  const child = spawnSync(process.execPath, [path.join(import.meta.dirname, 'engine-wide-run.js'), '--n', String(n), '--out', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`bench:engine-wide: ${scenario} at N=${n} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  const r = JSON.parse(child.stdout.trim().split('\n').pop() as string) as Report;
  const expected = scenario === 'noop' ? 0 : scenario === 'cold' ? 1 + COMPACT_AFTER_LINES : 1;
  if (r.ran !== expected) throw new Error(`bench:engine-wide: ${scenario} at N=${n} ran ${r.ran} tasks, expected ${expected}`);
  return r;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-wide-'));
const results = new Map<string, Report[]>();
try {
  for (let r = 0; r < REPEAT; r += 1) {
    for (const n of r % 2 === 0 ? [N, 2 * N] : [2 * N, N]) {
      const dir = path.join(base, String(n));
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'input.txt'), 'first\n');
      for (const scenario of SCENARIOS) {
        const key = `${scenario}:${n}`;
        results.set(key, [...(results.get(key) ?? []), runOnce(n, dir, scenario)]);
      }
    }
  }
  const scenarios = Object.fromEntries(SCENARIOS.map((s) => {
    const at = (n: number): Report[] => results.get(`${s}:${n}`) ?? [];
    const cpu = [median(at(N).map((x) => x.cpuSeconds)), median(at(2 * N).map((x) => x.cpuSeconds))] as const;
    const maxRssMB = Math.max(...at(2 * N).map((x) => x.maxRssMB));
    return [s, { cpuSeconds: cpu, growth: Number((cpu[1] / cpu[0]).toFixed(2)), maxRssMB }];
  }));
  const worst = Math.max(...Object.values(scenarios).map((x) => x.growth));
  console.log(JSON.stringify({ n: N, repeat: REPEAT, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))), scenarios, targets: { growthAtMost2_5: worst <= 2.5 } }));
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
