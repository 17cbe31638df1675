/**
 * The bare-file-operations baseline of bench:engine: the benchmark DAG's files made by a
 * plain Node loop, no engine. It does what a build tool cannot do less of and still notice a
 * missing output anywhere: one existence check per output; a missing leaf is written to a
 * temp file and renamed into place; the aggregate, when missing or when a leaf was made,
 * reads every leaf and is written the same way. No receipts, no journal, no run log.
 * Usage: node dist/bench/engine-bare.js --n 5000 --out DIR
 * Prints one JSON line: {ran, complete, sum, maxRssMB, cpuSeconds}, counted like the engine's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { expectedSum, leafPath } from './engine-dag-tasks.js';

function writeAtomic(file: string, data: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const { values } = parseArgs({ options: { n: { type: 'string' }, out: { type: 'string' } } });
const n = Number(values.n);
const out = path.resolve(values.out ?? 'bench-bare-out');
fs.mkdirSync(path.join(out, 'leaves'), { recursive: true });
let ran = 0;
let complete = 0;
for (let i = 0; i < n; i += 1) {
  const file = leafPath(out, i);
  if (fs.existsSync(file)) complete += 1;
  else {
    writeAtomic(file, `${i}\n`);
    ran += 1;
  }
}
const aggregate = path.join(out, 'aggregate.txt');
if (ran > 0 || !fs.existsSync(aggregate)) {
  let sum = 0;
  for (let i = 0; i < n; i += 1) sum += Number(fs.readFileSync(leafPath(out, i), 'utf8'));
  writeAtomic(aggregate, `${sum}\n`);
  ran += 1;
} else complete += 1;
const sum = Number(fs.readFileSync(aggregate, 'utf8'));
if (sum !== expectedSum(n)) throw new Error(`aggregate is ${sum}, expected ${expectedSum(n)}`);
const usage = process.resourceUsage();
const cpuSeconds = Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(3));
console.log(JSON.stringify({ ran, complete, sum, maxRssMB: Math.round(usage.maxRSS / 1024), cpuSeconds }));
