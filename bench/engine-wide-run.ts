/**
 * One run of bench:engine-wide (bench/engine-wide.ts): a single task with N file outputs (as
 * download-sourcegraph-results lists every result file), requiring one external input file
 * and COMPACT_AFTER_LINES small leaves (so that the journal is compacted and later runs read
 * the wide receipt from a snapshot, as the pipeline's do), run through the CLI's session. Usage: node dist/bench/engine-wide-run.js --n 25000 --out DIR
 * Prints one JSON line: {ran, complete, maxRssMB, cpuSeconds}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExternalTask, FileTarget, runSession, Task } from '../src/engine/index.js';
import { COMPACT_AFTER_LINES } from '../src/engine/receipt-journal.js';
import { Leaf } from './engine-dag-tasks.js';

class WideInput extends ExternalTask<{ out: string }> {
  readonly family = 'WideInput';
  outputs(): FileTarget[] {
    return [new FileTarget(path.join(this.params.out, 'input.txt'))];
  }
}

/** Writes N small files, each the input's text and its index: every output a FileTarget. */
class Wide extends Task<{ n: number }> {
  readonly family = 'Wide';
  constructor(readonly out: string, n: number) {
    super({ n });
  }
  override requires(): Task[] {
    return [new WideInput({ out: this.out }), ...Array.from({ length: COMPACT_AFTER_LINES }, (_, i) => new Leaf(this.out, i))];
  }
  outputs(): FileTarget[] {
    return Array.from({ length: this.params.n }, (_, i) => new FileTarget(path.join(this.out, 'wide', `f_${String(i).padStart(6, '0')}.txt`)));
  }
  async run(): Promise<void> {
    const input = fs.readFileSync(path.join(this.out, 'input.txt'), 'utf8');
    fs.mkdirSync(path.join(this.out, 'wide'), { recursive: true });
    const outputs = this.outputs();
    for (let i = 0; i < outputs.length; i += 1) await (outputs[i] as FileTarget).write(`${input}${i}\n`);
  }
}

const { values } = parseArgs({ options: { n: { type: 'string' }, out: { type: 'string' } } });
const out = path.resolve(values.out ?? 'bench-wide-out');
const { summary } = await runSession([new Wide(out, Number(values.n))], { artifactsDir: out, scope: 'bench', workers: 1 });
if (summary.status !== 'success') throw new Error(`run ${summary.status}`);
const usage = process.resourceUsage();
const cpuSeconds = Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(3));
console.log(JSON.stringify({ ran: summary.counts.ran, complete: summary.counts.alreadyComplete, maxRssMB: Math.round(usage.maxRSS / 1024), cpuSeconds }));
process.exit(0);
