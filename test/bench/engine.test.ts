/** bench:engine at a tiny size: it runs every scenario for mallard and the bare baseline and checks the work done. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

const bench = path.join(import.meta.dirname, '..', '..', 'bench', 'engine.js');

interface ScenarioResult {
  mallardSeconds: number;
  bareSeconds: number;
  ratio: number;
  floorSeconds: number;
  floorRatio: number;
  overFloor: number;
  counts: { ran: number; complete?: number };
}

describe('bench:engine', () => {
  test('prints medians, ratios and the checked task counts of each scenario, and whether Luigi ran', () => {
    const r = spawnSync(process.execPath, [bench, '--n', '20', '--repeat', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { n: number; luigi: string; scenarios: Record<string, ScenarioResult> };
    assert.equal(out.n, 20);
    assert.deepEqual(Object.keys(out.scenarios), ['cold', 'noop', 'rootmissing']);
    assert.deepEqual(out.scenarios['cold']?.counts.ran, 21);
    assert.deepEqual(out.scenarios['noop']?.counts.ran, 0);
    assert.deepEqual(out.scenarios['rootmissing']?.counts, { ran: 1, complete: 20 });
    for (const s of Object.values(out.scenarios)) {
      assert.ok(s.mallardSeconds > 0 && s.bareSeconds > 0);
      // The seconds are printed rounded to the millisecond: at this size that alone moves the
      // quotient by up to half a millisecond over each, so allow exactly that much.
      assert.ok(s.bareSeconds > 0 && s.mallardSeconds > 0);
      const rounding = s.ratio * (0.0005 / s.bareSeconds + 0.0005 / s.mallardSeconds);
      assert.ok(Math.abs(s.ratio - s.mallardSeconds / s.bareSeconds) <= rounding + 0.001, `ratio ${s.ratio}`);
      assert.ok(s.floorSeconds > 0);
      const floorRounding = s.floorRatio * (0.0005 / s.bareSeconds + 0.0005 / s.floorSeconds);
      assert.ok(Math.abs(s.floorRatio - s.floorSeconds / s.bareSeconds) <= floorRounding + 0.001, `floorRatio ${s.floorRatio}`);
      assert.ok(Math.abs(s.overFloor * s.floorSeconds - s.mallardSeconds) <= 0.002 * s.overFloor + 0.001, `overFloor ${s.overFloor}`);
    }
    assert.match(out.luigi, /^(luigi \S+|not available: .+)$/);
  });

  test('the contract floor keeps receipts: a rerun makes nothing, an output changed by hand is made again with what it feeds', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-floor-'));
    try {
      const floor = (): { ran: number; complete: number; sum: number } => {
        const r = spawnSync(process.execPath, [path.join(path.dirname(bench), 'engine-floor.js'), '--n', '30', '--out', dir], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const { ran, complete, sum } = JSON.parse(r.stdout) as { ran: number; complete: number; sum: number };
        return { ran, complete, sum };
      };
      assert.deepEqual(floor(), { ran: 31, complete: 0, sum: 435 });
      assert.deepEqual(floor(), { ran: 0, complete: 31, sum: 435 });
      // A leaf rewritten by hand with the size it had (its mtime moves on): its stat no longer matches its receipt.
      const leaf = path.join(dir, 'leaves', 'leaf_000007.txt');
      fs.writeFileSync(leaf, '9\n');
      fs.utimesSync(leaf, new Date(), new Date(Date.now() + 5000));
      assert.deepEqual(floor(), { ran: 2, complete: 29, sum: 435 });
      fs.rmSync(path.join(dir, 'aggregate.txt'));
      assert.deepEqual(floor(), { ran: 1, complete: 30, sum: 435 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown scenario is a usage error', () => {
    const r = spawnSync(process.execPath, [bench, '--n', '20', '--scenario', 'warm'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--scenario from cold,noop,rootmissing/);
  });
});
