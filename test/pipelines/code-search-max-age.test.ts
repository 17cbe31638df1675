/** maxAge: a rerun searches only new terms and terms whose result is older than sourcegraph.maxAge; GitHub records older than github.maxAge are asked again conditionally. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { siteConfigSchema, type LoadedConfig, type SiteConfig } from '../../src/config/index.js';
import { FakeClock } from '../support/fake-clock.js';
import type { Task } from '../../src/engine/index.js';
import { runSession } from '../../src/engine/session.js';
import { createHttpClient } from '../../src/http/index.js';
import { SEARCH_FAMILIES } from '../../src/pipelines/code-search.js';
import { codeSearchStage, githubStage } from '../../src/pipelines/site-pipeline.js';
import { createGithubClient } from '../../src/sources/github/index.js';
import { latestArtifactInfo } from '../../src/store/index.js';
import { readDb } from '../support/ckan-db.js';
import { contentMatch, publishCleanTerms } from '../support/code-search.js';
import { makeRepoBody, startGithubServer, type GithubTestServer } from '../support/github-server.js';
import { startSourcegraphServer, type SourcegraphTestServer } from '../support/sourcegraph-server.js';

const SITE = 'aging-portal';
const DAY = 86_400_000;
const PAIRS: Array<[string, string]> = [['d1', 'data.example.org/one.csv'], ['d2', 'data.example.org/two.csv'], ['d3', 'data.example.org/three.csv']];

let dir: string;
let sg: SourcegraphTestServer | undefined;
let gh: GithubTestServer | undefined;
let clock: FakeClock;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-max-age-'));
  clock = new FakeClock(Date.UTC(2026, 2, 1));
});
afterEach(async () => {
  await sg?.close();
  await gh?.close();
  sg = gh = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function loaded(extra: Record<string, unknown> = {}): LoadedConfig {
  const config = siteConfigSchema.parse({
    site: SITE, ckan: { url: 'http://127.0.0.1:9/api/3/action' },
    sourcegraph: { url: sg?.url, maxAge: '30d' }, github: { url: gh?.url ?? 'http://127.0.0.1:9', maxAge: '30d' }, ...extra,
  }) as SiteConfig;
  return { config, file: 'test', hash: 'h' };
}

function options() {
  const http = createHttpClient({ clock, retries: 1, random: () => 0, timeoutMs: 5000 });
  const github = createGithubClient({ baseUrl: gh?.url ?? 'http://127.0.0.1:9', clock, random: () => 0, retries: 1 });
  return { artifactsDir: dir, env: {}, sourcegraphClient: () => http, githubClient: () => github };
}

const run = (roots: Task[]) => runSession(roots, { artifactsDir: dir, scope: SITE, workers: 2, clock, random: () => 0 });

function corpus() {
  return Object.fromEntries(PAIRS.map(([, term], i) => [term, { matches: [contentMatch(`github.com/o/r${i}`, `f${i}.py`, [i])] }]));
}

describe('maxAge', () => {
  test('a rerun within sourcegraph.maxAge reuses every result; a new term is searched alone; past maxAge everything is searched again', async () => {
    sg = await startSourcegraphServer({ corpus: { ...corpus(), 'data.example.org/four.csv': { matches: [contentMatch('github.com/o/new', 'n.py', [0])] } } });
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    assert.equal((await run([(await codeSearchStage(loaded(), options())).insert])).summary.status, 'success');
    assert.equal(sg.requests.length, 1, 'three terms in one request');

    clock.advance(10 * DAY);
    await publishCleanTerms(dir, SITE, [...PAIRS, ['d4', 'data.example.org/four.csv']], Date.UTC(2026, 0, 2));
    assert.equal((await run([(await codeSearchStage(loaded(), options())).searches])).summary.status, 'success');
    const second = await run([(await codeSearchStage(loaded(), options())).insert]);
    assert.equal(second.summary.status, 'success', JSON.stringify(second.summary.failures));
    assert.deepEqual(sg.requests.slice(1).map((r) => r.patterns), [['data.example.org/four.csv']], 'only the new term');
    const artifact = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.ok(artifact);
    const rows = await readDb(artifact.absolutePath, (db) => db.all('SELECT term, request_terms::INTEGER AS k, searched_at::VARCHAR AS at FROM searches ORDER BY term'));
    assert.deepEqual(rows.map((r) => [r['term'], r['k']]), [['data.example.org/four.csv', 1], ['data.example.org/one.csv', 3], ['data.example.org/three.csv', 3], ['data.example.org/two.csv', 3]]);
    assert.equal(new Set(rows.map((r) => r['at'])).size, 2, 'reused results keep their search time');
    assert.equal((await readDb(artifact.absolutePath, (db) => db.all('SELECT count(*)::INTEGER AS n FROM matches')))[0]?.['n'], 4);

    clock.advance(5 * DAY);
    assert.equal((await run([(await codeSearchStage(loaded(), options())).insert])).summary.counts.ran, 0, 'nothing is stale yet');
    assert.equal(sg.requests.length, 2);

    clock.advance(16 * DAY); // the first three are 31 days old, the fourth 21
    const third = await run([(await codeSearchStage(loaded(), options())).insert]);
    assert.equal(third.summary.status, 'success', JSON.stringify(third.summary.failures));
    assert.deepEqual(sg.requests.slice(2).map((r) => r.patterns.length), [3], 'the stale three, in one request; the fourth is reused');
  });

  test('enrich-github-repos asks about records older than github.maxAge again, conditionally (304s cost no quota)', async () => {
    sg = await startSourcegraphServer({ corpus: corpus() });
    gh = await startGithubServer({ now: () => clock.now(), repos: PAIRS.map((_, i) => makeRepoBody(10 + i, `o/r${i}`, { stargazers_count: i })) });
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    assert.equal((await run([(await githubStage(loaded(), options())).insert])).summary.status, 'success');
    assert.equal(gh.requests.length, 3);

    clock.advance(29 * DAY);
    assert.equal((await run([(await githubStage(loaded(), options())).insert])).summary.counts.ran, 0);
    assert.equal(gh.requests.length, 3);

    clock.advance(2 * DAY);
    const stale = await run([(await githubStage(loaded({ sourcegraph: { url: sg.url, maxAge: '60d' } }), options())).insert]);
    assert.equal(stale.summary.status, 'success', JSON.stringify(stale.summary.failures));
    assert.deepEqual(gh.requests.slice(3).map((r) => r.status), [304, 304, 304]);
    assert.equal(sg.requests.length, 1, 'the search results are younger than sourcegraph.maxAge: not searched again');
    const artifact = await latestArtifactInfo(dir, SITE, 'github_api');
    const checked = await readDb(artifact?.absolutePath ?? '', (db) => db.all('SELECT DISTINCT checked_at::VARCHAR AS at, not_modified_count::INTEGER AS n FROM repos'));
    assert.deepEqual(checked, [{ at: '2026-04-01 00:00:00', n: 1 }]);
  });

  test('--refresh (refresh: true, the search families forced) searches every term again though its result is fresh', async () => {
    sg = await startSourcegraphServer({ corpus: corpus() });
    await publishCleanTerms(dir, SITE, PAIRS, Date.UTC(2026, 0, 1));
    assert.equal((await run([(await codeSearchStage(loaded(), options())).insert])).summary.status, 'success');
    clock.advance(1000);
    const forced = await runSession([(await codeSearchStage(loaded(), { ...options(), refresh: true })).searches], { artifactsDir: dir, scope: SITE, workers: 2, clock, random: () => 0, force: [...SEARCH_FAMILIES], runtimeFamilies: [...SEARCH_FAMILIES] });
    assert.equal(forced.summary.status, 'success', JSON.stringify(forced.summary.failures));
    assert.deepEqual(sg.requests.map((r) => r.patterns.length), [3, 3]);
  });
});
