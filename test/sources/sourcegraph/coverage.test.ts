/** The coverage file (requests.parquet): written and read back in order; the loader reads it itself; chunks weighed by the rows they insert. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { buildSourcegraphApiDatabase, READ_REQUESTS_PER_QUERY, readCoverage, requestFileName, SEARCH_ROW_BYTES, writeCoverage } from '../../../src/sources/sourcegraph/index.js';
import { chunkBytes } from '../../../src/sources/bulk-load.js';
import { readDb } from '../../support/ckan-db.js';
import { writeMappingFile } from './mapping-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-sg-coverage-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function resultFile(terms: string[], matches: unknown[]): string {
  const tail = { matchesReceived: matches.length, linesReceived: matches.length, matchCount: matches.length, complete: true, limitHit: false, exhaustive: true, skipped: [], alerts: [], unexplained: 0, split: false, attempts: 1 };
  return `{"searchedAt":"2026-06-01T00:00:00.000Z","terms":${JSON.stringify(terms)},"query":"q","url":"u","matches":${JSON.stringify(matches)},${JSON.stringify(tail).slice(1)}\n`;
}

describe('coverage file', () => {
  test('requests come back with their terms in the order written, not sorted (astral and BMP characters, quotes, newlines)', async () => {
    const requests = [
      { file: 'b.json', searchedAt: '2026-06-02T00:00:00.000Z', terms: ['zeta', '\u{1F600}x', '\uFFFDy', 'a"b\nc'] },
      { file: 'a.json', searchedAt: '2026-06-01T00:00:00.000Z', terms: ['only'] },
    ];
    const file = path.join(dir, 'requests.parquet');
    await writeCoverage(file, requests, '256MB');
    assert.deepEqual(await readCoverage(file), requests);
    assert.deepEqual(fs.readdirSync(dir), ['requests.parquet'], 'no scratch left');
  });

  test('more requests than one read takes come back whole and in order, across the reads', async () => {
    const n = 2 * READ_REQUESTS_PER_QUERY + 3;
    const requests = Array.from({ length: n }, (_, i) => ({ file: `r${n - i}.json`, searchedAt: '2026-06-01T00:00:00.000Z', terms: Array.from({ length: 1 + (i % 3) }, (_, k) => `t${i}-${2 - k}`) }));
    const file = path.join(dir, 'requests.parquet');
    await writeCoverage(file, requests, '256MB');
    assert.deepEqual(await readCoverage(file, '256MB'), requests);
    await writeCoverage(file, [], '256MB');
    assert.deepEqual(await readCoverage(file, '256MB'), []);
  });

  test('the loader reads the coverage file: same tables as from the list; a term standing for many datasets makes more, smaller chunks', async () => {
    const raw = path.join(dir, 'raw');
    fs.mkdirSync(raw);
    const batch = ['alpha', 'beta'];
    fs.writeFileSync(path.join(raw, requestFileName(batch)), resultFile(batch, [{ type: 'content', repository: 'github.com/a/b', path: 'x.py', lines: [{ line: 1, preview: 'alpha beta', terms: [0, 1] }], pathTerms: [] }]));
    fs.writeFileSync(path.join(raw, requestFileName(['gamma'])), resultFile(['gamma'], []));
    // 128 MB: a chunk budget of an eighth of DuckDB's share (11.2 MB), so these searches rows of one term outweigh a chunk.
    const many = Array.from({ length: Math.ceil(chunkBytes(128e6) / SEARCH_ROW_BYTES) + 1 }, (_, i) => `d${i}`);
    const mapping = await writeMappingFile(path.join(dir, 'map'), [{ term: 'alpha', datasetIds: many }, { term: 'beta', datasetIds: ['d1'] }, { term: 'gamma', datasetIds: many }]);
    const requests = [
      { file: requestFileName(batch), searchedAt: '2026-06-01T00:00:00.000Z', terms: batch },
      { file: requestFileName(['gamma']), searchedAt: '2026-06-01T00:00:00.000Z', terms: ['gamma'] },
    ];
    const coverageFile = path.join(raw, 'requests.parquet');
    await writeCoverage(coverageFile, requests);
    const fromFile = await buildSourcegraphApiDatabase(path.join(dir, 'file.db'), { coverageFile, dir: raw }, mapping, { memoryLimit: '128MB' });
    const fromList = await buildSourcegraphApiDatabase(path.join(dir, 'list.db'), requests.map((r) => ({ ...r, file: path.join(raw, r.file) })), mapping, { memoryLimit: '128MB' });
    assert.equal(fromFile.chunks, 2, 'each heavy request alone');
    assert.deepEqual({ ...fromFile }, { ...fromList });
    assert.equal(fromFile.searches, 2 * many.length + 1);
    assert.equal(fromFile.matches, many.length + 1);
    const dump = (file: string) => readDb(file, (db) => db.all(`SELECT term, count(*)::INTEGER AS n, min(request) AS request, min(searched_at)::VARCHAR AS at FROM searches GROUP BY ALL ORDER BY ALL`));
    assert.deepEqual(await dump(path.join(dir, 'file.db')), await dump(path.join(dir, 'list.db')));
  });
});
