/**
 * A racing double commit from two processes (a zombie shard and its retry): each commits the
 * same tasks at the same instant through its own GCS client against one fake GCS server.
 * Exactly one receipt per task exists afterwards, and both processes name the same winner.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { receiptKey, StoreLayout } from '../../src/shards/index.js';
import { BUCKET, SITE, location, storeSuite } from './helpers.js';

const run = promisify(execFile);
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commit-child.js');
const PLAN = 'c'.repeat(64);

interface Line {
  taskId: string;
  committed: boolean;
  winner: string;
}

describe('a racing double commit from two processes', () => {
  const gcs = storeSuite();

  test('leaves exactly one receipt per task, and both processes report the same winner', async () => {
    const tasks = Array.from({ length: 40 }, (_, i) => `SourcegraphSearch(batch=${i})`);
    const startAt = String(Date.now() + 3000); // both children loaded and connected by then
    // Opposite orders: each wins the tasks it reaches first, and in the middle they meet on the same task at once.
    const child = (runId: string, order: string[]) =>
      run(process.execPath, [CHILD, `gs://${BUCKET}/race`, SITE, PLAN, gcs.dir(runId), runId, `host-${runId}`, startAt, ...order], {
        env: { ...process.env, STORAGE_EMULATOR_HOST: gcs.server.host },
      });
    const outputs = await Promise.all([child('r-zombie', tasks), child('r-retry', [...tasks].reverse())]);
    const [a, b] = outputs.map((o) => new Map(o.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line).map((l) => [l.taskId, l])));
    const layout = new StoreLayout(location('race'), SITE);
    const stored = gcs.server.names(BUCKET, layout.receiptsPrefix('search', PLAN));
    assert.equal(stored.length, tasks.length, 'one receipt per task');
    const wins = { 'r-zombie': 0, 'r-retry': 0 } as Record<string, number>;
    for (const id of tasks) {
      const [la, lb] = [a!.get(id)!, b!.get(id)!];
      assert.equal(la.winner, lb.winner, id);
      assert.notEqual(la.committed, lb.committed, `${id}: exactly one of the two committed`);
      const receipt = JSON.parse(gcs.server.object(BUCKET, layout.receipt('search', PLAN, receiptKey(PLAN, id, '1')))!.data.toString()) as { runId: string };
      assert.equal(receipt.runId, la.winner, `${id}: the stored receipt is the winner's`);
      wins[la.winner]!++;
    }
    const lost = gcs.server.requests.filter((r) => r.status === 412 && r.object?.includes('/receipts/')).length;
    assert.equal(lost, tasks.length, 'every task: one create-only receipt write refused');
    assert.ok(wins['r-zombie']! > 0 && wins['r-retry']! > 0, `both won some tasks: ${JSON.stringify(wins)}`);
  });
});
