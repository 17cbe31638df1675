/**
 * Checks read a compacted journal's receipts in place (no Receipt object per task) and hash
 * a wide task's inputs without keeping their stamps: what they decide must be what the
 * receipts as objects decided. Also: input() in a run reads the requirements the graph was
 * built from, not a second requires().
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readJournal, runSession, type RunSummary, type SessionOptions, type Task } from '../../src/engine/index.js';
import { hashStamps, InputHasher, InputStamps, MemoryReceiptStore } from '../../src/engine/receipts.js';
import { runTasks } from '../../src/engine/scheduler.js';
import { Aggregate, Leaf } from '../ui/file-tasks.js';
import { tempDir } from '../ui/helpers.js';
import { FakeClock } from '../support/fake-clock.js';
import { world } from './helpers.js';

const N = 1200; // over COMPACT_AFTER_LINES (a snapshot) and MAX_EXPLAINED_INPUTS (the aggregate keeps only its inputs' hash)

async function run(dir: string, roots: Task[], options: Partial<SessionOptions> = {}): Promise<RunSummary> {
  return (await runSession(roots, { artifactsDir: dir, scope: 's', workers: 1, ...options })).summary;
}

function journalLines(dir: string): string[] {
  return fs.readFileSync(path.join(dir, '.mallard', 'receipts', 's.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
}

describe('checks against a snapshot, read in place', () => {
  test('a wide aggregate notices an upstream task that reran on its own, and says so', async (t) => {
    const dir = await tempDir(t);
    await run(dir, [new Aggregate(dir, N)]);
    assert.equal(journalLines(dir).length, 1, 'compacted: every receipt is in the snapshot');
    assert.equal((await run(dir, [new Aggregate(dir, N)])).counts.ran, 0, 'noop from the snapshot');
    // Leaf 5 reruns alone (its new receipt is a line after the snapshot); its content is the same.
    assert.equal((await run(dir, [new Leaf(dir, 5)], { force: ['Leaf(i=5)'] })).counts.ran, 1);
    const dry = await run(dir, [new Aggregate(dir, N)], { dryRun: true });
    assert.deepEqual(dry.plan.map((p) => [p.id, p.message]), [[`Aggregate(n=${N})`, `inputs changed since its run (${N} inputs)`]]);
    const runs: string[] = [];
    const again = await run(dir, [new Aggregate(dir, N, { onRun: (id) => runs.push(id) })]);
    assert.deepEqual(runs, [`Aggregate(n=${N})`]);
    assert.equal(again.counts.alreadyComplete, N);
    assert.equal((await run(dir, [new Aggregate(dir, N)])).counts.ran, 0, 'its new receipt vouches for it');
  });

  test('a missing leaf under a complete aggregate is found from the snapshot too', async (t) => {
    const dir = await tempDir(t);
    await run(dir, [new Aggregate(dir, N)]);
    fs.rmSync(path.join(dir, 'leaves', 'leaf_1111.txt'));
    const runs: string[] = [];
    await run(dir, [new Aggregate(dir, N, { onRun: (id) => runs.push(id) })]);
    assert.deepEqual(runs.sort(), [`Aggregate(n=${N})`, 'Leaf(i=1111)']);
  });

  test('a restored copy is complete; the snapshot receipts it vouched for take the new stats', async (t) => {
    const base = await tempDir(t);
    const dir = path.join(base, 'art');
    fs.mkdirSync(dir);
    await run(dir, [new Aggregate(dir, N)]);
    const restored = path.join(base, 'restored');
    fs.cpSync(dir, restored, { recursive: true, preserveTimestamps: false });
    fs.rmSync(path.join(restored, '.mallard', 'locks'), { recursive: true, force: true });
    const later = new Date(Date.now() + 60_000);
    const leaf = path.join(restored, 'leaves', 'leaf_0042.txt');
    fs.utimesSync(leaf, later, later);
    assert.equal((await run(restored, [new Aggregate(restored, N)])).counts.ran, 0);
    const stamp = readJournal(path.join(restored, '.mallard', 'receipts', 's.jsonl')).get('Leaf(i=42)')?.outputs['./leaves/leaf_0042.txt'];
    assert.match(stamp ?? '', new RegExp(`^f:3:${Math.trunc(fs.statSync(leaf).mtimeMs)}:${fs.statSync(leaf).ino}:[0-9a-f]{64}$`));
  });
});

describe('input hashes', () => {
  test('hashed as they come or kept, the hash is the same: sha1 over "id \\0 stamp \\n" of each input', () => {
    const stamps = new InputStamps();
    const hasher = new InputHasher();
    let text = '';
    for (let i = 0; i < 5000; i += 1) {
      const id = `Leaf(i=${i})`;
      const stamp = `run-${i % 7}|2:${'ab'.repeat(32)}`;
      stamps.add(id, stamp, true);
      hasher.add(id, stamp);
      text += `${id}\0${stamp}\n`;
    }
    assert.ok(text.length > 64 * 1024, 'more than one piece');
    const expected = createHash('sha1').update(text).digest('hex');
    assert.equal(hashStamps(stamps), expected);
    assert.equal(hasher.digest(), expected);
    assert.equal(new InputHasher().digest(), hashStamps(new InputStamps()), 'no inputs');
  });
});

describe('input() in a run', () => {
  test('gives the outputs of the requirements the graph was built from: requires() is called once', async () => {
    const { task } = world();
    let calls = 0;
    let seen: string[][] = [];
    const top = task('top', {
      requires: () => {
        calls += 1;
        return [task('a'), task('b'), task('a')];
      },
      run: async (_ctx, self) => {
        seen = self.input().map((targets) => targets.map((x) => x.description));
      },
    });
    await runTasks([top], { clock: new FakeClock(), receipts: new MemoryReceiptStore() });
    assert.equal(calls, 1);
    assert.deepEqual(seen, [['mem:a'], ['mem:b'], ['mem:a']], 'one list per requirement, in requires() order');
    const outside = task('other', { requires: () => [task('c')] });
    assert.deepEqual(outside.input().map((ts) => ts.map((x) => x.description)), [['mem:c']], 'outside a run: requires() itself');
  });
});
