import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { COMPACT_AFTER_CHARS, COMPACT_AFTER_LINES, compactionDue, JournalReceiptStore, readJournal } from '../../src/engine/receipt-journal.js';
import { MemoryReceiptStore, type Receipt } from '../../src/engine/receipts.js';
import { runTasks } from '../../src/engine/scheduler.js';
import { world } from './helpers.js';

const fixed = { clock: new FakeClock(), random: () => 1 };

describe('receipts and input changes', () => {
  test('a receipt records run id, outputs, and input stamps', async () => {
    const { task } = world();
    const receipts = new MemoryReceiptStore();
    const summary = await runTasks([task('b', { requires: () => [task('a')] })], { ...fixed, receipts, runId: 'run-1' });
    const r = receipts.get('Spec(name=b)');
    assert.equal(r?.runId, 'run-1');
    assert.deepEqual(Object.keys(r?.outputs ?? {}), ['mem:b']);
    assert.deepEqual(Object.keys(r?.inputStamps ?? {}), ['Spec(name=a)']);
    assert.equal(summary.runId, 'run-1');
  });

  test('an upstream rerun makes downstream stale, and dry-run explains why', async () => {
    const { task, log } = world();
    const receipts = new MemoryReceiptStore();
    const b = () => task('b', { requires: () => [task('a')] });
    await runTasks([b()], { ...fixed, receipts });
    await runTasks([task('a')], { ...fixed, receipts, force: ['Spec(name=a)'] });
    log.length = 0;
    const dry = await runTasks([b()], { ...fixed, receipts, dryRun: true });
    assert.deepEqual(log, [], 'a dry run runs nothing');
    assert.equal(dry.status, 'dry-run');
    assert.deepEqual(dry.plan, [{ id: 'Spec(name=b)', family: 'Spec', message: 'inputs changed since its run: Spec(name=a)' }]);
    await runTasks([b()], { ...fixed, receipts });
    assert.deepEqual(log, ['b']);
  });

  test('dry-run names each reason: missing output, no receipt, output changed, version, forced', async () => {
    const { task, fs } = world();
    const receipts = new MemoryReceiptStore();
    await runTasks([task('changed'), task('versioned'), task('forced')], { ...fixed, receipts });
    fs.write('changed', 'edited by hand');
    fs.write('orphan', 'no run made this');
    const dry = await runTasks(
      [task('missing'), task('orphan'), task('changed'), task('versioned', { version: '2' }), task('forced')],
      { ...fixed, receipts, dryRun: true, force: ['Spec(name=forced)'] },
    );
    const reasons = Object.fromEntries(dry.plan.map((p) => [p.id, p.message]));
    assert.deepEqual(reasons, {
      'Spec(name=missing)': 'missing output mem:missing',
      'Spec(name=orphan)': 'no receipt: outputs exist but no successful run recorded them',
      'Spec(name=changed)': 'output changed since its run: mem:changed',
      'Spec(name=versioned)': 'task version changed (1 -> 2)',
      'Spec(name=forced)': 'forced (--force)',
    });
  });

  test('--force by family reruns those tasks and everything downstream of them', async () => {
    const { task, log } = world();
    const receipts = new MemoryReceiptStore();
    const graph = () => task('report', { family: 'Report', requires: () => [task('load', { family: 'Load', requires: () => [task('dl', { family: 'Download' })] })] });
    await runTasks([graph()], { ...fixed, receipts });
    log.length = 0;
    const summary = await runTasks([graph()], { ...fixed, receipts, force: ['Load'] });
    assert.deepEqual(log, ['load', 'report']);
    assert.equal(summary.counts.alreadyComplete, 1);
  });

  test('a diamond converges in one run: a complete task above a missing one reruns too', async () => {
    const { task, fs, log } = world();
    const receipts = new MemoryReceiptStore();
    const c = () => task('c');
    const graph = () => task('root', { requires: () => [task('a', { requires: () => [c()] }), task('b', { requires: () => [c()] })] });
    await runTasks([graph()], { ...fixed, receipts });
    fs.delete('c');
    fs.delete('b');
    fs.delete('root');
    log.length = 0;
    await runTasks([graph()], { ...fixed, receipts });
    assert.deepEqual([...log].sort(), ['a', 'b', 'c', 'root']);
    log.length = 0;
    const third = await runTasks([graph()], { ...fixed, receipts });
    assert.equal(third.counts.ran, 0, 'nothing is stale after the second run');
  });
});

describe('the receipt journal', () => {
  test('survives reopening, ignores a torn last line, and compacts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-journal-'));
    try {
      const file = path.join(dir, 'r.jsonl');
      const store = JournalReceiptStore.open(file);
      for (let i = 0; i < 3; i += 1) {
        store.put({ taskId: `t${i}`, runId: 'r', finishedAt: 0, durationMs: 0, version: '1', inputs: '', outputs: { o: `${i}` } });
      }
      store.put({ taskId: 't0', runId: 'r2', finishedAt: 0, durationMs: 0, version: '1', inputs: '', outputs: { o: 'new' } });
      await store.close();
      fs.appendFileSync(file, '{"taskId":"t9","outp');
      const reopened = JournalReceiptStore.open(file);
      assert.equal(reopened.get('t0')?.runId, 'r2');
      assert.equal(reopened.get('t2')?.outputs.o, '2');
      assert.equal(reopened.get('t9'), undefined);
      await reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const receiptOf = (i: number, runId = 'r1'): Receipt => ({
    taskId: `T(i=${i})`,
    runId,
    finishedAt: 1_700_000_000_000 + i,
    durationMs: i % 7,
    version: i % 3 === 0 ? '2' : '1',
    inputs: i % 2 === 0 ? 'da39a3ee5e6b4b0d3255bfef95601890afd80709' : `hash-${i}`,
    ...(i % 5 === 0 ? { inputStamps: { [`U(i=${i})`]: `r0|2:${i}` } } : {}),
    ...(i % 11 === 0 ? { dynamic: [`D(i=${i})`, `D(i=${i + 1})`] } : {}),
    outputs: i % 4 === 0 ? { [`./a/${i}.txt`]: `f:2:${i}:${i}:ab`, [`./b/${i}.txt`]: 'tbl:3' } : { [`./a/${i}.txt`]: `f:2:${i}:${i}:cd` },
  });
  const plain = (r: Receipt | undefined): unknown => (r === undefined ? undefined : JSON.parse(JSON.stringify(r)));
  const withTempDir = async (body: (dir: string) => Promise<void>): Promise<void> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-journal-'));
    try {
      await body(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test('an older journal (JSON lines only) is read whole and rewritten as one snapshot line at close, with every field kept', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'r.jsonl');
      const n = COMPACT_AFTER_LINES + 10;
      const lines = Array.from({ length: n }, (_, i) => JSON.stringify(receiptOf(i)));
      lines.push(JSON.stringify(receiptOf(3, 'r2'))); // a later receipt of T(i=3) wins
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const old = JournalReceiptStore.open(file);
      assert.deepEqual(plain(old.get('T(i=3)')), plain(receiptOf(3, 'r2')));
      await old.close();
      const text = fs.readFileSync(file, 'utf8');
      assert.equal(text.split('\n').filter((l) => l !== '').length, 1, 'compacted into one line');
      assert.ok(text.startsWith('{"receiptSnapshot":1,'), text.slice(0, 40));
      assert.ok(text.length < lines.join('\n').length, 'smaller than the JSON lines');
      const reopened = JournalReceiptStore.open(file);
      for (let i = 0; i < n; i += 1) assert.deepEqual(plain(reopened.get(`T(i=${i})`)), plain(receiptOf(i, i === 3 ? 'r2' : 'r1')), `T(i=${i})`);
      assert.equal(reopened.get(`T(i=${n})`), undefined);
      await reopened.close();
    });
  });

  test('after a snapshot, new receipts are JSON lines that win over it, and a torn last line is ignored', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'r.jsonl');
      const first = JournalReceiptStore.open(file, { root: dir });
      for (let i = 0; i < COMPACT_AFTER_LINES; i += 1) first.put(receiptOf(i));
      await first.close();
      assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length, 1);
      const second = JournalReceiptStore.open(file, { root: dir });
      second.put(receiptOf(7, 'r3'));
      await second.close();
      fs.appendFileSync(file, '{"taskId":"T(i=8)","runId":"r4","outp');
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      assert.equal(lines.length, 3, 'snapshot, one appended receipt, the torn line');
      const third = JournalReceiptStore.open(file, { root: dir });
      assert.equal(third.get('T(i=7)')?.runId, 'r3');
      assert.equal(third.get('T(i=8)')?.runId, 'r1', 'the torn line changed nothing');
      assert.equal(third.get('T(i=9)')?.outputs['./a/9.txt'], 'f:2:9:9:cd');
      await third.close();
      assert.equal(fs.readFileSync(file, 'utf8').split('\n').length, 3, 'a few lines after the snapshot: not compacted again');
    });
  });

  test('lines after the snapshot are parsed when their task is asked for: the last whole one wins, whatever the id holds', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'r.jsonl');
      const odd = 'T(name="a \\"quoted\\" \\\\ path", i=1)';
      const store = JournalReceiptStore.open(file, { root: dir });
      store.put(receiptOf(1));
      store.put({ ...receiptOf(2), taskId: odd });
      store.put(receiptOf(3));
      store.put(receiptOf(1, 'r2'));
      await store.close();
      // A line with its keys in another order, a line that is no receipt, and a torn line of T(i=3).
      fs.appendFileSync(file, `${JSON.stringify({ runId: 'r5', taskId: 'T(i=4)', outputs: {}, finishedAt: 1, durationMs: 0, version: '1', inputs: 'x' })}\n{"taskId":"T(i=9)" junk\n{"taskId":"T(i=3)","runId":"r9","outp`);
      const reopened = JournalReceiptStore.open(file, { root: dir });
      assert.equal(reopened.get('T(i=1)')?.runId, 'r2', 'the later of two lines');
      assert.equal(reopened.get(odd)?.taskId, odd, 'an id with quotes and backslashes');
      assert.equal(reopened.get('T(i=3)')?.runId, 'r1', 'a torn last line does not hide the whole one before it');
      assert.equal(reopened.get('T(i=4)')?.runId, 'r5', 'a line that does not start with taskId');
      assert.equal(reopened.get('T(i=9)'), undefined);
      assert.equal(reopened.row('T(i=3)')?.inputs, 'hash-3', 'a row too');
      for (let i = 10; i < 10 + COMPACT_AFTER_LINES; i += 1) reopened.put(receiptOf(i));
      await reopened.close();
      const compacted = readJournal(file);
      assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length, 1, 'compacted');
      assert.deepEqual(['T(i=1)', odd, 'T(i=3)', 'T(i=4)'].map((id) => compacted.get(id)?.runId), ['r2', 'r1', 'r1', 'r5'], 'lines never asked for are in the snapshot too');
      assert.equal(compacted.has('T(i=9)'), false);
    });
  });

  test('a few long lines after the snapshot (a task of many outputs) compact it once they outgrow it', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'r.jsonl');
      const lineCount = () => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
      const first = JournalReceiptStore.open(file, { root: dir });
      for (let i = 0; i < COMPACT_AFTER_LINES; i += 1) first.put(receiptOf(i));
      await first.close();
      assert.equal(lineCount(), 1);
      const wide = (runId: string): Receipt => ({ ...receiptOf(5000, runId), outputs: Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`./results/request-${i}.json`, `f:10:${i}:${i}:ab`])) });
      const second = JournalReceiptStore.open(file, { root: dir });
      second.put(receiptOf(3, 'r2'));
      await second.close();
      assert.equal(lineCount(), 2, 'a short line after the snapshot: kept as it is');
      const third = JournalReceiptStore.open(file, { root: dir });
      third.put(wide('r3'));
      await third.close();
      assert.equal(lineCount(), 1, 'one line of over 1 MiB, longer than the snapshot: compacted');
      const withWide = fs.statSync(file).size;
      const fourth = JournalReceiptStore.open(file, { root: dir });
      fourth.put(wide('r4'));
      await fourth.close();
      assert.equal(lineCount(), 2, 'the tail is not longer than the snapshot (which holds the wide receipt now): kept');
      const fifth = JournalReceiptStore.open(file, { root: dir });
      fifth.put(wide('r5'));
      await fifth.close();
      assert.equal(lineCount(), 1, 'two wide lines outgrow it: compacted');
      assert.ok(fs.statSync(file).size < withWide * 1.1, 'the superseded receipts are gone');
      const journal = readJournal(file);
      assert.equal(journal.get('T(i=5000)')?.runId, 'r5');
      assert.equal(Object.keys(journal.get('T(i=5000)')?.outputs ?? {}).length, 30_000);
      assert.equal(journal.get('T(i=3)')?.runId, 'r2');
      assert.equal(journal.size, COMPACT_AFTER_LINES + 1);
      assert.equal(compactionDue(10, COMPACT_AFTER_CHARS + 1, COMPACT_AFTER_CHARS + 2), false);
      assert.equal(compactionDue(10, COMPACT_AFTER_CHARS, 0), false, 'a small journal is not rewritten for its size');
      assert.equal(compactionDue(COMPACT_AFTER_LINES, 0, 1e9), true);
    });
  });

  test('a snapshot answers lookups in any order: in row order, the last row, back and forth, unknown ids', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'r.jsonl');
      const n = COMPACT_AFTER_LINES + 5;
      const first = JournalReceiptStore.open(file, { root: dir });
      for (let i = 0; i < n; i += 1) first.put(receiptOf(i, `r${i}`));
      await first.close();
      const store = JournalReceiptStore.open(file, { root: dir });
      const order = [n - 1, 0, 1, 2, n - 1, 3, 500, 501, 7, 6, n - 2, n - 1, 4, 5, 8];
      for (const i of order) {
        assert.equal(store.row(`T(i=${i})`)?.stamp().split('|')[0], `r${i}`, `row of T(i=${i})`);
        assert.equal(store.get(`T(i=${i})`)?.runId, `r${i}`, `get of T(i=${i})`);
      }
      assert.equal(store.row(`T(i=${n})`), undefined);
      assert.equal(store.get('T(i=-1)'), undefined);
      assert.equal(store.row('T(i=9)')?.stamp().split('|')[0], 'r9', 'after misses, rows in order again');
      await store.close();
    });
  });

  test('readJournal (for readers outside a run) gives the receipts of the snapshot and the lines after it, the last of each task', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'r.jsonl');
      assert.equal(readJournal(file).size, 0, 'no journal yet: no receipts');
      const first = JournalReceiptStore.open(file, { root: dir });
      for (let i = 0; i < COMPACT_AFTER_LINES; i += 1) first.put(receiptOf(i));
      await first.close();
      const second = JournalReceiptStore.open(file, { root: dir });
      second.put(receiptOf(7, 'r3'));
      second.put(receiptOf(COMPACT_AFTER_LINES + 5, 'r3'));
      await second.close();
      const all = readJournal(file);
      assert.equal(all.size, COMPACT_AFTER_LINES + 1);
      assert.equal(all.get('T(i=7)')?.runId, 'r3', 'a line after the snapshot wins');
      assert.equal(all.get('T(i=9)')?.outputs['./a/9.txt'], 'f:2:9:9:cd', 'stored form: outputs relative to the root');
    });
  });

  test('a damaged snapshot loses only its own receipts (those tasks rerun); the lines after it still count', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'r.jsonl');
      const store = JournalReceiptStore.open(file);
      for (let i = 0; i < COMPACT_AFTER_LINES; i += 1) store.put(receiptOf(i));
      await store.close();
      const snapshot = fs.readFileSync(file, 'utf8').trim();
      const broken = snapshot.replace('"runIds":["r1"]', '"runIds":[]'); // every run index out of range
      assert.notEqual(broken, snapshot);
      fs.writeFileSync(file, `${broken}\n${JSON.stringify(receiptOf(5, 'r9'))}\n`);
      const reopened = JournalReceiptStore.open(file);
      assert.equal(reopened.get('T(i=4)'), undefined);
      assert.equal(reopened.get('T(i=5)')?.runId, 'r9');
      await reopened.close();
      fs.writeFileSync(file, `${snapshot.slice(0, snapshot.length / 2)}\n`);
      const cut = JournalReceiptStore.open(file);
      assert.equal(cut.get('T(i=4)'), undefined);
      await cut.close();
    });
  });
});
