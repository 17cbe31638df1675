/** sourcegraph_api.db in bounded memory: many small result files, one too big for the limit, coverage of batched requests. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { memoryLimitBytes } from '../../../src/duckdb/index.js';
import { MallardError } from '../../../src/engine/errors.js';
import { largestLoadable } from '../../../src/sources/bulk-load.js';
import { buildSourcegraphApiDatabase, requestFileName } from '../../../src/sources/sourcegraph/index.js';
import { readDb } from '../../support/ckan-db.js';
import { writeMappingFile } from './mapping-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-sg-db-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A result file as searchRequestToFile writes it. */
function resultFile(terms: string[], matches: unknown[], searchedAt = '2026-06-01T00:00:00.000Z'): string {
  const head = `{"searchedAt":"${searchedAt}","terms":${JSON.stringify(terms)},"query":"q","url":"u","matches":[`;
  const body = matches.map((m) => `\n${JSON.stringify(m)}`).join(',');
  const tail = { matchesReceived: matches.length, linesReceived: matches.length, matchCount: matches.length, complete: true, limitHit: false, exhaustive: true, skipped: [], alerts: [], unexplained: 0, split: false, attempts: 1 };
  return `${head}${body}\n],${JSON.stringify(tail).slice(1)}\n`;
}

const match = (i: number, terms: number[]) => ({
  type: 'content', repository: `github.com/o${i % 97}/r${i % 97}`, repositoryId: i % 97, path: `f${i}.py`, commit: 'c', language: 'Python', repoStars: i % 7,
  lines: [{ line: 1, preview: `term-${i}`, terms }], pathTerms: [],
});

describe('buildSourcegraphApiDatabase', () => {
  test('loads 50,000 small result files at a 256 MB memory limit', async () => {
    const n = 50_000;
    const rawDir = path.join(dir, 'raw');
    fs.mkdirSync(rawDir);
    const requests = Array.from({ length: n }, (_, i) => {
      const term = `https://data.example.org/dataset/${i}`;
      const file = path.join(rawDir, requestFileName([term]));
      fs.writeFileSync(file, resultFile([term], i % 5 === 0 ? [] : [match(i, [0])]));
      return { file, terms: [term] };
    });
    const terms = requests.map((r, i) => ({ term: r.terms[0] as string, datasetIds: [`d${i}`] }));
    const db = path.join(dir, 'sourcegraph_api.db');
    const load = await buildSourcegraphApiDatabase(db, requests, await writeMappingFile(path.join(dir, 'map'), terms), { memoryLimit: '256MB' });
    assert.equal(load.files, n);
    assert.equal(load.searches, n);
    assert.equal(load.matches, n - n / 5);
    assert.ok(load.chunks > 1, `loaded in ${load.chunks} chunks`);
    const rows = await readDb(db, (d) => d.all(`SELECT count(DISTINCT term)::INTEGER AS terms, sum(match_count)::INTEGER AS n, count(*) FILTER (WHERE request_terms <> 1)::INTEGER AS batched FROM searches`));
    assert.deepEqual(rows, [{ terms: n, n: n - n / 5, batched: 0 }]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['map', 'raw', 'sourcegraph_api.db'], 'no scratch or spill files left');
  });

  test('a batched request: each covered term gets its lines and path matches; terms it searched but does not cover are left out', async () => {
    const terms = ['alpha', 'beta', 'gamma'];
    const file = path.join(dir, requestFileName(terms));
    fs.writeFileSync(file, resultFile(terms, [
      { type: 'content', repository: 'github.com/a/b', path: 'beta/x.py', lines: [{ line: 3, preview: 'alpha gamma', terms: [0, 2] }, { line: 9, preview: 'gamma', terms: [2] }], pathTerms: [1] },
      { type: 'path', repository: 'github.com/a/b', path: 'alpha.txt', lines: [], pathTerms: [0] },
    ]));
    const db = path.join(dir, 'x.db');
    await buildSourcegraphApiDatabase(db, [{ file, terms: ['alpha', 'beta'] }], await writeMappingFile(path.join(dir, 'map'), terms.map((t) => ({ term: t, datasetIds: ['d'] }))), { memoryLimit: '256MB' });
    const matches = await readDb(db, (d) => d.all('SELECT term, type, path, line_number::INTEGER AS line FROM matches ORDER BY ALL'));
    assert.deepEqual(matches, [
      { term: 'alpha', type: 'content', path: 'beta/x.py', line: 3 },
      { term: 'alpha', type: 'path', path: 'alpha.txt', line: null },
      { term: 'beta', type: 'path', path: 'beta/x.py', line: null },
    ]);
    const searches = await readDb(db, (d) => d.all('SELECT term, match_count::INTEGER AS n, results_received::INTEGER AS r, request, request_terms::INTEGER AS k FROM searches ORDER BY term'));
    assert.deepEqual(searches, [
      { term: 'alpha', n: 2, r: 2, request: path.basename(file), k: 3 },
      { term: 'beta', n: 1, r: 1, request: path.basename(file), k: 3 },
    ]);
  });

  test('an incremental build over moved, re-searched, regrouped and remapped results equals a full build row for row', async () => {
    const T1 = '2026-06-01T00:00:00.000Z';
    const T2 = '2026-06-02T00:00:00.000Z';
    const write = (d: string, terms: string[], at: string, covered = terms) => {
      fs.mkdirSync(d, { recursive: true });
      const file = path.join(d, requestFileName(terms));
      fs.writeFileSync(file, resultFile(terms, terms.map((_, i) => match(i + terms.length, [i])), at));
      return { file, terms: covered, searchedAt: at };
    };
    const before = path.join(dir, 'before');
    const first = [write(before, ['a', 'b', 'c'], T1), write(before, ['d', 'e'], T1), write(before, ['f'], T1), write(before, ['g', 'h'], T1)];
    const firstMap = await writeMappingFile(path.join(dir, 'map1'), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((t) => ({ term: t, datasetIds: ['d1'] })));
    const previous = path.join(dir, 'previous.db');
    await buildSourcegraphApiDatabase(previous, first, firstMap, { memoryLimit: '256MB' });
    // In a new folder (the artifacts moved): [a, b, c] as it was; [d, e] searched again; f gone;
    // h now covered by a new request [h, i] (g's request covers g only); b stands for d2 as well.
    const after = path.join(dir, 'after');
    const second = [write(after, ['a', 'b', 'c'], T1), write(after, ['d', 'e'], T2), write(after, ['g', 'h'], T1, ['g']), write(after, ['h', 'i'], T2)];
    const secondMap = await writeMappingFile(path.join(dir, 'map2'), [
      ...['a', 'c', 'd', 'e', 'g', 'h', 'i'].map((t) => ({ term: t, datasetIds: ['d1'] })), { term: 'b', datasetIds: ['d1', 'd2'] }]);
    const incremental = path.join(dir, 'incremental.db');
    const load = await buildSourcegraphApiDatabase(incremental, second, secondMap, { memoryLimit: '256MB', previous });
    assert.equal(load.mode, 'incremental');
    // b (a new dataset), d and e (searched again), h (another request) and i (new) are loaded again; f is removed.
    assert.deepEqual({ reloaded: load.reloadedTerms, removed: load.removedTerms }, { reloaded: 5, removed: 1 });
    const full = path.join(dir, 'full.db');
    await buildSourcegraphApiDatabase(full, second, secondMap, { memoryLimit: '256MB' });
    for (const table of ['requests', 'searches', 'matches']) {
      const everyRow = `SELECT * FROM ${table} ORDER BY ALL`;
      const a = await readDb(incremental, (d) => d.all(everyRow));
      const b = await readDb(full, (d) => d.all(everyRow));
      assert.ok(a.length > 0);
      assert.deepEqual(a, b, `${table}: incremental = full`);
    }
    const files = await readDb(incremental, (d) => d.all('SELECT DISTINCT parse_dirpath(file) AS dir FROM searches'));
    assert.deepEqual(files, [{ dir: after }], 'every row names its result file where it is now');
  });

  test('one result file near the largest loadable size (an eighth of DuckDB\'s share of the limit) loads at 256 MB', async () => {
    const file = path.join(dir, 'one.json');
    const largest = largestLoadable(memoryLimitBytes('256MB'));
    const many = Array.from({ length: Math.floor((0.95 * largest) / 405) }, (_, i) => ({ ...match(i, [0]), lines: [{ line: 1, preview: `${'x'.repeat(200)}${i}`, terms: [0] }] }));
    fs.writeFileSync(file, resultFile(['t'], many));
    const size = fs.statSync(file).size;
    assert.ok(size > 0.9 * largest && size <= largest, `${size} bytes, the largest loadable ${largest}`);
    const load = await buildSourcegraphApiDatabase(path.join(dir, 'x.db'), [{ file, terms: ['t'] }], await writeMappingFile(path.join(dir, 'map'), [{ term: 't', datasetIds: ['d'] }]), { memoryLimit: '256MB' });
    assert.equal(load.matches, many.length);
  });

  test('a result file too big for the memory limit is refused naming the file and duckdb.memoryLimit; nothing is built', async () => {
    const file = path.join(dir, 'big.json');
    const big = Array.from({ length: 5000 }, (_, i) => ({ ...match(i, [0]), lines: [{ line: 1, preview: 'x'.repeat(10_000), terms: [0] }] }));
    fs.writeFileSync(file, resultFile(['t'], big));
    const db = path.join(dir, 'x.db');
    await assert.rejects(buildSourcegraphApiDatabase(db, [{ file, terms: ['t'] }], await writeMappingFile(path.join(dir, 'map'), [{ term: 't', datasetIds: ['d'] }]), { memoryLimit: '128MiB' }), (err: unknown) => {
      assert.ok(err instanceof MallardError);
      assert.equal(err.code, 'ERR_INPUT_TOO_LARGE');
      assert.match(err.message, /big\.json/);
      assert.match(err.suggestions.join(' '), /duckdb\.memoryLimit/);
      return true;
    });
    assert.equal(fs.existsSync(db), false);
  });
});
