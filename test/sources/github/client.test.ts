import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createGithubClient, fetchRepoToFile, parseRepoName, repoFileName, type GithubClientOptions, type GithubRepoRecord } from '../../../src/sources/github/index.js';
import { rejection } from '../../support/expect-error.js';
import { fakeClock, FakeClock } from '../../support/fake-clock.js';
import type { RetryNote } from '../../../src/engine/retry.js';
import { makeRepoBody, startGithubServer, type GhServerOptions, type GithubTestServer } from '../../support/github-server.js';

let server: GithubTestServer;
let dir: string;
let clock: FakeClock;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-gh-'));
  clock = fakeClock();
});
afterEach(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const start = async (opts: GhServerOptions) => {
  server = await startGithubServer({ now: () => clock.now(), ...opts });
};
const client = (opts: GithubClientOptions = {}) => createGithubClient({ baseUrl: server.url, clock, random: () => 0, ...opts });
const fetchRepo = (name: string, opts: GithubClientOptions = {}, c = client(opts)) => {
  const repo = parseRepoName(name);
  return fetchRepoToFile(c, repo, path.join(dir, repoFileName(repo)));
};
const stored = async (name: string) => JSON.parse(await readFile(path.join(dir, repoFileName(parseRepoName(name))), 'utf8')) as GithubRepoRecord;

describe('GitHub repository metadata', () => {
  test('a repository becomes its record, with the token sent as `token …`', async () => {
    await start({ repos: [makeRepoBody(42, 'Open-Data/Air', { topics: ['air', 'csv'], archived: true })] });
    const { record } = await fetchRepo('github.com/open-data/air', { token: 'ghp_testtoken1234' });
    const { fetchedAt, checkedAt, etag, ...rest } = record;
    assert.deepEqual(rest, {
      requested: 'open-data/air', status: 'ok', httpStatus: 200, id: 42, fullName: 'Open-Data/Air', stars: 42, forks: 0,
      language: 'Python', license: 'MIT', topics: ['air', 'csv'], archived: true, fork: false,
      createdAt: '2020-01-02T03:04:05Z', pushedAt: '2024-05-06T07:08:09Z', defaultBranch: 'main', description: 'repo Open-Data/Air',
      lastModified: 'Mon, 06 May 2024 07:08:09 GMT',
    });
    assert.equal(fetchedAt, new Date(clock.now()).toISOString());
    assert.equal(checkedAt, fetchedAt);
    assert.match(etag ?? '', /^W\/"[0-9a-f]{64}"$/);
    assert.deepEqual(await stored('open-data/air'), record);
    assert.equal(server.requests[0]?.headers.authorization, 'token ghp_testtoken1234');
    assert.match(String(server.requests[0]?.headers['user-agent']), /^mallard\//);
  });

  test('anonymous works too', async () => {
    await start({ repos: [makeRepoBody(1, 'a/b')] });
    await fetchRepo('a/b');
    assert.equal(server.requests[0]?.headers.authorization, undefined);
  });

  test('a rerun asks with If-None-Match: 304 keeps the data and costs no quota; a change is fetched', async () => {
    await start({ repos: [makeRepoBody(7, 'o/r')] });
    const first = (await fetchRepo('o/r')).record;
    const quota = server.remaining;
    clock.advance(60_000);
    const again = await fetchRepo('o/r');
    assert.equal(again.notModified, true);
    assert.equal(server.requests[1]?.headers['if-none-match'], first.etag);
    assert.equal(server.requests[1]?.status, 304);
    assert.equal(server.remaining, quota, 'a 304 spends no quota');
    assert.deepEqual({ ...again.record, checkedAt: first.checkedAt, notModifiedCount: undefined }, { ...first, notModifiedCount: undefined });
    assert.equal(again.record.checkedAt, new Date(clock.now()).toISOString());
    assert.equal(again.record.notModifiedCount, 1);
    server.setRepo(makeRepoBody(7, 'o/r', { stargazers_count: 999 }));
    const changed = await fetchRepo('o/r');
    assert.equal(changed.notModified, false);
    assert.equal(changed.record.stars, 999);
    assert.notEqual(changed.record.etag, first.etag);
    assert.equal(server.remaining, quota - 1);
  });

  test('a renamed repository (301 to /repositories/{id}) is recorded with its new name and id, and revalidates', async () => {
    await start({ repos: [makeRepoBody(99, 'new-owner/new-name')], renames: { 'old-owner/old-name': 99 } });
    const { record } = await fetchRepo('old-owner/old-name');
    assert.equal(record.status, 'renamed');
    assert.equal(record.requested, 'old-owner/old-name');
    assert.equal(record.renamedTo, 'new-owner/new-name');
    assert.equal(record.id, 99);
    assert.deepEqual(server.requests.map((r) => [r.path, r.status]), [['/repos/old-owner/old-name', 301], ['/repositories/99', 200]]);
    const again = await fetchRepo('old-owner/old-name');
    assert.equal(again.notModified, true, 'the ETag survives the redirect');
    assert.equal(again.record.status, 'renamed');
  });

  test('404, 410 and 451 are recorded as gone, not failures', async () => {
    await start({ gone: { 'x/removed': 404, 'x/dmca': 451, 'x/old': 410 } });
    for (const [name, status] of [['x/removed', 404], ['x/dmca', 451], ['x/old', 410], ['x/never-existed', 404]] as const) {
      const { record } = await fetchRepo(name);
      assert.equal(record.status, 'gone', name);
      assert.equal(record.httpStatus, status, name);
      assert.equal(record.id, undefined);
    }
    assert.equal((await stored('x/dmca')).goneReason, 'Repository access blocked');
    assert.equal(server.requests.length, 4, 'gone is not retried');
  });

  test('secondary limits (403 and 429 with Retry-After) wait exactly that long on the clock', async () => {
    await start({ repos: [makeRepoBody(5, 'o/r')] });
    server.schedule({ kind: 'secondary-limit', status: 403, retryAfter: '7' }, { kind: 'secondary-limit', status: 429, retryAfter: '3' });
    const notices: string[] = [];
    const { record } = await fetchRepo('o/r', { onNotice: (m) => notices.push(m) });
    assert.equal(record.status, 'ok');
    assert.deepEqual(clock.sleeps, [7000, 3000]);
    assert.equal(server.requests.length, 3);
    assert.equal(notices.filter((n) => /secondary rate limit/.test(n)).length, 2);
  });

  test('a used-up quota: the next request waits for x-ratelimit-reset instead of spending a 403', async () => {
    await start({ repos: [makeRepoBody(1, 'o/a'), makeRepoBody(2, 'o/b')], limit: 60, remaining: 1, window: 120 });
    const c = client();
    await fetchRepo('o/a', {}, c);
    assert.equal(c.rateLimit.snapshot.remaining, 0);
    const resetMs = c.rateLimit.snapshot.resetMs ?? 0;
    const { record } = await fetchRepo('o/b', {}, c);
    assert.equal(record.status, 'ok');
    assert.deepEqual(clock.sleeps, [resetMs + 1000 - Date.UTC(2025, 0, 1)]);
    assert.ok(server.requests.every((r) => r.status === 200), 'no request was refused');
  });

  test('a 403 "rate limit exceeded" waits for the reset, then retries (throttling plugin)', async () => {
    await start({ repos: [makeRepoBody(1, 'o/a')], remaining: 0, window: 30 });
    const { record } = await fetchRepo('o/a');
    assert.equal(record.status, 'ok');
    assert.deepEqual(server.requests.map((r) => r.status), [403, 200]);
    assert.deepEqual(clock.sleeps, [31_000]);
  });

  test('a reset further away than maxRateLimitWaitMs fails with ERR_GITHUB_RATE_LIMIT and when to retry', async () => {
    await start({ repos: [makeRepoBody(1, 'o/a')], remaining: 0, window: 3600 });
    const err = await rejection(fetchRepo('o/a', { maxRateLimitWaitMs: 60_000 }));
    assert.equal(err.code, 'ERR_GITHUB_RATE_LIMIT');
    assert.equal(err.retryable, true);
    assert.equal(err.retryAfterMs, 3_601_000);
    assert.deepEqual(clock.sleeps, []);
    assert.deepEqual(await readdir(dir), [], 'nothing written');
  });

  test('5xx and dropped connections are retried with backoff on the clock; in the end they fail', async () => {
    await start({ repos: [makeRepoBody(1, 'o/a')] });
    server.schedule({ kind: 'status', status: 502 }, { kind: 'drop' });
    const { record } = await fetchRepo('o/a');
    assert.equal(record.status, 'ok');
    assert.deepEqual(clock.sleeps, [1000, 2000]);
    server.schedule({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const err = await rejection(fetchRepo('o/b', { retries: 2 }));
    assert.equal(err.code, 'ERR_GITHUB');
    assert.equal(err.retryable, false, 'retried to exhaustion: no layer above tries again');
    assert.equal(err.context.attempts, 3);
    assert.equal(server.pendingFaults(), 0);
  });

  test('every retry is told to onRetry (client and request), layer http; 404 and 501 are not retried', async () => {
    await start({ repos: [makeRepoBody(1, 'o/a')] });
    server.schedule({ kind: 'status', status: 503 }, { kind: 'drop' });
    const clientNotes: RetryNote[] = [];
    const requestNotes: RetryNote[] = [];
    const c = client({ onRetry: (n) => clientNotes.push(n) });
    const repo = parseRepoName('o/a');
    const { record } = await fetchRepoToFile(c, repo, path.join(dir, repoFileName(repo)), { onRetry: (n) => requestNotes.push(n) });
    assert.equal(record.status, 'ok');
    assert.deepEqual(clientNotes, requestNotes);
    assert.deepEqual(clientNotes.map((n) => [n.attempt, n.delayMs, n.layer]), [[1, 1000, 'http'], [2, 2000, 'http']]);
    assert.match(clientNotes[0]!.error, /GET \/repos\/o\/a answered 503/);
    assert.match(clientNotes[1]!.error, /GET \/repos\/o\/a failed/);
    server.schedule({ kind: 'status', status: 501 });
    const err = await rejection(fetchRepo('o/a', {}, c));
    assert.equal(err.code, 'ERR_GITHUB');
    assert.equal(err.retryable, false, '501 is not worth another try');
    assert.equal(clientNotes.length, 2, 'no retry of a 501');
  });

  test('401 is ERR_GITHUB_AUTH and never shows the token', async () => {
    await start({});
    server.schedule({ kind: 'status', status: 401, message: 'Bad credentials' });
    const err = await rejection(fetchRepo('o/a', { token: 'ghp_verysecret987' }));
    assert.equal(err.code, 'ERR_GITHUB_AUTH');
    assert.doesNotMatch(JSON.stringify({ m: err.message, c: err.context }), /verysecret/);
  });
});
