/**
 * The DAG of the reference Luigi benchmark (bench/engine-dag-tasks.ts), run once through the
 * same session the CLI uses (lock, receipt journal, run log), and ended the way the CLI ends
 * (process.exit after the output).
 * Started as the CLI is, with V8's compile cache (commands/main.ts).
 * Usage: node dist/bench/engine-dag.js --n 5000 --workers 1 --out DIR [--need]
 * (--need: the aggregate asks for its leaves at run time, through ctx.need())
 * Prints one JSON line: {ran, complete, sum, maxRssMB, cpuSeconds} (cpuSeconds: user + system of this process).
 */
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

// As the CLI's entry does (commands/main.ts): V8's compile cache for the engine's modules.
module.enableCompileCache?.(path.join(import.meta.dirname, '..', '.compile-cache'));
const { runSession } = await import('../src/engine/index.js');
const { Aggregate, expectedSum, NeedAggregate } = await import('./engine-dag-tasks.js');

const { values } = parseArgs({ options: { n: { type: 'string' }, workers: { type: 'string', default: '1' }, out: { type: 'string' }, need: { type: 'boolean', default: false } } });
const n = Number(values.n);
const out = path.resolve(values.out ?? 'bench-out');
const { summary } = await runSession([values.need ? new NeedAggregate(out, n) : new Aggregate(out, n)], { artifactsDir: out, scope: 'bench', workers: Number(values.workers) });
const sum = Number(fs.readFileSync(path.join(out, 'aggregate.txt'), 'utf8'));
if (sum !== expectedSum(n)) throw new Error(`aggregate is ${sum}, expected ${expectedSum(n)}`);
if (summary.status !== 'success') throw new Error(`run ${summary.status}`);
const usage = process.resourceUsage();
const cpuSeconds = Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(3));
const line = JSON.stringify({ ran: summary.counts.ran, complete: summary.counts.alreadyComplete, sum, maxRssMB: Math.round(usage.maxRSS / 1024), cpuSeconds });
// Ends as the CLI does (commands/main.ts): process.exit once the output is written, so the
// process does not wait for its heap to be torn down (about 70 ms of a 100,000-task noop).
process.stdout.write(`${line}\n`, () => process.exit(0));
