/** bench:engine at a tiny size: it runs every scenario for mallard and the bare baseline and checks the work done. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';

const bench = path.join(import.meta.dirname, '..', '..', 'bench', 'engine.js');

interface ScenarioResult {
  mallardSeconds: number;
  bareSeconds: number;
  ratio: number;
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
    }
    assert.match(out.luigi, /^(luigi \S+|not available: .+)$/);
  });

  test('an unknown scenario is a usage error', () => {
    const r = spawnSync(process.execPath, [bench, '--n', '20', '--scenario', 'warm'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--scenario from cold,noop,rootmissing/);
  });
});
