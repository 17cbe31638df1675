/**
 * The DAG of the reference Luigi benchmark, run once through the same session the CLI uses
 * (lock, receipt journal, run log): N leaves, leaf i writes "i\n" to
 * leaves/leaf_%06d.txt; one aggregate reads them all and writes their sum.
 * Usage: node dist/bench/engine-dag.js --n 5000 --workers 1 --out DIR
 * Prints one JSON line: {ran, complete, sum, maxRssMB}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FileTarget, runSession, Task, type TaskContext } from '../src/engine/index.js';

class Leaf extends Task<{ i: number }> {
  readonly family = 'Leaf';
  constructor(readonly out: string, i: number) {
    super({ i });
  }
  private target(): FileTarget {
    return new FileTarget(path.join(this.out, 'leaves', `leaf_${String(this.params.i).padStart(6, '0')}.txt`));
  }
  outputs(): FileTarget[] {
    return [this.target()];
  }
  async run(): Promise<void> {
    this.target().write(`${this.params.i}\n`);
  }
}

class Aggregate extends Task<{ n: number }> {
  readonly family = 'Aggregate';
  constructor(readonly out: string, n: number) {
    super({ n });
  }
  override requires(): Leaf[] {
    return Array.from({ length: this.params.n }, (_, i) => new Leaf(this.out, i));
  }
  outputs(): FileTarget[] {
    return [new FileTarget(path.join(this.out, 'aggregate.txt'))];
  }
  async run(_ctx: TaskContext): Promise<void> {
    let sum = 0;
    for (const leaf of this.requires()) sum += Number(fs.readFileSync((leaf.outputs()[0] as FileTarget).path, 'utf8'));
    (this.outputs()[0] as FileTarget).write(`${sum}\n`);
  }
}

const { values } = parseArgs({ options: { n: { type: 'string' }, workers: { type: 'string', default: '1' }, out: { type: 'string' } } });
const n = Number(values.n);
const out = path.resolve(values.out ?? 'bench-out');
const { summary } = await runSession([new Aggregate(out, n)], { artifactsDir: out, scope: 'bench', workers: Number(values.workers) });
const sum = Number(fs.readFileSync(path.join(out, 'aggregate.txt'), 'utf8'));
if (sum !== (n * (n - 1)) / 2) throw new Error(`aggregate is ${sum}, expected ${(n * (n - 1)) / 2}`);
if (summary.status !== 'success') throw new Error(`run ${summary.status}`);
console.log(JSON.stringify({ ran: summary.counts.ran, complete: summary.counts.alreadyComplete, sum, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
