/**
 * Fewer searches, same answer: the matches (term, dataset, repository, path, line) found by
 * requests of many OR-ed terms, attributed locally and split on limits, are exactly those of one
 * exact search per term, against the loopback Sourcegraph evaluating its query language over a
 * code corpus: quotes, parentheses, OR, regex characters and backslashes inside terms, case,
 * a term only in a path, a term only in a repository name, terms inside other terms, forks,
 * non-ASCII terms (searched alone), and a match limit that cuts combined answers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../support/fake-clock.js';
import { FileTarget, Task, type TaskContext } from '../../../src/engine/index.js';
import { runSession } from '../../../src/engine/session.js';
import { createHttpClient } from '../../../src/http/index.js';
import { buildSourcegraphApiDatabase, searchTerms, type SearchRun, type SourcegraphSettings } from '../../../src/sources/sourcegraph/index.js';
import { writeMappingFile } from './mapping-file.js';
import { readDb } from '../../support/ckan-db.js';
import { startSourcegraphServer, type SgFile, type SourcegraphTestServer } from '../../support/sourcegraph-server.js';

const TERMS = [
  'https://data.example.org/dataset/air',
  'https://data.example.org/dataset/air-quality',
  'say "hello" to the data',
  'f(x) OR g(y)',
  'a.b*c+[d]?^$|\\e{2}',
  'path-only-term',
  'MixedCase.Example.ORG/x',
  'Île-de-France',
  'repo-name-term',
  'popular',
  'nothing-matches-this',
  'back\\slash',
];

const meta = (id: number, stars: number) => ({ repositoryID: id, repoStars: stars, commit: `${id}`.padStart(40, '0'), branches: ['main'], language: 'Python' });

function corpus(): SgFile[] {
  return [
    { repository: 'github.com/a/one', path: 'src/load.py', meta: meta(1, 5), lines: ['import x', 'URL = "https://data.example.org/dataset/air-quality.csv"', 'print("say "hello" to the data")', 'y = f(x) OR g(y)  # f(x) or g(y)'] },
    { repository: 'github.com/a/one', path: 'docs/path-only-term/readme.md', meta: meta(1, 5), lines: ['nothing to see', 'just text'] },
    { repository: 'github.com/b/two', path: 'r/get.R', meta: meta(2, 9), lines: ['a.b*c+[d]?^$|\\e{2}', 'abbbc d e', 'mixedcase.example.org/x/y', 'back\\slash and back\\\\slash', 'île-de-france'] },
    { repository: 'github.com/b/two', path: 'r/more.R', meta: meta(2, 9), lines: ['https://data.example.org/dataset/air only', 'F(X) OR G(Y)', 'ÎLE-DE-FRANCE'] },
    { repository: 'github.com/c/repo-name-term', path: 'main.go', meta: meta(3, 1), lines: ['package main'] },
    { repository: 'github.com/d/fork', path: 'x.py', fork: true, meta: meta(4, 0), lines: ['https://data.example.org/dataset/air'] },
    ...Array.from({ length: 12 }, (_, i) => ({ repository: `github.com/p/p${i}`, path: `pop${i}.txt`, meta: meta(100 + i, i), lines: ['popular', 'popular again', `POPULAR ${i}`] })),
  ];
}

class SearchAll extends Task<{ name: string }> {
  readonly family = 'SearchAll';
  result: SearchRun | undefined;
  constructor(readonly settings: SourcegraphSettings, readonly terms: string[], readonly marker: string) {
    super({ name: path.basename(marker) });
  }
  outputs(): FileTarget[] {
    return [new FileTarget(this.marker)];
  }
  async run(ctx: TaskContext): Promise<void> {
    this.result = await searchTerms(ctx, this.settings, this.terms);
    await new FileTarget(this.marker).write(JSON.stringify(this.result));
  }
}

let dir: string;
let server: SourcegraphTestServer;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-sg-batch-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function searchAndLoad(name: string, termsPerQuery: number, maxQueryLength = 4000): Promise<{ run: SearchRun; db: string; requests: number }> {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const client = createHttpClient({ clock, retries: 0, random: () => 0 });
  const settings: SourcegraphSettings = {
    site: name, dir: path.join(dir, name), baseUrl: server.url, includeForks: false, includeArchived: false,
    termsPerQuery, maxQueryLength, client: () => client,
  };
  const before = server.requests.length;
  const task = new SearchAll(settings, TERMS, path.join(dir, `${name}.done`));
  const { summary } = await runSession([task], { artifactsDir: dir, scope: name, workers: 2, clock, random: () => 0 });
  assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
  const run = JSON.parse(fs.readFileSync(task.marker, 'utf8')) as SearchRun;
  const db = path.join(dir, `${name}.db`);
  const requests = run.requests.map((r) => ({ file: path.join(settings.dir, r.file), terms: r.terms }));
  await buildSourcegraphApiDatabase(db, requests, await writeMappingFile(path.join(dir, `${name}-map`), TERMS.map((t, i) => ({ term: t, datasetIds: [`d${i % 3}`, 'all'] }))), { memoryLimit: '256MB' });
  return { run, db, requests: server.requests.length - before };
}

const MATCHES = `SELECT term, dataset_id, type, repository, repository_id::INTEGER AS rid, path, "commit", branch, language, line_number::INTEGER AS line, preview, repo_stars::INTEGER AS stars
FROM matches ORDER BY ALL`;
const SEARCHES = `SELECT term, dataset_id, match_count::INTEGER AS n, results_received::INTEGER AS results, lines_received::INTEGER AS lines,
  repositories_count::INTEGER AS repos, limit_hit, exhaustive FROM searches ORDER BY ALL`;

describe('requests of many exact terms', () => {
  test('find exactly the matches of one exact search per term, with far fewer requests; limits split batches until complete', async () => {
    server = await startSourcegraphServer({ files: corpus(), matchLimit: 20 });
    const single = await searchAndLoad('single', 1);
    const batched = await searchAndLoad('batched', 100);
    assert.equal(single.requests, TERMS.length);
    const singleMatches = await readDb(single.db, (db) => db.all(MATCHES));
    const batchedMatches = await readDb(batched.db, (db) => db.all(MATCHES));
    assert.ok(singleMatches.length > 40, `a real corpus (${singleMatches.length} rows)`);
    assert.deepEqual(batchedMatches, singleMatches);
    assert.deepEqual(await readDb(batched.db, (db) => db.all(SEARCHES)), await readDb(single.db, (db) => db.all(SEARCHES)));
    assert.ok(batched.run.splits > 0, 'the popular term makes combined answers hit the limit');
    assert.ok(batched.requests < single.requests, `${batched.requests} requests instead of ${single.requests}`);

    const limited = await readDb(batched.db, (db) => db.all(`SELECT DISTINCT term, request_terms::INTEGER AS n, limit_hit FROM searches WHERE limit_hit`));
    assert.deepEqual(limited, [{ term: 'popular', n: 1, limit_hit: true }], 'only the popular term, searched alone, keeps its limit');
    const byTerm = (term: string) => batchedMatches.filter((m) => m['term'] === term && m['dataset_id'] === 'all');
    assert.deepEqual(byTerm('path-only-term').map((m) => [m['type'], m['path'], m['line']]), [['path', 'docs/path-only-term/readme.md', null]]);
    assert.deepEqual(byTerm('repo-name-term').map((m) => [m['type'], m['repository']]), [['repo', 'github.com/c/repo-name-term']]);
    assert.deepEqual(byTerm('f(x) OR g(y)').map((m) => [m['path'], m['line']]), [['src/load.py', 4], ['r/more.R', 2]], 'parentheses and OR are text; case is ignored');
    assert.deepEqual(byTerm('a.b*c+[d]?^$|\\e{2}').map((m) => m['line']), [1], 'regex characters are literal');
    assert.deepEqual(byTerm('back\\slash').map((m) => m['line']), [4]);
    assert.deepEqual(byTerm('say "hello" to the data').map((m) => m['line']), [3]);
    assert.deepEqual(byTerm('https://data.example.org/dataset/air').map((m) => [m['path'], m['line']]), [['src/load.py', 2], ['r/more.R', 1]], 'a term inside another term is found in both; the fork is left out');
    assert.deepEqual(byTerm('Île-de-France').map((m) => m['line']), [5, 3]);
    const alone = batched.run.requests.filter((r) => r.terms.length === 1).map((r) => r.terms[0]);
    assert.ok(alone.includes('Île-de-France'), 'a non-ASCII term is searched alone');
  });

  test('the query length limit makes more, shorter requests with the same matches', async () => {
    server = await startSourcegraphServer({ files: corpus() });
    const wide = await searchAndLoad('wide', 100);
    const narrow = await searchAndLoad('narrow', 100, 300);
    assert.ok(narrow.requests > wide.requests);
    assert.ok(server.requests.every((r) => r.patterns.length === 1 || new URLSearchParams({ q: r.query }).toString().length - 2 <= 4000));
    assert.deepEqual(await readDb(narrow.db, (db) => db.all(MATCHES)), await readDb(wide.db, (db) => db.all(MATCHES)));
  });

  test('a server refusing long queries (414) makes the batches split until each is accepted; same matches', async () => {
    server = await startSourcegraphServer({ files: corpus() });
    const accepted = await searchAndLoad('accepted', 100);
    await server.close();
    server = await startSourcegraphServer({ files: corpus(), maxQueryChars: 150 });
    const refused = await searchAndLoad('refused', 100);
    assert.ok(refused.run.splits > 0);
    assert.ok(server.requests.some((r) => r.query.length > 150), 'long queries were tried');
    assert.deepEqual(await readDb(refused.db, (db) => db.all(MATCHES)), await readDb(accepted.db, (db) => db.all(MATCHES)));
  });

  test('a server that shortens long lines: a term past the cut is not lost, the request is split down to that term', async () => {
    const long = `${'x'.repeat(200)} https://data.example.org/dataset/air-quality`;
    const files: SgFile[] = [{ repository: 'github.com/l/long', path: 'data.txt', lines: [`popular ${long}`] }];
    server = await startSourcegraphServer({ files, previewMax: 120 });
    const single = await searchAndLoad('single', 1);
    const batched = await searchAndLoad('batched', 100);
    const rows = await readDb(batched.db, (db) => db.all(`SELECT term, line_number::INTEGER AS line FROM matches WHERE dataset_id = 'all' ORDER BY ALL`));
    assert.deepEqual(rows.map((r) => r['term']), ['https://data.example.org/dataset/air', 'https://data.example.org/dataset/air-quality', 'popular']);
    assert.deepEqual(await readDb(batched.db, (db) => db.all(MATCHES)), await readDb(single.db, (db) => db.all(MATCHES)));
    assert.ok(batched.run.splits > 0);
  });
});
