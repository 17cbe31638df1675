/** The code-search stage against loopback Sourcegraph and GitHub servers with faults: exact tables, lineage, reruns. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { siteConfigSchema, type LoadedConfig, type SiteConfig } from '../../src/config/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { runSession } from '../../src/engine/session.js';
import type { Task } from '../../src/engine/index.js';
import { createHttpClient } from '../../src/http/index.js';
import { GITHUB_FAMILIES } from '../../src/pipelines/github-repos.js';
import { codeSearchStage, githubStage } from '../../src/pipelines/site-pipeline.js';
import { createGithubClient } from '../../src/sources/github/index.js';
import { COVERAGE_FILE, readCoverage, SOURCEGRAPH_SCHEMA_VERSION } from '../../src/sources/sourcegraph/index.js';
import { latestArtifactInfo, listArtifacts } from '../../src/store/index.js';
import { readDb } from '../support/ckan-db.js';
import { contentMatch, publishCleanTerms } from '../support/code-search.js';
import { makeRepoBody, startGithubServer, type GithubTestServer } from '../support/github-server.js';
import { startSourcegraphServer, type SourcegraphTestServer } from '../support/sourcegraph-server.js';

const SITE = 'test-portal';
const T1 = 'data.example.org/d1.csv';
const SHARED = 'shared.example.org/x.csv';
const T2 = 'b5c0a7e2-2a4e-4d5e-9d7c-0d6c3a7e1f20';
const T3 = 'nothing-uses-this-dataset-name';
const PAIRS = [['d1', T1], ['d1', SHARED], ['d2', SHARED], ['d2', T2], ['d3', T3]] as const;

let dir: string;
let sg: SourcegraphTestServer | undefined;
let gh: GithubTestServer | undefined;
const clock = new FakeClock(Date.UTC(2026, 2, 1));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-code-search-'));
});
afterEach(async () => {
  await sg?.close();
  await gh?.close();
  sg = gh = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function loaded(): LoadedConfig {
  const config = siteConfigSchema.parse({ site: SITE, ckan: { url: 'http://127.0.0.1:9/api/3/action' }, sourcegraph: { url: sg?.url }, github: { url: gh?.url ?? 'http://127.0.0.1:9' } }) as SiteConfig;
  return { config, file: 'test', hash: 'h' };
}

function options() {
  const http = createHttpClient({ clock, retries: 3, random: () => 0, timeoutMs: 5000 });
  const github = createGithubClient({ baseUrl: gh?.url ?? 'http://127.0.0.1:9', clock, random: () => 0, retries: 3 });
  return { artifactsDir: dir, env: { SOURCEGRAPH_TOKEN: 'sgp_secret' }, sourcegraphClient: () => http, githubClient: () => github };
}

const run = (roots: Task[], force?: string[], workers = 3) =>
  runSession(roots, { artifactsDir: dir, scope: SITE, workers, clock, random: () => 0, runtimeFamilies: GITHUB_FAMILIES, ...(force ? { force } : {}) });

function corpus() {
  return {
    [T1]: { matches: [contentMatch('github.com/a/one', 'src/load.py', [4, 9], 7), contentMatch('github.com/a/one', 'nb/x.ipynb', [0], 7), contentMatch('gitlab.com/g/h', 'main.go', [2], 0, 'Go')] },
    [SHARED]: { matches: [contentMatch('github.com/B/Two', 'R/get.R', [1], 3, 'R'), contentMatch('github.com/c/old', 'fetch.js', [5], 1, 'JavaScript')] },
    [T2]: {
      matches: [contentMatch('github.com/d/dmca', 'a.py', [3]), contentMatch('github.com/a/one', 'src/ids.py', [8], 7)],
      skipped: [{ reason: 'shard-match-limit', title: 'limit', message: 'some shards hit the limit', severity: 'info' }],
    },
  };
}

describe('the code-search stage', () => {
  test('searches with faults, loads searches and matches exactly, publishes with lineage; a rerun does no network work', async () => {
    sg = await startSourcegraphServer({ corpus: corpus(), batchSize: 1 });
    sg.schedule({ kind: 'cut', afterEvents: 2 }, { kind: 'rate-limit', retryAfter: '2' }, { kind: 'status', status: 502 }, { kind: 'pass' }, { kind: 'drop', afterEvents: 1 });
    const clean = await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    const { insert } = await codeSearchStage(loaded(), options());
    const { summary } = await run([insert]);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.equal(sg.pendingFaults(), 0);
    // One request for the four terms; T2's limit splits it ([T2, T1] | [SHARED, T3]), then [T2, T1] again: 5 requests.
    assert.equal(sg.requests.length, 5 + 4, 'five requests, four faults each cost one more');
    assert.match(sg.requests[0]?.query ?? '', /^\(".*" OR ".*" OR ".*" OR ".*"\) patternType:keyword count:all$/);
    assert.ok(sg.requests.every((r) => r.headers.authorization === 'token sgp_secret'));

    const artifact = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.ok(artifact);
    assert.equal(fs.statSync(artifact.absolutePath).mode & 0o777, 0o444);
    assert.deepEqual(artifact.manifest.tables, { requests: 3, searches: 5, matches: 2 + 1 + 1 + 2 * 2 + 2 });
    assert.deepEqual(artifact.manifest.lineage.artifacts, [path.relative(dir, clean)]);
    assert.deepEqual(artifact.manifest.lineage.rawInputs.map((r) => path.basename(r.path)).slice(0, 2), ['terms.parquet', 'requests.parquet'], 'the term → datasets mapping and the coverage first');
    assert.equal(artifact.manifest.lineage.rawInputs.length, 2 + 3, 'then the covering requests: [T2], [T1], [SHARED, T3]');
    assert.deepEqual(artifact.manifest.build, { schemaVersion: SOURCEGRAPH_SCHEMA_VERSION, mode: 'full' });
    const perRequest = await readDb(artifact.absolutePath, (db) => db.all('SELECT r.request_terms::INTEGER AS k, r.query, count(s.term)::INTEGER AS rows FROM requests r JOIN searches s USING (request) GROUP BY ALL ORDER BY k, rows'));
    assert.deepEqual(perRequest.map((r) => [r['k'], r['rows']]), [[1, 1], [1, 1], [2, 3]], 'one requests row per request, named by its terms\' searches rows');
    assert.ok(perRequest.every((r) => /patternType:keyword/.test(String(r['query']))), 'the query is kept once per request');
    const searches = await readDb(artifact.absolutePath, (db) => db.all('SELECT term, dataset_id, match_count::INTEGER AS n, complete, limit_hit, skipped_reasons FROM searches ORDER BY term, dataset_id'));
    assert.deepEqual(searches, [
      { term: T2, dataset_id: 'd2', n: 2, complete: true, limit_hit: true, skipped_reasons: ['shard-match-limit'] },
      { term: T1, dataset_id: 'd1', n: 4, complete: true, limit_hit: false, skipped_reasons: [] },
      { term: T3, dataset_id: 'd3', n: 0, complete: true, limit_hit: false, skipped_reasons: [] },
      { term: SHARED, dataset_id: 'd1', n: 2, complete: true, limit_hit: false, skipped_reasons: [] },
      { term: SHARED, dataset_id: 'd2', n: 2, complete: true, limit_hit: false, skipped_reasons: [] },
    ]);
    const lines = await readDb(artifact.absolutePath, (db) => db.all(`SELECT repository, path, line_number::INTEGER AS line, repo_stars::INTEGER AS stars FROM matches WHERE term = '${T1}' ORDER BY path, line`));
    assert.deepEqual(lines, [
      { repository: 'gitlab.com/g/h', path: 'main.go', line: 3, stars: 0 },
      { repository: 'github.com/a/one', path: 'nb/x.ipynb', line: 1, stars: 7 },
      { repository: 'github.com/a/one', path: 'src/load.py', line: 5, stars: 7 },
      { repository: 'github.com/a/one', path: 'src/load.py', line: 10, stars: 7 },
    ]);

    const requests = sg.requests.length;
    const again = await run([(await codeSearchStage(loaded(), options())).insert]);
    assert.equal(again.summary.counts.ran, 0);
    assert.equal(sg.requests.length, requests, 'no search on a rerun');
    assert.equal((await listArtifacts(dir, { site: SITE, name: 'sourcegraph_api' })).length, 1);
  });

  test('a search whose stream never completes fails the stage; nothing is published; the next run searches only the unfinished requests', async () => {
    sg = await startSourcegraphServer({ corpus: corpus() });
    sg.schedule({ kind: 'pass' }, ...Array.from({ length: 4 }, () => ({ kind: 'cut' as const, afterEvents: 1 })));
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    const first = await run([(await codeSearchStage(loaded(), options())).insert], undefined, 1);
    assert.equal(first.summary.status, 'failed');
    assert.match(JSON.stringify(first.summary.failures), /ERR_SOURCEGRAPH_INCOMPLETE/);
    assert.equal(await latestArtifactInfo(dir, SITE, 'sourcegraph_api'), undefined);
    const kept = fs.readdirSync(path.join(dir, 'raw', SITE, 'sourcegraph')).filter((f) => f.startsWith('batch-'));
    assert.equal(kept.length, 2, 'the first request (to split) and [SHARED, T3] are kept');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'raw', SITE, 'sourcegraph')).filter((f) => !f.startsWith('batch-')).sort(), ['plan.json', 'terms.parquet'], 'the plan and the mapping, not yet searches.json');
    const before = sg.requests.length;
    const second = await run([(await codeSearchStage(loaded(), options())).insert]);
    assert.equal(second.summary.status, 'success', JSON.stringify(second.summary.failures));
    assert.equal(sg.requests.length - before, 3, 'only [T2, T1] and its halves are searched');
  });

  test('a rerun after datasets were added, edited and deleted updates the previous sourcegraph_api: every table equals a full rebuild', async () => {
    const T4 = 'new.example.org/four.csv';
    const T5 = 'edited.example.org/five.json';
    sg = await startSourcegraphServer({
      corpus: {
        ...corpus(),
        [T4]: { matches: [contentMatch('github.com/e/four', 'x.py', [1, 2], 4), contentMatch('github.com/a/one', 'src/load.py', [11], 7)] },
        [T5]: { matches: [contentMatch('github.com/f/five', 'y.R', [6], 2, 'R')] },
      },
    });
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    assert.equal((await run([(await codeSearchStage(loaded(), options())).insert])).summary.status, 'success');
    const firstBuild = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.equal(firstBuild?.manifest.build?.['mode'], 'full');
    // d1 edited (T1 replaced by T5), d3 deleted (T3 gone), d4 added (T4 and the shared term).
    await publishCleanTerms(dir, SITE, [['d1', SHARED], ['d1', T5], ['d2', SHARED], ['d2', T2], ['d4', T4], ['d4', SHARED]], Date.UTC(2026, 0, 2));
    const before = sg.requests.length;
    const second = await run([(await codeSearchStage(loaded(), options())).insert]);
    assert.equal(second.summary.status, 'success', JSON.stringify(second.summary.failures));
    assert.equal(sg.requests.length - before, 1, 'only the new terms are searched, in one request');
    const incremental = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.ok(incremental && incremental.path !== firstBuild?.path);
    assert.equal(incremental.manifest.build?.['mode'], 'incremental');
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'work', SITE, 'sourcegraph_api.load.json'), 'utf8')) as { load: { reloadedTerms: number; removedTerms: number; filesRead: number } };
    // T4 and T5 are new; SHARED stands for one more dataset; T1 (edited away) and T3 (deleted) are removed; T2 is kept as it was.
    assert.deepEqual({ reloaded: report.load.reloadedTerms, removed: report.load.removedTerms }, { reloaded: 3, removed: 2 });

    const full = await run([(await codeSearchStage(loaded(), { ...options(), fullRefresh: true })).insert], ['InsertSourcegraphResults']);
    assert.equal(full.summary.status, 'success', JSON.stringify(full.summary.failures));
    const rebuilt = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.ok(rebuilt && rebuilt.path !== incremental.path);
    assert.equal(rebuilt.manifest.build?.['mode'], 'full');
    assert.deepEqual(incremental.manifest.tables, rebuilt.manifest.tables);
    for (const table of ['requests', 'searches', 'matches']) {
      const everyRow = `SELECT * FROM ${table} ORDER BY ALL`;
      const a: unknown[] = await readDb(incremental.absolutePath, (d) => d.all(everyRow));
      const b: unknown[] = await readDb(rebuilt.absolutePath, (d) => d.all(everyRow));
      assert.ok(a.length > 0);
      assert.deepEqual(a, b, `${table}: incremental = full rebuild`);
    }
    const terms = await readDb(incremental.absolutePath, (d) => d.all('SELECT term, list(dataset_id ORDER BY dataset_id) AS ids FROM searches GROUP BY term ORDER BY term'));
    assert.deepEqual(terms, [{ term: T2, ids: ['d2'] }, { term: T5, ids: ['d1'] }, { term: T4, ids: ['d4'] }, { term: SHARED, ids: ['d1', 'd2', 'd4'] }].sort((x, y) => (x.term < y.term ? -1 : 1)));
  });

  /** A first sourcegraph_api, built and published in full: its artifact. */
  async function firstBuild() {
    sg = await startSourcegraphServer({ corpus: corpus() });
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    assert.equal((await run([(await codeSearchStage(loaded(), options())).insert])).summary.status, 'success');
    const first = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.ok(first);
    return first;
  }

  /** The load forced again over the same results; it succeeds. */
  async function loadAgain() {
    const again = await run([(await codeSearchStage(loaded(), options())).insert], ['InsertSourcegraphResults']);
    assert.equal(again.summary.status, 'success', JSON.stringify(again.summary.failures));
    return again;
  }

  test('a previous sourcegraph_api that no longer matches its manifest is not built upon: the load builds in full and says why', async () => {
    const first = await firstBuild();
    fs.chmodSync(first.absolutePath, 0o644);
    fs.appendFileSync(first.absolutePath, Buffer.alloc(16));
    const again = await loadAgain();
    assert.match(JSON.stringify(again.summary), /not used as the base of an incremental build/);
    assert.equal((await latestArtifactInfo(dir, SITE, 'sourcegraph_api'))?.manifest.build?.['mode'], 'full');
  });

  test('a previous sourcegraph_api of an older schema version is not built upon: the load builds in full and says so', async () => {
    const first = await firstBuild();
    // As a build of schema version 1 (the query on every searches row, no requests table) says in its manifest.
    const manifestFile = path.join(dir, first.manifestPath);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { build: Record<string, unknown> };
    manifest.build['schemaVersion'] = SOURCEGRAPH_SCHEMA_VERSION - 1;
    fs.chmodSync(manifestFile, 0o644);
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const again = await loadAgain();
    assert.match(fs.readFileSync(again.logFile, 'utf8'), new RegExp(`has schema version ${SOURCEGRAPH_SCHEMA_VERSION - 1}, not ${SOURCEGRAPH_SCHEMA_VERSION}: building in full`));
    const rebuilt = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.deepEqual(rebuilt?.manifest.build, { schemaVersion: SOURCEGRAPH_SCHEMA_VERSION, mode: 'full' });
    assert.deepEqual(rebuilt?.manifest.tables, first.manifest.tables);
  });

  test('a searches.json of format 1 (terms with their datasets) is rewritten once, reusing every result: no search is sent', async () => {
    sg = await startSourcegraphServer({ corpus: corpus() });
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    assert.equal((await run([(await codeSearchStage(loaded(), options())).insert])).summary.status, 'success');
    const file = path.join(dir, 'raw', SITE, 'sourcegraph', 'searches.json');
    const v3 = JSON.parse(fs.readFileSync(file, 'utf8')) as { site: string; source: string; options: string; requests: Array<{ file: string; termCount: number; searchedAt: string }> };
    const coverageFile = path.join(dir, 'raw', SITE, 'sourcegraph', COVERAGE_FILE);
    const covered = await readCoverage(coverageFile);
    assert.deepEqual(covered.map((r) => ({ file: r.file, termCount: r.terms.length, searchedAt: r.searchedAt })), v3.requests, 'the coverage file holds the terms of the requests searches.json lists');
    const fileOf = new Map(covered.flatMap((r) => r.terms.map((t) => [t, r.file] as const)));
    const searches = [T1, T2, T3, SHARED].map((term) => ({ term, datasetIds: PAIRS.filter(([, t]) => t === term).map(([d]) => d), file: fileOf.get(term) }));
    fs.writeFileSync(file, JSON.stringify({ site: v3.site, source: v3.source, options: v3.options, requests: covered, searches }, null, 1));
    fs.rmSync(coverageFile);
    const before = sg.requests.length;
    const again = await run([(await codeSearchStage(loaded(), options())).insert]);
    assert.equal(again.summary.status, 'success', JSON.stringify(again.summary.failures));
    assert.equal(sg.requests.length, before, 'every result is reused');
    const rewritten = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; searches?: unknown; requests: unknown[] };
    assert.equal(rewritten.version, 3);
    assert.equal(rewritten.searches, undefined);
    assert.deepEqual(rewritten.requests, v3.requests);
    assert.deepEqual(await readCoverage(coverageFile), covered, 'the coverage file written again from the old listing');
  });

  test('GitHub enrichment: ok, renamed (301) and gone (404/451) repos, a secondary limit and a 5xx; rerun free; --refresh costs only 304s', async () => {
    sg = await startSourcegraphServer({ corpus: corpus() });
    gh = await startGithubServer({
      now: () => clock.now(),
      repos: [makeRepoBody(11, 'a/one', { stargazers_count: 40, language: 'Python' }), makeRepoBody(12, 'b/two', { stargazers_count: 5, language: 'R', license: null }), makeRepoBody(13, 'c/new', { stargazers_count: 9 })],
      renames: { 'c/old': 13 },
      gone: { 'd/dmca': 451 },
    });
    gh.schedule({ kind: 'secondary-limit', status: 403, retryAfter: '30' }, { kind: 'status', status: 502 });
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    const { insert } = await githubStage(loaded(), options());
    const { summary } = await run([insert]);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.equal(gh.pendingFaults(), 0);
    const artifact = await latestArtifactInfo(dir, SITE, 'github_api');
    assert.ok(artifact);
    assert.deepEqual(artifact.manifest.tables, { repos: 4 });
    const sgArtifact = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.deepEqual(artifact.manifest.lineage.artifacts, [sgArtifact?.manifest.path]);
    const repos = await readDb(artifact.absolutePath, (db) =>
      db.all('SELECT repository, status, id::INTEGER AS id, full_name, stars::INTEGER AS stars, license FROM repos ORDER BY repository'));
    assert.deepEqual(repos, [
      { repository: 'github.com/a/one', status: 'ok', id: 11, full_name: 'a/one', stars: 40, license: 'MIT' },
      { repository: 'github.com/b/two', status: 'ok', id: 12, full_name: 'b/two', stars: 5, license: null },
      { repository: 'github.com/c/old', status: 'renamed', id: 13, full_name: 'c/new', stars: 9, license: 'MIT' },
      { repository: 'github.com/d/dmca', status: 'gone', id: null, full_name: null, stars: null, license: null },
    ]);

    const requests = gh.requests.length;
    const again = await run([(await githubStage(loaded(), options())).insert]);
    assert.equal(again.summary.counts.ran, 0);
    assert.equal(gh.requests.length, requests, 'no request on a rerun');

    const quota = gh.remaining;
    const refreshed = await run([(await githubStage(loaded(), options())).insert], [...GITHUB_FAMILIES]);
    assert.equal(refreshed.summary.status, 'success', JSON.stringify(refreshed.summary.failures));
    assert.equal(gh.requests.slice(requests).filter((r) => r.status === 304).length, 3);
    assert.equal(gh.remaining, quota - 2, 'only the 301 hop and the gone repository spend quota');
    assert.equal((await listArtifacts(dir, { site: SITE, name: 'github_api' })).length, 2, 'a refresh republishes');
    assert.equal(sg.requests.length, 5, 'the refresh searched nothing again');
  });
});
