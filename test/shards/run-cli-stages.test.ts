/**
 * The seven steps of a sharded run through the built CLI, as a deployment runs them (issue
 * #15's test): child processes, each with its own fresh artifacts directory, the store on the
 * fake GCS server (STORAGE_EMULATOR_HOST), loopback CKAN, Sourcegraph and GitHub servers; the
 * 3 shards of each stage run at the same time. The final tables equal a single-process run's;
 * no page, search batch or repository reaches its server twice; a search shard SIGKILLed while
 * a request is in flight (held by a gate in front of Sourcegraph) is rerun and asks only that
 * batch; the plan step started before the rerun refuses naming the shard.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { partition } from '../../src/engine/index.js';
import { latestArtifactInfo } from '../../src/store/index.js';
import { generatePackages } from '../support/ckan-corpus.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { repoRoot, runCliAsync, type CliResult } from '../support/cli.js';
import { cliSteps } from './cli-steps.js';
import { startGcsFakeServer, type GcsFakeServer } from '../support/gcs-fake-server.js';
import { startGithubServer, type GithubTestServer } from '../support/github-server.js';
import { termOfQuery, startSourcegraphServer, type SourcegraphTestServer } from '../support/sourcegraph-server.js';
import { usageGithub, usagePackages, usageSearchCorpus } from '../support/usage-corpus.js';
import { startGateProxy, type GateProxy } from './gate-proxy.js';
import { dup, tables, type Row } from './tables.js';

const SITE = 'cli-stages';
const BUCKET = 'stage-bucket';
const STORE = `gs://${BUCKET}/run`;
const TABLES = ['ckan_api', 'sourcegraph_api', 'github_api', 'usage'];
let root: string;
let ckan: CkanTestServer;
let sg: SourcegraphTestServer;
let gate: GateProxy;
let gh: GithubTestServer;
let gcs: GcsFakeServer;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-shard-stages-'));
  // The usage corpus (known matches and repositories) among 20 more datasets that match nothing.
  ckan = await startCkanServer({ packages: [...usagePackages(), ...generatePackages(20, 15)] });
  sg = await startSourcegraphServer({ corpus: usageSearchCorpus() });
  gate = await startGateProxy(sg.url);
  gh = await startGithubServer(usageGithub());
  gcs = await startGcsFakeServer({ buckets: [BUCKET] });
  fs.mkdirSync(path.join(root, 'configs'));
  // Every step runs from a directory holding the project's models, as a container does.
  fs.symlinkSync(path.join(repoRoot, 'models'), path.join(root, 'models'));
  fs.writeFileSync(path.join(root, 'configs', `${SITE}.yaml`), [
    `site: ${SITE}`,
    `ckan:\n  url: ${ckan.actionUrl}\n  rows: 3`,
    `sourcegraph:\n  url: ${gate.url}\n  termsPerQuery: 4\n  requestsPerSecond: 200\n  concurrency: 2`,
    `github:\n  url: ${gh.url}`,
    `http:\n  retries: 0\n  timeoutMs: 120000`,
    '',
  ].join('\n'));
});
after(async () => {
  await Promise.all([ckan?.close(), gate?.close(), gh?.close(), gcs?.stop()]);
  await sg?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const { freshDir, cli, sharded, args, env } = cliSteps({ root: () => root, site: SITE, store: STORE, gcsHost: () => gcs.host });
const ok = (r: CliResult, what: string): void => assert.equal(r.status, 0, `${what}: ${r.stderr}`);

/** The store's plan of a stage (one plan per stage in this run). */
function planOf(stage: string): { planId: string; leaves: Array<{ id: string; params: Record<string, unknown> }> } {
  const names = gcs.names(BUCKET, `run/state/${SITE}/${stage}/plans/`);
  assert.equal(names.length, 1, `one ${stage} plan`);
  const plan = JSON.parse(gcs.object(BUCKET, names[0]!)!.data.toString('utf8')) as { leaves: Array<{ id: string; params: Record<string, unknown> }> };
  return { planId: path.basename(names[0]!, '.json'), leaves: plan.leaves };
}
/** The task ids committed in a stage's plan (receipts read from the store). */
function committed(stage: string, planId: string): string[] {
  return gcs.names(BUCKET, `run/state/${SITE}/${stage}/${planId}/receipts/`).map((n) => (JSON.parse(gcs.object(BUCKET, n)!.data.toString('utf8')) as { taskId: string }).taskId);
}
async function threeShards(command: string): Promise<void> {
  const runs = await Promise.all([0, 1, 2].map((i) => sharded(command, `${i}/3`)));
  runs.forEach((r, i) => ok(r, `${command} --shard ${i}/3`));
}

describe('a sharded run of every stage through the CLI (3 shards at a time)', () => {
  let single: Record<string, Record<string, Row[]>>;

  test('a single-process run, for reference', async () => {
    const dir = path.join(root, 'single');
    ok(await cli('run-models', ['--select', 'usage'], dir), 'run-models --select usage');
    single = {};
    for (const name of TABLES) single[name] = await tables((await latestArtifactInfo(dir, SITE, name))!.absolutePath);
    assert.ok(single['usage']!['dataset_usage']!.length > 0, 'the reference finds usage');
    ckan.requests.length = 0;
    sg.requests.length = 0;
    gh.requests.length = 0;
  });

  test('ckan: plan, 3 shards at once; every page fetched once', async () => {
    const plan = await sharded('download-datasets-info', 'plan');
    ok(plan, 'plan');
    assert.match(plan.stderr, /planned stage ckan: 9 tasks/);
    await threeShards('download-datasets-info');
    const starts = ckan.requests.map((r) => r.query.get('start') ?? '');
    assert.deepEqual(dup(starts), [], 'no page twice');
    assert.equal(starts.length, 9);
  });

  test('search: plan, 3 shards at once, one SIGKILLed while a batch is in flight, the next plan refuses naming it, the rerun asks only that batch', async () => {
    ok(await sharded('download-sourcegraph-results', 'plan'), 'search plan');
    assert.equal(ckan.requests.length, 9, 'the plan step built ckan_api from the committed pages');
    const { planId, leaves } = planOf('search');
    const owners = partition(leaves.map((l) => l.id), 3);
    const victim = owners.findIndex((own) => own.length >= 2);
    assert.ok(victim >= 0, 'a shard with two batches or more');
    const mine = new Set(owners[victim]);
    const firstTerm = new Map(leaves.map((l) => [String((l.params['termList'] as unknown[])[0]), l.id]));
    // The victim's last request is held: it is in flight when the shard is killed, every other batch of it committed.
    let seen = 0;
    gate.hold = (url) => {
      const id = firstTerm.get(termOfQuery(url.searchParams.get('q') ?? '') ?? '');
      return id !== undefined && mine.has(id) && ++seen === mine.size;
    };

    const dir = freshDir();
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/commands/main.js'), ...args('download-sourcegraph-results', ['--shard', `${victim}/3`, '--store', STORE], dir)], {
      cwd: root, env: { ...process.env, ...env() }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let victimErr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (victimErr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const others = Promise.all([0, 1, 2].filter((i) => i !== victim).map((i) => sharded('download-sourcegraph-results', `${i}/3`)));
    const deadline = Date.now() + 90_000;
    while (!(gate.held.length === 1 && committed('search', planId).filter((id) => mine.has(id)).length === mine.size - 1)) {
      assert.ok(Date.now() < deadline, `the victim shard reached the held batch: ${victimErr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    (await others).forEach((r) => ok(r, 'another search shard'));
    const heldTerm = termOfQuery(new URL(gate.held[0]!, 'http://x').searchParams.get('q') ?? '')!;
    const heldId = firstTerm.get(heldTerm)!;
    assert.ok(!committed('search', planId).includes(heldId), 'the batch in flight was not committed');

    const early = await sharded('enrich-github-repos', 'plan');
    assert.equal(early.status, 1, early.stderr);
    assert.match(early.stderr, new RegExp(`shard ${victim}/3: 1 tasks missing; started .*never finished`));
    assert.doesNotMatch(early.stderr, /\n\s+at /, 'no stack trace');

    gate.open();
    const before = sg.requests.length;
    const rerun = await sharded('download-sourcegraph-results', `${victim}/3`);
    ok(rerun, 'the rerun of the killed shard');
    assert.deepEqual(sg.requests.slice(before).map((r) => r.term), [heldTerm], 'the rerun asked only the batch that was in flight');
    assert.deepEqual(dup(sg.requests.map((r) => r.query)), [], 'no search batch reached Sourcegraph twice');
    assert.deepEqual(new Set(committed('search', planId)), new Set(leaves.map((l) => l.id)), 'every batch committed');
  });

  test('github: plan, 3 shards at once, final: the tables equal the single run; nothing fetched twice', async () => {
    const searched = sg.requests.length;
    ok(await sharded('enrich-github-repos', 'plan'), 'github plan');
    const { leaves } = planOf('github');
    assert.equal(leaves.length, 5, 'five github.com repositories');
    await threeShards('enrich-github-repos');
    const beforeFinal = gh.requests.length;
    const finalDir = path.join(root, 'final');
    ok(await cli('run-models', ['--select', 'usage', '--shard', 'final', '--store', STORE], finalDir), 'run-models --select usage --shard final');
    for (const name of TABLES) {
      assert.deepEqual(await tables((await latestArtifactInfo(finalDir, SITE, name))!.absolutePath), single[name], `${name} equals the single-process run's`);
    }
    assert.equal(gh.requests.length, beforeFinal, 'the final step asked GitHub nothing');
    assert.deepEqual(dup(gh.requests.map((r) => r.path)), [], 'no repository fetched twice');
    assert.equal(sg.requests.length, searched, 'no search in the plan or final steps');
    assert.equal(ckan.requests.length, 9, 'no page fetched again');
  });

  test('the plan and final steps published their databases to read_only/ of the store, every step that ended its run log to runs/; sync-artifacts --pull restores usage', async () => {
    const published = gcs.names(BUCKET, `run/read_only/${SITE}/`).map((n) => path.basename(n));
    for (const name of ['ckan_api', 'clean_ckan_api', 'sourcegraph_api', 'github_api', 'usage']) {
      assert.ok(published.some((f) => new RegExp(`^${name}_\\d{8}T\\d{6}Z\\.db$`).test(f)), `${name}'s database is in the store: ${published.join(', ')}`);
      assert.ok(published.some((f) => new RegExp(`^${name}_\\d{8}T\\d{6}Z\\.manifest\\.json$`).test(f)), `${name}'s manifest is in the store`);
    }
    // Steps that ran a session: 3 plans + 9 shards (the killed one left none, its rerun did) + the final step, + the refused plan step.
    const logs = gcs.names(BUCKET, 'run/runs/');
    assert.ok(logs.length >= 13, `a run log per step: ${logs.length}`);
    const restored = path.join(root, 'restored');
    const pull = await runCliAsync(['sync-artifacts', '--pull', '--bucket', BUCKET, '--prefix', 'run', '--artifacts-dir', restored], { cwd: root, env: env() });
    ok(pull, 'sync-artifacts --pull');
    const usage = await latestArtifactInfo(restored, SITE, 'usage');
    assert.ok(usage, 'usage restored from the store');
    assert.deepEqual(await tables(usage.absolutePath), single['usage'], 'the restored usage equals the single run\'s');
  });
});
