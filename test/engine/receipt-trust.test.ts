/**
 * Receipts vouch by content and relative paths: a moved or restored artifacts directory is
 * still complete, an edited or deleted file anywhere in the graph is noticed, and a noop
 * run hashes nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runSession, type RunSummary, type Task } from '../../src/engine/index.js';
import { Aggregate } from '../ui/file-tasks.js';
import { tempDir } from '../ui/helpers.js';

async function run(dir: string, roots: Task[]): Promise<RunSummary> {
  return (await runSession(roots, { artifactsDir: dir, scope: 's', workers: 1 })).summary;
}

function journal(dir: string): string {
  return fs.readFileSync(path.join(dir, '.mallard', 'receipts', 's.jsonl'), 'utf8');
}

/** Copies a tree as a restore does: new inodes and new mtimes, same bytes. */
function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, preserveTimestamps: false });
  const later = new Date(Date.now() + 60_000);
  for (const e of fs.readdirSync(to, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) fs.utimesSync(path.join(e.parentPath, e.name), later, later);
  }
}

describe('receipts survive a move or a restore', () => {
  test('receipts name outputs relative to the artifacts directory; after `mv` nothing reruns', async (t) => {
    const base = await tempDir(t);
    const dir = path.join(base, 'art');
    fs.mkdirSync(dir);
    assert.equal((await run(dir, [new Aggregate(dir, 3)])).counts.ran, 4);
    assert.ok(!journal(dir).includes(dir), 'no absolute path in the journal');
    assert.match(journal(dir), /"\.\/leaves\/leaf_0000\.txt"/);
    const moved = path.join(base, 'art2');
    fs.renameSync(dir, moved);
    const again = await run(moved, [new Aggregate(moved, 3)]);
    assert.equal(again.counts.ran, 0, JSON.stringify(again.counts));
  });

  test('a restored copy (new mtimes and inodes, same content) is complete; its receipts take the new stats', async (t) => {
    const base = await tempDir(t);
    const dir = path.join(base, 'art');
    fs.mkdirSync(dir);
    await run(dir, [new Aggregate(dir, 3)]);
    const restored = path.join(base, 'restored');
    copyTree(dir, restored);
    fs.rmSync(path.join(restored, '.mallard', 'locks'), { recursive: true, force: true });
    const before = journal(restored).length;
    const again = await run(restored, [new Aggregate(restored, 3)]);
    assert.equal(again.counts.ran, 0, JSON.stringify(again.counts));
    assert.ok(journal(restored).length > before, 'refreshed receipts appended (next check is a stat only)');
    const ino = fs.statSync(path.join(restored, 'aggregate.txt')).ino;
    const last = journal(restored).trim().split('\n').map((l) => JSON.parse(l) as { taskId: string; outputs: Record<string, string> })
      .filter((r) => r.taskId === 'Aggregate(n=3)').pop();
    assert.match(Object.values(last?.outputs ?? {})[0] ?? '', new RegExp(`^f:\\d+:\\d+:${ino}:[0-9a-f]{64}$`));
  });

  test('an edited output of the same size with a new mtime is not vouched for', async (t) => {
    const dir = await tempDir(t);
    await run(dir, [new Aggregate(dir, 3)]);
    const leaf = path.join(dir, 'leaves', 'leaf_0001.txt');
    fs.writeFileSync(leaf, '7\n'); // same size as "1\n"
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(leaf, later, later);
    const runs: string[] = [];
    const again = await run(dir, [new Aggregate(dir, 3, { onRun: (id) => runs.push(id) })]);
    assert.deepEqual(runs.sort(), ['Aggregate(n=3)', 'Leaf(i=1)']);
    assert.equal(again.status, 'success');
  });
});

describe('a changed input anywhere in the graph is noticed', () => {
  test('a deleted leaf below a complete aggregate reruns the leaf and the aggregate', async (t) => {
    const dir = await tempDir(t);
    await run(dir, [new Aggregate(dir, 3)]);
    fs.rmSync(path.join(dir, 'leaves', 'leaf_0002.txt'));
    const runs: string[] = [];
    const again = await run(dir, [new Aggregate(dir, 3, { onRun: (id) => runs.push(id) })]);
    assert.deepEqual(runs.sort(), ['Aggregate(n=3)', 'Leaf(i=2)']);
    assert.equal(fs.readFileSync(path.join(dir, 'aggregate.txt'), 'utf8'), '3\n');
    assert.equal(again.counts.ran, 2);
  });
});

describe('a compacted journal (one snapshot line) vouches as the JSON lines did', () => {
  test('1,200 tasks: compacted at the end of the run; the noop after it runs nothing; an edited leaf reruns with its aggregate', async (t) => {
    const dir = await tempDir(t);
    const n = 1200;
    assert.equal((await run(dir, [new Aggregate(dir, n)])).counts.ran, n + 1);
    const lines = journal(dir).split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, 'compacted at close');
    assert.ok(lines[0]?.startsWith('{"receiptSnapshot":'));
    const noop = await run(dir, [new Aggregate(dir, n)]);
    assert.equal(noop.counts.ran, 0, JSON.stringify(noop.counts));
    assert.equal(noop.counts.alreadyComplete, n + 1);
    const leaf = path.join(dir, 'leaves', 'leaf_0777.txt');
    fs.writeFileSync(leaf, '9\n'); // other content, other size: found by its stat
    const runs: string[] = [];
    const again = await run(dir, [new Aggregate(dir, n, { onRun: (id) => runs.push(id) })]);
    assert.deepEqual(runs.sort(), ['Aggregate(n=1200)', 'Leaf(i=777)']);
    assert.equal(again.status, 'success');
    assert.equal((await run(dir, [new Aggregate(dir, n)])).counts.ran, 0, 'the receipts appended after the snapshot vouch');
  });
});
