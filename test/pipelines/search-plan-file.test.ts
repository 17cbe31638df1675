/**
 * plan.json written a batch at a time (writeSearchPlan) is the text JSON.stringify would make,
 * reads back through the plan's schema, and spans the buffer flushes of a portal-sized plan.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { readSearchPlan, writeSearchPlan, type SearchPlanFile } from '../../src/pipelines/stage-manifests.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-plan-file-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function plan(batches: SearchPlanFile['batches']): SearchPlanFile {
  return {
    version: 2,
    stage: 'search',
    site: 's',
    source: 'published/s/clean_ckan_api/x.duckdb',
    options: 'abcd1234',
    mapping: 'terms.parquet',
    terms: batches.reduce((n, b) => n + b.terms.length, 0),
    datasets: 3,
    createdAt: '2026-06-01T00:00:00.000Z',
    reused: [{ file: 'old.json', termCount: 2, searchedAt: '2026-05-01T00:00:00.000Z' }],
    batches,
  };
}

describe('writeSearchPlan', () => {
  test('writes what JSON.stringify writes, with no batch and with odd terms', async () => {
    for (const batches of [[], [{ file: 'batch-2-x.json', terms: ['a "q"', 'line\nbreak'] }, { file: 'é.json', terms: ['é'] }]]) {
      const p = plan(batches);
      const file = path.join(dir, 'plan.json');
      await writeSearchPlan(file, p);
      assert.equal(fs.readFileSync(file, 'utf8'), `${JSON.stringify(p)}\n`);
      assert.deepEqual(readSearchPlan(file), p);
    }
  });

  test('a plan larger than the write buffer comes out whole, leaving no temp file', async () => {
    const batches = Array.from({ length: 3000 }, (_, i) => ({ file: `batch-100-${i}.json`, terms: Array.from({ length: 100 }, (_, j) => `term-${i}-${j}`) }));
    const p = plan(batches);
    const file = path.join(dir, 'plan.json');
    await writeSearchPlan(file, p);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.length > 2 * (1 << 20), 'several buffers long');
    assert.equal(text, `${JSON.stringify(p)}\n`);
    assert.deepEqual(fs.readdirSync(dir), ['plan.json']);
  });
});
