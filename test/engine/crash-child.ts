/**
 * Child process for the crash tests. It stops at a known point of a run and waits there for
 * ever (until killed), after printing a marker line, so the parent's kill -9 lands mid-run
 * by construction, not by timing:
 *   node crash-child.js write <artifactsDir> <outputFile> <chunks>   halts inside writeVia after 11 chunks ("writing")
 *   node crash-child.js dag <artifactsDir> <n> <haltAfter>           the bench DAG, halts after <haltAfter> leaves ("midrun")
 */
import fs from 'node:fs';
import { FileTarget, runSession, Task } from '../../src/engine/index.js';
import { Aggregate, Leaf } from '../../bench/engine-dag-tasks.js';

/** Prints `marker` and never resolves; reading stdin (which the parent never writes) keeps the process alive. */
function halt(marker: string): Promise<never> {
  process.stdout.write(`${marker}\n`);
  return new Promise(() => process.stdin.resume());
}

export class SlowWrite extends Task<{ chunks: number }> {
  readonly family = 'SlowWrite';
  /** With `haltMidWrite`, the write stops after 11 chunks and waits to be killed. */
  constructor(readonly file: string, chunks: number, private readonly haltMidWrite = false) {
    super({ chunks });
  }
  outputs(): FileTarget[] {
    return [new FileTarget(this.file)];
  }
  async run(): Promise<void> {
    await (this.outputs()[0] as FileTarget).writeVia(async (tmp) => {
      const fd = fs.openSync(tmp, 'w');
      for (let i = 0; i < this.params.chunks; i += 1) {
        fs.writeSync(fd, `${'x'.repeat(1023)}\n`);
        if (i === 10 && this.haltMidWrite) await halt('writing');
      }
      fs.closeSync(fd);
    });
  }
}

/** The bench DAG whose leaves, after `haltAfter` of them have run, stop and wait to be killed. */
class HaltingAggregate extends Aggregate {
  private written = 0;
  constructor(out: string, n: number, private readonly haltAfter: number) {
    super(out, n);
  }
  protected override leaf(i: number): Leaf {
    const parent = this;
    return new (class extends Leaf {
      override async run(): Promise<void> {
        await super.run();
        parent.written += 1;
        if (parent.written === parent.haltAfter) await halt('midrun');
      }
    })(this.out, i);
  }
}

if (process.argv[1]?.endsWith('crash-child.js')) {
  const [mode, artifactsDir, a, b] = process.argv.slice(2) as [string, string, string, string];
  const root = mode === 'dag' ? new HaltingAggregate(artifactsDir, Number(a), Number(b)) : new SlowWrite(a, Number(b), true);
  // One worker: the halted task holds the only slot, so nothing else runs after the marker.
  const { summary } = await runSession([root], { artifactsDir, scope: mode === 'dag' ? 'bench' : 'crash', workers: 1 });
  process.stdout.write(`${summary.status}\n`);
}
