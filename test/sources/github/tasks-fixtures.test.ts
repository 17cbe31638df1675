import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../support/fake-clock.js';
import { runSession } from '../../../src/engine/session.js';
import { createGithubClient, GithubRepoTask, parseRepoName, readRepoRecord, repoFileName, type GithubSettings } from '../../../src/sources/github/index.js';
import { fixturePath, fixturesSkip } from '../../support/fixtures.js';
import { makeRepoBody, startGithubServer, type GhBody, type GithubTestServer } from '../../support/github-server.js';

let dir: string;
let server: GithubTestServer;
const clock = new FakeClock();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-gh-tasks-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function settings(): GithubSettings {
  const client = createGithubClient({ baseUrl: server.url, clock, random: () => 0 });
  return { site: 'test-portal', dir: path.join(dir, 'raw', 'test-portal', 'github'), client: () => client };
}

const run = (s: GithubSettings, repos: string[], force?: string[]) =>
  runSession(repos.map((r) => new GithubRepoTask(s, r)), { artifactsDir: dir, scope: 'test-portal', workers: 3, clock: new FakeClock(), random: () => 0, ...(force ? { force } : {}) });

describe('GithubRepoTask', () => {
  test('one file per repository; gone and renamed ones too; a rerun makes no request; --force revalidates with 304s', async () => {
    server = await startGithubServer({ now: () => clock.now(), repos: [makeRepoBody(1, 'a/one'), makeRepoBody(2, 'b/two'), makeRepoBody(3, 'c/new')], renames: { 'c/old': 3 }, gone: { 'd/dmca': 451 } });
    server.schedule({ kind: 'status', status: 503 });
    const repos = ['github.com/a/one', 'b/two', 'c/old', 'd/dmca', 'e/missing'];
    const s = settings();
    const { summary } = await run(s, repos);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.deepEqual(fs.readdirSync(s.dir).sort(), ['a__one.json', 'b__two.json', 'c__old.json', 'd__dmca.json', 'e__missing.json']);
    const statuses = repos.map((r) => readRepoRecord(path.join(s.dir, repoFileName(parseRepoName(r))))?.status);
    assert.deepEqual(statuses, ['ok', 'ok', 'renamed', 'gone', 'gone']);
    const requests = server.requests.length;
    const quota = server.remaining;

    const again = await run(settings(), repos);
    assert.equal(again.summary.counts.ran, 0);
    assert.equal(server.requests.length, requests, 'no request on a rerun');

    const forced = await run(settings(), repos, ['GithubRepo']);
    assert.equal(forced.summary.status, 'success');
    const revalidated = server.requests.slice(requests);
    assert.equal(revalidated.filter((r) => r.status === 304).length, 3, 'the three with data answer 304');
    assert.equal(server.remaining, quota - 3, 'only the 301 hop and the two gone ones spent quota');
  });

  test('names that are not repositories are refused before any request', () => {
    server = undefined as unknown as GithubTestServer;
    const s = { site: 'x', dir, client: () => { throw new Error('no client'); } };
    for (const bad of ['../etc/passwd', 'a/b/c', 'owner/..', 'ow_ner/x', '', 'https://gitlab.com/a/b']) {
      assert.throws(() => new GithubRepoTask(s, bad), /not a GitHub repository name/, bad);
    }
    assert.equal(new GithubRepoTask(s, 'https://github.com/Owner/Repo.git').recordFile, path.join(dir, 'owner__repo.json'));
  });
});

const OCTOKIT = fixturePath('github', 'octokit-fixtures__get-repository__raw-fixture.json');
const FRICTIONLESS = fixturePath('github', 'frictionless__get-repository_fdtester_test-repo-with-datapackage-json__body.json');

describe('recorded GitHub responses (../shared/fixtures/github)', () => {
  test('the recorded bodies become records: null license and language, topics, dates, ids', { skip: fixturesSkip(OCTOKIT, FRICTIONLESS) }, async () => {
    const recorded = JSON.parse(readFileSync(OCTOKIT, 'utf8')) as Array<{ response: GhBody; rawHeaders: string[] }>;
    const octokitBody = recorded[0]?.response as GhBody;
    const headers = recorded[0]?.rawHeaders ?? [];
    assert.equal(headers[headers.indexOf('X-RateLimit-Remaining') + 1], '4962');
    const frictionless = JSON.parse(readFileSync(FRICTIONLESS, 'utf8')) as GhBody;
    server = await startGithubServer({ now: () => clock.now(), repos: [octokitBody, frictionless] });
    const s = settings();
    const { summary } = await run(s, ['octokit-fixture-org/hello-world', 'fdtester/test-repo-with-datapackage-json']);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    const hello = readRepoRecord(path.join(s.dir, 'octokit-fixture-org__hello-world.json'));
    assert.equal(hello?.id, 103703892);
    assert.equal(hello?.license, null);
    assert.equal(hello?.language, null);
    assert.deepEqual(hello?.topics, ['fixtures', 'hello', 'hello-world']);
    assert.equal(hello?.createdAt, '2017-09-15T21:43:08Z');
    assert.equal(hello?.pushedAt, '2017-11-03T20:11:46Z');
    assert.equal(hello?.defaultBranch, 'master');
    assert.equal(hello?.status, 'ok');
    const fd = readRepoRecord(path.join(s.dir, 'fdtester__test-repo-with-datapackage-json.json'));
    assert.equal(fd?.id, 522492300);
    assert.deepEqual(fd?.topics, []);
    assert.equal(fd?.stars, 0);
  });
});
