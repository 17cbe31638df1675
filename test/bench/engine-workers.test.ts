/** bench:engine-workers at a tiny size: each worker count runs the checked cold DAG, medians printed per count. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';

const bench = path.join(import.meta.dirname, '..', '..', 'bench', 'engine-workers.js');

interface Runs {
  [key: string]: { wallSeconds: number; cpuSeconds: number; walls: number[] };
}

describe('bench:engine-workers', () => {
  test('runs every worker count the asked number of times and prints wall and CPU medians', () => {
    const r = spawnSync(process.execPath, [bench, '--n', '20', '--workers', '1,3', '--repeat', '2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { n: number; repeat: number; runs: Runs; speedup: Record<string, number> };
    assert.equal(out.n, 20);
    assert.deepEqual(Object.keys(out.runs).sort(), ['this:w1', 'this:w3']);
    for (const run of Object.values(out.runs)) {
      assert.equal(run.walls.length, 2);
      assert.ok(run.wallSeconds > 0 && run.cpuSeconds > 0, JSON.stringify(run));
    }
    assert.ok((out.speedup['w3'] ?? 0) > 0);
  });

  test('a bad worker count is a usage error', () => {
    const r = spawnSync(process.execPath, [bench, '--workers', '0,4'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--workers 1,4/);
  });
});
