/**
 * The tasks of the reference Luigi benchmark DAG (bench/engine-dag.ts runs them; the crash
 * tests run them too): N leaves, leaf i writes "i\n" to leaves/leaf_%06d.txt; one aggregate
 * reads them all and writes their sum to aggregate.txt. NeedAggregate is the same aggregate
 * asking for its leaves at run time through ctx.need() (as a code-search stage asks for its
 * ~25,000 requests), not in requires().
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileTarget, Task, type TaskContext } from '../src/engine/index.js';

export class Leaf extends Task<{ i: number }> {
  readonly family = 'Leaf';
  constructor(readonly out: string, i: number) {
    super({ i });
  }
  private target(): FileTarget {
    return new FileTarget(leafPath(this.out, this.params.i));
  }
  outputs(): FileTarget[] {
    return [this.target()];
  }
  async run(_ctx?: TaskContext): Promise<void> {
    await this.target().write(`${this.params.i}\n`);
  }
}

export class Aggregate extends Task<{ n: number }> {
  readonly family: string = 'Aggregate';
  constructor(readonly out: string, n: number) {
    super({ n });
  }
  /** The leaf for index i (a subclass may hand out a different Leaf with the same id). */
  protected leaf(i: number): Leaf {
    return new Leaf(this.out, i);
  }
  override requires(): Leaf[] {
    return Array.from({ length: this.params.n }, (_, i) => this.leaf(i));
  }
  outputs(): FileTarget[] {
    return [new FileTarget(path.join(this.out, 'aggregate.txt'))];
  }
  async run(_ctx: TaskContext): Promise<void> {
    let sum = 0;
    for (const [leaf] of this.input()) sum += Number(fs.readFileSync((leaf as FileTarget).path, 'utf8'));
    await (this.outputs()[0] as FileTarget).write(`${sum}\n`);
  }
}

export class NeedAggregate extends Aggregate {
  override readonly family = 'NeedAggregate';
  override requires(): Leaf[] {
    return [];
  }
  override async run(ctx: TaskContext): Promise<void> {
    await ctx.need(Array.from({ length: this.params.n }, (_, i) => this.leaf(i)));
    let sum = 0;
    for (let i = 0; i < this.params.n; i += 1) sum += Number(fs.readFileSync(leafPath(this.out, i), 'utf8'));
    await (this.outputs()[0] as FileTarget).write(`${sum}\n`);
  }
}

export function leafPath(out: string, i: number): string {
  return path.join(out, 'leaves', `leaf_${String(i).padStart(6, '0')}.txt`);
}

/** The aggregate's expected content for N leaves: 0 + 1 + ... + (N - 1). */
export function expectedSum(n: number): number {
  return (n * (n - 1)) / 2;
}
