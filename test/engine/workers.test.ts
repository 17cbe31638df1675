/**
 * `--workers N`: N tasks in flight at once, and file writes that do not block the event loop,
 * so tasks writing files overlap. Deterministic: tasks wait on a gate opened only when N of them
 * are inside their write at the same time; a scheduler running fewer at once never opens it
 * (the test then fails on its timeout), one running more is caught by the in-flight count.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FileTarget, INLINE_WRITE_BYTES, runSession, Task, writeFileAtomic, type TaskContext } from '../../src/engine/index.js';
import { withTempDir } from '../support/temp-dir.js';

/** Opens when `expected` writers are inside it at once; counts the most seen together. */
class Gate {
  inside = 0;
  most = 0;
  opened = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly expected: number) {}

  async pass(): Promise<void> {
    this.inside += 1;
    this.most = Math.max(this.most, this.inside);
    if (this.inside >= this.expected) this.open();
    if (!this.opened) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    this.inside -= 1;
  }

  private open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** Writes its file through writeVia, holding the temp file open until the gate opens. */
class SlowWrite extends Task<{ i: number }> {
  readonly family = 'SlowWrite';
  constructor(readonly dir: string, i: number, readonly gate: Gate) {
    super({ i });
  }
  outputs(): FileTarget[] {
    return [new FileTarget(path.join(this.dir, 'out', `file_${this.params.i}.txt`))];
  }
  async run(_ctx: TaskContext): Promise<void> {
    await (this.outputs()[0] as FileTarget).writeVia(async (tmp) => {
      const handle = await fs.promises.open(tmp, 'w');
      try {
        await handle.write(`first half of ${this.params.i}\n`);
        await this.gate.pass();
        await handle.write('second half\n');
      } finally {
        await handle.close();
        this.gate.leave();
      }
    });
  }
}

class AllWrites extends Task<{ n: number }> {
  readonly family = 'AllWrites';
  constructor(readonly dir: string, n: number, readonly gate: Gate) {
    super({ n });
  }
  override requires(): SlowWrite[] {
    return Array.from({ length: this.params.n }, (_, i) => new SlowWrite(this.dir, i, this.gate));
  }
  outputs(): FileTarget[] {
    return [new FileTarget(path.join(this.dir, 'all.txt'))];
  }
  async run(_ctx: TaskContext): Promise<void> {
    const parts = this.requires().map((t) => fs.readFileSync((t.outputs()[0] as FileTarget).path, 'utf8'));
    await (this.outputs()[0] as FileTarget).write(parts.join(''));
  }
}

describe('--workers N runs N tasks at once', { timeout: 60_000 }, () => {
  for (const workers of [2, 4, 8]) {
    test(`${workers} slow-writing tasks with --workers ${workers} are all inside their writes together`, async () => {
      await withTempDir(async (dir) => {
        const gate = new Gate(workers);
        const { summary } = await runSession([new AllWrites(dir, workers, gate)], { artifactsDir: dir, scope: 't', workers });
        assert.equal(summary.status, 'success');
        assert.equal(summary.counts.ran, workers + 1);
        assert.equal(gate.most, workers, 'every task was writing when the gate opened');
        const all = fs.readFileSync(path.join(dir, 'all.txt'), 'utf8');
        assert.equal(all.split('\n').filter((l) => l === 'second half').length, workers, 'each file was written whole');
      });
    });
  }

  test('never more than N at once: 3N writing tasks with --workers N', async () => {
    await withTempDir(async (dir) => {
      const workers = 3;
      const gate = new Gate(workers);
      const { summary } = await runSession([new AllWrites(dir, 3 * workers, gate)], { artifactsDir: dir, scope: 't', workers });
      assert.equal(summary.status, 'success');
      assert.equal(gate.most, workers);
      assert.equal(fs.readdirSync(path.join(dir, 'out')).length, 3 * workers, 'only the outputs: no temp file left');
    });
  });
});

describe('FileTarget.write does not block the event loop where the write waits', () => {
  test('a large write returns before the file is in place; awaiting it puts the whole content there', async () => {
    await withTempDir(async (dir) => {
      const target = new FileTarget(path.join(dir, 'a', 'b', 'out.bin'));
      const data = Buffer.alloc(INLINE_WRITE_BYTES + 1, 0x62);
      const pending = target.write(data);
      assert.equal(fs.existsSync(target.path), false, 'a synchronous write would have renamed it into place already');
      await pending;
      assert.ok(fs.readFileSync(target.path).equals(data));
      assert.deepEqual(fs.readdirSync(path.dirname(target.path)), ['out.bin']);
    });
  });

  test('a durable write, however small, runs off the event loop too', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'state.json');
      const pending = writeFileAtomic(file, '{}\n');
      assert.equal(fs.existsSync(file), false);
      await pending;
      assert.equal(fs.readFileSync(file, 'utf8'), '{}\n');
    });
  });

  test('a small write is in place once awaited, nothing else in the directory', async () => {
    await withTempDir(async (dir) => {
      const target = new FileTarget(path.join(dir, 'new', 'small.txt'));
      await target.write('hello\n');
      assert.equal(fs.readFileSync(target.path, 'utf8'), 'hello\n');
      assert.deepEqual(fs.readdirSync(path.dirname(target.path)), ['small.txt']);
    });
  });

  test('hundreds of writes at once into a directory that does not exist yet all land, no temp files left', async () => {
    await withTempDir(async (dir) => {
      // Odd ones large (thread pool, racing to make the directories), even ones small (inline).
      const content = (i: number): string => `${i}\n`.padEnd(i % 2 === 1 ? INLINE_WRITE_BYTES + 1 : 0, '.');
      const targets = Array.from({ length: 300 }, (_, i) => new FileTarget(path.join(dir, 'deep', 'er', `f${i}.txt`)));
      await Promise.all([...targets].reverse().map((t) => t.write(content(targets.indexOf(t)))));
      for (const [i, t] of targets.entries()) assert.equal(fs.readFileSync(t.path, 'utf8'), content(i));
      assert.equal(fs.readdirSync(path.join(dir, 'deep', 'er')).length, 300);
    });
  });

  test('a large write lands whole, and replaces what was there', async () => {
    await withTempDir(async (dir) => {
      const target = new FileTarget(path.join(dir, 'big.bin'));
      await target.write('old');
      const big = Buffer.alloc(8 * 1024 * 1024 + 7, 0x61);
      await target.write(big);
      assert.equal(fs.statSync(target.path).size, big.length);
      assert.ok(fs.readFileSync(target.path).equals(big));
    });
  });

  for (const [kind, data] of [['small', 'y'], ['large', Buffer.alloc(INLINE_WRITE_BYTES * 2)]] as const) {
    test(`a ${kind} write that cannot be made rejects, leaves no temp file and the old content`, async () => {
      await withTempDir(async (dir) => {
        fs.writeFileSync(path.join(dir, 'file'), 'x');
        const target = new FileTarget(path.join(dir, 'file', 'below.txt'));
        await assert.rejects(target.write(data), (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR');
        assert.deepEqual(fs.readdirSync(dir), ['file']);
        assert.equal(fs.readFileSync(path.join(dir, 'file'), 'utf8'), 'x');
      });
    });
  }

  test('writeFileAtomic: durable with a mode, and create-only refusing an existing file', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'manifest.json');
      await writeFileAtomic(file, '{"a":1}\n', { mode: 0o444, noReplace: true });
      assert.equal(fs.statSync(file).mode & 0o777, 0o444);
      await assert.rejects(writeFileAtomic(file, '{"a":2}\n', { noReplace: true }), (err: NodeJS.ErrnoException) => err.code === 'EEXIST');
      assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n');
      assert.deepEqual(fs.readdirSync(dir), ['manifest.json'], 'the refused temp file was removed');
    });
  });
});
