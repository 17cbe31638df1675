/**
 * A rerun's reuse decided by DuckDB (reuse.ts) against the JavaScript rule (reusableCoverage):
 * fresh requests on disk are kept, narrowed to the terms still wanted, each term to its first
 * covering request; stale ones and ones whose file is gone are searched again; the coverage
 * written is the kept requests, then the new ones.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { isPartialPath } from '../../../src/engine/index.js';
import { discardReuse, readCoverage, reusableCoverage, reuseCoverage, writeCoverage, writeReusingCoverage, type RequestCoverage } from '../../../src/sources/sourcegraph/index.js';
import { writeMappingFile } from './mapping-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-sg-reuse-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const OLD = '2026-01-01T00:00:00.000Z';
const NEW = '2026-06-01T00:00:00.000Z';

describe('coverage reuse in DuckDB', () => {
  test('keeps what reusableCoverage keeps, searches the rest, and writes kept then new requests', async () => {
    const previous: RequestCoverage[] = [
      { file: 'a.json', searchedAt: NEW, terms: ['t1', 'gone', 't2'] },
      { file: 'stale.json', searchedAt: OLD, terms: ['t3'] },
      { file: 'missing.json', searchedAt: NEW, terms: ['t4'] },
      { file: 'b.json', searchedAt: NEW, terms: ['t5', 'q"x\ny'] },
      { file: 'c.json', searchedAt: NEW, terms: ['gone2'] },
    ];
    for (const r of previous) if (r.file !== 'missing.json') fs.writeFileSync(path.join(dir, r.file), '{}');
    const coverage = path.join(dir, 'requests.parquet');
    await writeCoverage(coverage, previous);
    const wanted = ['t1', 't2', 't3', 't4', 't5', 'q"x\ny', 'new'];
    const mapping = await writeMappingFile(dir, wanted.map((term, i) => ({ term, datasetIds: [`d${i}`, 'shared'] })));
    const notBefore = Date.parse('2026-03-01T00:00:00Z');

    const expected = reusableCoverage(previous, wanted, dir, notBefore);
    const reuse = await reuseCoverage(mapping, coverage, dir, notBefore, '256MB');
    assert.deepEqual(reuse.reused, expected.reuse.map((r) => ({ file: r.file, termCount: r.terms.length, searchedAt: r.searchedAt })));
    assert.deepEqual(reuse.toSearch, [...expected.toSearch].sort());
    assert.deepEqual(reuse.toSearch, ['new', 't3', 't4']);
    assert.equal(reuse.terms, wanted.length);
    assert.equal(reuse.datasets, wanted.length + 1);
    assert.ok(reuse.selection.kept !== undefined && isPartialPath(reuse.selection.kept), 'the kept rows wait in a temp file (a dead run leaves it as litter)');
    assert.deepEqual((await readCoverage(reuse.selection.kept)).map((r) => r.terms), expected.reuse.map((r) => r.terms), 'the kept rows, read once');
    const searched: RequestCoverage[] = [{ file: 'batch-new.json', searchedAt: '2026-06-02T00:00:00.000Z', terms: reuse.toSearch }];
    await writeReusingCoverage(coverage, reuse, searched, '256MB');
    assert.deepEqual(await readCoverage(coverage), [...expected.reuse, { file: 'batch-new.json', searchedAt: '2026-06-02T00:00:00.000Z', terms: ['new', 't3', 't4'] }]);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort(), ['requests.parquet', 'terms.parquet'], 'no scratch left');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no scratch left');
  });

  test('a reuse dropped before its coverage is written leaves nothing behind; one with nothing kept writes only the new requests', async () => {
    const previous: RequestCoverage[] = [{ file: 'a.json', searchedAt: NEW, terms: ['t1'] }];
    fs.writeFileSync(path.join(dir, 'a.json'), '{}');
    const coverage = path.join(dir, 'requests.parquet');
    await writeCoverage(coverage, previous);
    const mapping = await writeMappingFile(dir, [{ term: 't1', datasetIds: ['d1'] }, { term: 't2', datasetIds: ['d1'] }]);
    const dropped = await reuseCoverage(mapping, coverage, dir, undefined);
    assert.ok(dropped.selection.kept !== undefined && fs.existsSync(dropped.selection.kept));
    discardReuse(dropped);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.')), []);

    fs.rmSync(path.join(dir, 'a.json'));
    const none = await reuseCoverage(mapping, coverage, dir, undefined);
    assert.deepEqual({ kept: none.selection.kept, toSearch: none.toSearch }, { kept: undefined, toSearch: ['t1', 't2'] });
    await writeReusingCoverage(coverage, none, [{ file: 'batch-2.json', searchedAt: NEW, terms: ['t1', 't2'] }]);
    assert.deepEqual(await readCoverage(coverage), [{ file: 'batch-2.json', searchedAt: NEW, terms: ['t1', 't2'] }]);
  });

  test('no previous coverage: every term is searched, none reused', async () => {
    const mapping = await writeMappingFile(dir, [{ term: 'b', datasetIds: ['d1'] }, { term: 'a', datasetIds: ['d1', 'd2'] }]);
    const reuse = await reuseCoverage(mapping, undefined, dir, undefined);
    assert.deepEqual({ reused: reuse.reused, toSearch: reuse.toSearch, terms: reuse.terms, datasets: reuse.datasets }, { reused: [], toSearch: ['a', 'b'], terms: 2, datasets: 2 });
  });
});
