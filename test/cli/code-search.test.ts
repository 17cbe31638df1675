/** The code-search commands through the built CLI, against loopback servers in this process. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { latestArtifactInfo, listArtifacts } from '../../src/store/index.js';
import { readCoverage } from '../../src/sources/sourcegraph/index.js';
import { publishCleanTerms } from '../support/code-search.js';
import { repoRoot, runCli, runCliAsync } from '../support/cli.js';
import { startGithubServer, type GithubTestServer } from '../support/github-server.js';
import { startSourcegraphServer, type SourcegraphTestServer } from '../support/sourcegraph-server.js';
import { usageGithub, usageSearchCorpus, D } from '../support/usage-corpus.js';

describe('code-search commands (built CLI)', () => {
  let dir: string;
  let sg: SourcegraphTestServer;
  let gh: GithubTestServer;
  const artifacts = (): string => path.join(dir, 'artifacts');
  const cli = (command: string, args: string[] = [], env: Record<string, string> = {}) =>
    runCliAsync([command, '--site', 'demo', '--models-dir', path.join(repoRoot, 'models'), ...args], { cwd: dir, env });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-cli-code-search-'));
    sg = await startSourcegraphServer({ corpus: usageSearchCorpus() });
    gh = await startGithubServer(usageGithub());
    await mkdir(path.join(dir, 'configs'));
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), `site: demo
ckan:
  url: http://127.0.0.1:9/api/3/action
sourcegraph:
  url: ${sg.url}
  tokenEnv: MY_SG_TOKEN
github:
  url: ${gh.url}
http:
  retries: 1
`);
    await publishCleanTerms(artifacts(), 'demo', [[D[0], D[0]], [D[0], 'files.example.org/d1/data.csv'], [D[2], 'nothing-here']], Date.UTC(2026, 0, 1));
  });
  after(async () => {
    await Promise.all([sg.close(), gh.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('the commands are listed with their summaries', () => {
    const r = runCli(['--help'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    for (const id of ['download-sourcegraph-results', 'insert-sourcegraph-results', 'enrich-github-repos']) assert.match(r.stdout, new RegExp(`${id}\\s+\\S`));
  });

  test('download-sourcegraph-results: one request for the three terms, with the token; --dry-run first runs nothing', async () => {
    const dry = await cli('download-sourcegraph-results', ['--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /SourcegraphSearches\(/);
    assert.equal(sg.requests.length, 0);
    const r = await cli('download-sourcegraph-results', [], { MY_SG_TOKEN: 'sgp_clitoken' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sg.requests.length, 1);
    assert.equal(sg.requests[0]?.patterns.length, 3);
    assert.ok(sg.requests.every((q) => q.headers.authorization === 'token sgp_clitoken'));
    assert.doesNotMatch(r.stdout + r.stderr, /sgp_clitoken/);
    const sgDir = path.join(artifacts(), 'raw', 'demo', 'sourcegraph');
    const manifest = JSON.parse(await readFile(path.join(sgDir, 'searches.json'), 'utf8')) as { version: number; terms: number; mapping: string; coverage: string; requests: Array<{ termCount: number; terms?: unknown }>; searches?: unknown };
    assert.equal(manifest.version, 3);
    assert.equal(manifest.terms, 3);
    assert.equal(manifest.searches, undefined, 'no term is listed with its datasets: that is the mapping file');
    assert.deepEqual(manifest.requests.map((r) => r.termCount), [3]);
    assert.equal(manifest.requests[0]?.terms, undefined, 'the terms of a request are in the coverage file, not here');
    assert.deepEqual((await readCoverage(path.join(sgDir, manifest.coverage))).map((r) => r.terms.length), [3]);
    const plan = JSON.parse(await readFile(path.join(sgDir, 'plan.json'), 'utf8')) as { stage: string; batches: Array<{ file: string; terms: string[] }>; reused: unknown[] };
    assert.equal(plan.stage, 'search');
    assert.deepEqual(plan.batches.map((b) => b.terms.length), [3], 'the plan lists the one request with its terms');
    assert.ok(fs.existsSync(path.join(sgDir, manifest.mapping)));
  });

  test('insert-sourcegraph-results publishes sourcegraph_api; --json ends with the summary', async () => {
    const r = await cli('insert-sourcegraph-results', ['--json']);
    assert.equal(r.status, 0, r.stderr);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { type: string; summary: { status: string; counts: { ran: number } } };
    assert.equal(last.type, 'run_finished');
    assert.equal(last.summary.status, 'success');
    assert.equal(last.summary.counts.ran, 1);
    const artifact = await latestArtifactInfo(artifacts(), 'demo', 'sourcegraph_api');
    assert.deepEqual(artifact?.manifest.tables, { searches: 3, matches: 3 + 2, requests: 1 });
    assert.equal(sg.requests.length, 1, 'nothing searched again');
  });

  test('enrich-github-repos publishes github_api; a rerun does nothing; --refresh asks again conditionally', async () => {
    const r = await cli('enrich-github-repos');
    assert.equal(r.status, 0, r.stderr);
    const artifact = await latestArtifactInfo(artifacts(), 'demo', 'github_api');
    assert.deepEqual(artifact?.manifest.tables, { repos: 2 });
    const asked = gh.requests.length;
    assert.equal(asked, 2);
    const again = await cli('enrich-github-repos');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /Nothing to do/);
    assert.equal(gh.requests.length, asked);
    const refresh = await cli('enrich-github-repos', ['--refresh']);
    assert.equal(refresh.status, 0, refresh.stderr);
    assert.deepEqual(gh.requests.slice(asked).map((q) => q.status), [304, 304]);
    assert.equal((await listArtifacts(artifacts(), { site: 'demo', name: 'github_api' })).length, 2);
  });

  test('a failing Sourcegraph exits 1 naming the search; nothing new is published', async () => {
    await rm(path.join(artifacts(), 'raw', 'demo', 'sourcegraph'), { recursive: true, force: true });
    sg.schedule({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const r = await cli('download-sourcegraph-results', ['--workers', '1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /FAILED SourcegraphSearch\(.*\[ERR_HTTP\].*500/);
    assert.equal((await listArtifacts(artifacts(), { site: 'demo', name: 'sourcegraph_api' })).length, 1);
  });
});
