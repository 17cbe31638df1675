/**
 * Engine benchmark, side by side with the reference Luigi one: N leaf tasks and one
 * aggregate, each scenario timed as a fresh process so start-up counts.
 *   npm run bench:engine -- --n 5000 --scenario cold --workers 1 --out DIR
 * Scenarios: cold (output directory empty), noop (everything complete), rootmissing (only
 * aggregate.txt deleted). The set-up runs untimed. Prints one JSON line:
 * {n, scenario, workers, wallSeconds, maxRssMB}. Targets (2 cores): N=5000 cold < 1 s,
 * rootmissing < 0.3 s; N=100,000 cold < 15 s, rootmissing < 3 s, memory < 500 MB.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    scenario: { type: 'string', default: 'cold' },
    workers: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const scenario = values.scenario as string;
if (!['cold', 'noop', 'rootmissing'].includes(scenario)) {
  console.error(`unknown --scenario ${scenario}: use cold, noop or rootmissing`);
  process.exitCode = 2;
} else {
  const out = path.resolve(values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-')));
  const dag = path.join(import.meta.dirname, 'engine-dag.js');
  const args = [dag, '--n', values.n as string, '--workers', values.workers as string, '--out', out];
  const runDag = (): { wallSeconds: number; maxRssMB: number } => {
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) throw new Error(`benchmark DAG failed: ${child.stderr}`);
    const report = JSON.parse(child.stdout.trim().split('\n').pop() as string) as { maxRssMB: number };
    return { wallSeconds, maxRssMB: report.maxRssMB };
  };
  fs.rmSync(out, { recursive: true, force: true });
  if (scenario !== 'cold') runDag();
  if (scenario === 'rootmissing') fs.rmSync(path.join(out, 'aggregate.txt'));
  const measured = runDag();
  console.log(JSON.stringify({ n: Number(values.n), scenario, workers: Number(values.workers), wallSeconds: Number(measured.wallSeconds.toFixed(3)), maxRssMB: measured.maxRssMB }));
  if (values.out === undefined) fs.rmSync(out, { recursive: true, force: true });
}
