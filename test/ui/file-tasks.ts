/** A tiny DAG of real files for session tests: n leaves and an aggregate over them. */
import fs from 'node:fs';
import path from 'node:path';
import { FileTarget, MallardError, NO_RETRY, Task, type RetryPolicy, type TaskContext } from '../../src/engine/index.js';

export interface DagOptions {
  /** Leaves that fail on every attempt (not retryable). */
  failing?: ReadonlySet<number>;
  /** Leaves that fail their first attempt with a retryable error. */
  flaky?: ReadonlySet<number>;
  /** Called when a leaf runs (to count runs). */
  onRun?: (id: string) => void;
}

export class Leaf extends Task<{ i: number }> {
  readonly family = 'Leaf';
  constructor(readonly out: string, i: number, readonly opts: DagOptions = {}) {
    super({ i });
  }
  file(): string {
    return path.join(this.out, 'leaves', `leaf_${String(this.params.i).padStart(4, '0')}.txt`);
  }
  outputs(): FileTarget[] {
    return [new FileTarget(this.file())];
  }
  override retryPolicy(): RetryPolicy {
    return this.opts.flaky?.has(this.params.i) === true ? { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } : NO_RETRY;
  }
  async run(ctx: TaskContext): Promise<void> {
    this.opts.onRun?.(this.id);
    if (this.opts.failing?.has(this.params.i) === true) throw new MallardError('ERR_HTTP', `HTTP 404 for leaf ${this.params.i}`, { retryable: false });
    if (this.opts.flaky?.has(this.params.i) === true && ctx.attempt === 1) throw new MallardError('ERR_HTTP', 'HTTP 503', { retryable: true });
    ctx.log(`writing leaf ${this.params.i}`);
    await (this.outputs()[0] as FileTarget).write(`${this.params.i}\n`);
  }
}

export class Aggregate extends Task<{ n: number }> {
  readonly family = 'Aggregate';
  constructor(readonly out: string, n: number, readonly opts: DagOptions = {}) {
    super({ n });
  }
  override requires(): Leaf[] {
    return Array.from({ length: this.params.n }, (_, i) => new Leaf(this.out, i, this.opts));
  }
  outputs(): FileTarget[] {
    return [new FileTarget(path.join(this.out, 'aggregate.txt'))];
  }
  async run(): Promise<void> {
    this.opts.onRun?.(this.id);
    const sum = this.requires().reduce((n, leaf) => n + Number(fs.readFileSync(leaf.file(), 'utf8')), 0);
    await (this.outputs()[0] as FileTarget).write(`${sum}\n`);
  }
}
