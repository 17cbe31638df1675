/**
 * The steps of a sharded run in this process, each in its own fresh artifacts directory (as
 * each container of a deployment has), sharing one store (the real store over the fake GCS
 * server, test/support/gcs-fake-server.ts), against the loopback CKAN,
 * Sourcegraph and GitHub servers: plan, 3 shards and the next plan for each stage, then the
 * final step. The published tables equal a single-process run's; no page, search or
 * repository is fetched twice; a final step before the shards refuses naming them; a shard
 * that failed midway is rerun and does only what it had not committed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { siteConfigSchema, type LoadedConfig, type SiteConfig } from '../../src/config/index.js';
import { isMallardError, parseShardSpec, partition, runSession, type Task } from '../../src/engine/index.js';
import { runShardStep, type ShardStepResult } from '../../src/pipelines/shard-steps.js';
import { SitePipeline } from '../../src/pipelines/site-pipeline.js';
import { latestArtifactInfo } from '../../src/store/index.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { repoRoot } from '../support/cli.js';
import { startGithubServer, type GithubTestServer } from '../support/github-server.js';
import { startSourcegraphServer, type SourcegraphTestServer } from '../support/sourcegraph-server.js';
import { D, usageGithub, usagePackages, usageSearchCorpus } from '../support/usage-corpus.js';
import { openShardStore, type ShardStateStore, type Stage } from '../../src/shards/index.js';
import { createGcsStore } from '../../src/sync/index.js';
import { startGcsFakeServer, type GcsFakeServer } from '../support/gcs-fake-server.js';
import { dup, tables, type Row } from './tables.js';

const SITE = 'shard-demo';
let root: string;
let ckan: CkanTestServer;
let sg: SourcegraphTestServer;
let gh: GithubTestServer;
let gcs: GcsFakeServer;
let store: ShardStateStore;

/** A new store (a new prefix) on the fake GCS server. */
async function newStore(): Promise<ShardStateStore> {
  return openShardStore({ bucket: 'test-bucket', prefix: `mallard-${++dirs}` }, SITE, { objectStore: await createGcsStore({ apiEndpoint: gcs.host }) });
}
const leavesOf = async (stage: Stage): Promise<string[]> => ((await store.currentPlan(stage))?.plan.leaves ?? []).map((l) => l.id);
async function committedIds(stage: Stage): Promise<string[]> {
  const current = await store.currentPlan(stage);
  return current === undefined ? [] : [...(await store.receipts(stage, current.planId)).keys()].sort();
}
let dirs = 0;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-shard-steps-'));
  ckan = await startCkanServer({ packages: usagePackages() });
  // One term's answer hits a limit: the batch holding it is split (in the shard that ran it).
  const corpus = usageSearchCorpus();
  corpus[D[0]] = { ...corpus[D[0]]!, skipped: [{ reason: 'shard-match-limit', title: 'limit', message: 'some shards hit the limit', severity: 'info' }] };
  sg = await startSourcegraphServer({ corpus });
  gh = await startGithubServer(usageGithub());
  gcs = await startGcsFakeServer({ buckets: ['test-bucket'] });
  store = await newStore();
});
after(async () => {
  await Promise.all([ckan?.close(), sg?.close(), gh?.close(), gcs?.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
});

function loaded(): LoadedConfig {
  const config = siteConfigSchema.parse({
    site: SITE,
    ckan: { url: ckan.actionUrl, rows: 1 },
    sourcegraph: { url: sg.url, termsPerQuery: 2 },
    github: { url: gh.url },
    http: { retries: 0 },
  }) as SiteConfig;
  return { config, file: 'test', hash: 'h' };
}

const freshDir = (): string => {
  const dir = path.join(root, `step-${++dirs}`);
  fs.mkdirSync(dir);
  return dir;
};

async function rootsOf(command: string, pipeline: SitePipeline): Promise<Task[]> {
  switch (command) {
    case 'download-datasets-info':
      return [pipeline.ckan().crawl];
    case 'download-sourcegraph-results':
      return [(await pipeline.codeSearch()).searches];
    case 'insert-datasets-info':
      return [pipeline.ckan().insert];
    case 'enrich-github-repos':
      return [(await pipeline.github()).insert];
    default:
      return pipeline.models('usage');
  }
}

async function step(command: string, shard: string, artifactsDir = freshDir()): Promise<ShardStepResult & { notices: string[]; artifactsDir: string }> {
  const spec = parseShardSpec(shard);
  const pipeline = new SitePipeline(loaded(), { artifactsDir, modelsDir: path.join(repoRoot, 'models'), env: {}, ...(spec.kind === 'shard' ? { shards: spec.count } : {}) });
  const notices: string[] = [];
  const result = await runShardStep({
    store, storeUrl: 'gs://test-bucket/mallard', spec, command, site: SITE, artifactsDir, pipeline,
    roots: await rootsOf(command, pipeline),
    execute: async (tasks, onEvent) => (await runSession(tasks, { artifactsDir, scope: SITE, workers: 2, ...(onEvent ? { onEvent } : {}) })).summary,
    notice: (m) => notices.push(m),
  });
  return { ...result, notices, artifactsDir };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isMallardError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  assert.fail('the step did not refuse');
}


describe('sharded run, step by step (store on the fake GCS server)', () => {
  let single: Record<string, Record<string, Row[]>>;
  let finalDir: string;

  test('a single-process run, for reference', async () => {
    const dir = freshDir();
    const pipeline = new SitePipeline(loaded(), { artifactsDir: dir, modelsDir: path.join(repoRoot, 'models'), env: {} });
    const { summary } = await runSession(await pipeline.models('usage'), { artifactsDir: dir, scope: SITE, workers: 2 });
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    single = {};
    for (const name of ['ckan_api', 'sourcegraph_api', 'github_api', 'usage']) single[name] = await tables((await latestArtifactInfo(dir, SITE, name))!.absolutePath);
    ckan.requests.length = 0;
    sg.requests.length = 0;
    gh.requests.length = 0;
  });

  test('a shard before any plan refuses: ERR_SHARD_NO_PLAN naming the plan step', async () => {
    const r = await refusal(step('download-datasets-info', '0/3'));
    assert.equal(r.code, 'ERR_SHARD_NO_PLAN');
    assert.match(r.message, /stage ckan of shard-demo was never planned/);
  });

  test('ckan: the plan fetches page 0 and lists every page; the final step refuses until every shard committed, naming them', async () => {
    const plan = await step('download-datasets-info', 'plan');
    assert.equal(plan.summary?.status, 'success');
    assert.equal(plan.plan?.leaves, 5, 'five pages of one row');
    assert.equal(ckan.requests.length, 1, 'only page 0');
    assert.deepEqual((await committedIds('ckan')).length, 1, "page 0's receipt is committed by the plan step");

    const early = await refusal(step('download-sourcegraph-results', 'plan'));
    assert.equal(early.code, 'ERR_SHARDS_INCOMPLETE');
    assert.match(early.message, /no shard of stage ckan has run \(4 of 5 tasks missing/);

    const one = await step('download-datasets-info', '1/3');
    assert.equal(one.summary?.status, 'success');
    const ids = await leavesOf('ckan');
    const owners = partition(ids, 3);
    const missing = await refusal(step('download-sourcegraph-results', 'plan'));
    assert.equal(missing.code, 'ERR_SHARDS_INCOMPLETE');
    const done = await committedIds('ckan');
    for (const i of [0, 2]) {
      const owed = owners[i]!.filter((id) => !done.includes(id));
      if (owed.length > 0) assert.match(missing.message, new RegExp(`shard ${i}/3: ${owed.length} tasks missing; never started`));
    }
    assert.doesNotMatch(missing.message, /shard 1\/3/);
    for (const shard of ['0/3', '2/3']) assert.equal((await step('download-datasets-info', shard)).summary?.status, 'success');
    assert.deepEqual((await committedIds('ckan')), [...ids].sort());
    const starts = ckan.requests.map((r) => r.query.get('start') ?? '');
    assert.deepEqual(dup(starts), [], 'no page fetched twice');
    assert.equal(starts.length, 5);
  });

  test('search: the next plan builds ckan_api and clean_ckan_api from the committed pages and lists the batches; 3 shards search them once', async () => {
    const plan = await step('download-sourcegraph-results', 'plan');
    assert.equal(plan.summary?.status, 'success', JSON.stringify(plan.summary?.failures));
    assert.equal(ckan.requests.length, 5, 'nothing fetched from the portal again');
    const ckanApi = await latestArtifactInfo(plan.artifactsDir, SITE, 'ckan_api');
    assert.deepEqual(await tables(ckanApi!.absolutePath), single['ckan_api']);
    assert.ok((plan.plan?.leaves ?? 0) > 3, 'several batches of two terms');
    const again = await step('download-sourcegraph-results', 'plan');
    assert.equal(again.plan?.reused, true, 'a retried plan step keeps the plan of the same inputs');
    for (const shard of ['0/3', '1/3', '2/3']) {
      const r = await step('download-sourcegraph-results', shard);
      assert.equal(r.summary?.status, 'success', JSON.stringify(r.summary?.failures));
      assert.equal(r.commits?.failed, 0);
    }
    assert.deepEqual(dup(sg.requests.map((r) => r.query)), [], 'no search asked twice');
    assert.ok(sg.requests.some((r) => r.patterns.length === 1 && r.term === D[0]), 'the batch holding the limited term was split down to it');
    const planned = new Set(await leavesOf('search'));
    const committed = (await committedIds('search'));
    assert.ok(committed.length > planned.size, 'the halves of the split batch are committed besides the planned batches');
    for (const id of planned) assert.ok(committed.includes(id));
  });

  test('github: plan, 3 shards, then the final step builds usage equal to the single run; nothing is fetched again', async () => {
    const plan = await step('enrich-github-repos', 'plan');
    assert.equal(plan.summary?.status, 'success', JSON.stringify(plan.summary?.failures));
    const searched = sg.requests.length;
    const sgApi = await latestArtifactInfo(plan.artifactsDir, SITE, 'sourcegraph_api');
    assert.deepEqual(await tables(sgApi!.absolutePath), single['sourcegraph_api']);
    assert.equal(plan.plan?.leaves, 5, 'five github.com repositories');

    const early = await refusal(step('run-models', 'final'));
    assert.equal(early.code, 'ERR_SHARDS_INCOMPLETE');
    assert.match(early.message, /stage github of shard-demo is not complete: no shard of stage github has run/);

    for (const shard of ['0/3', '1/3', '2/3']) assert.equal((await step('enrich-github-repos', shard)).summary?.status, 'success');
    const beforeFinal = gh.requests.length;
    const fin = await step('run-models', 'final');
    assert.equal(fin.summary?.status, 'success', JSON.stringify(fin.summary?.failures));
    finalDir = fin.artifactsDir;
    for (const name of ['ckan_api', 'sourcegraph_api', 'github_api', 'usage']) {
      assert.deepEqual(await tables((await latestArtifactInfo(finalDir, SITE, name))!.absolutePath), single[name], `${name} equals the single-process run's`);
    }
    assert.equal(sg.requests.length, searched, 'no search in the plan or final steps');
    assert.equal(ckan.requests.length, 5);
    assert.deepEqual(dup(gh.requests.map((r) => r.path)), [], 'no repository fetched twice');
    assert.equal(gh.requests.length, beforeFinal, 'the final step asked GitHub nothing');
  });
});

describe('a shard that fails or runs twice (store on the fake GCS server)', () => {
  let failedShard = 0;
  let ids: string[] = [];
  const shardsOf = (): string[][] => partition(ids, 2);

  test('a failed page: the marker says so, the next step refuses naming the shard; the rerun fetches only that page', async () => {
    store = await newStore();
    ckan.requests.length = 0;
    assert.equal((await step('download-datasets-info', 'plan')).summary?.status, 'success');
    ids = await leavesOf('ckan');
    // The split depends on the ids (the portal's port is in the query key): take a shard owning a page besides the first.
    const index = shardsOf().findIndex((ids) => ids.some((id) => !/\bstart=0\)/.test(id)));
    const other = 1 - index;
    failedShard = index;
    const owned = shardsOf()[index]!.filter((id) => !/\bstart=0\)/.test(id));
    const start = /start=(\d+)/.exec(owned[0]!)![1]!;
    ckan.schedule({ fault: { kind: 'status', status: 500 }, match: (q) => q.get('start') === start, times: 1 });
    const failed = await step('download-datasets-info', `${index}/2`);
    assert.equal(failed.summary?.status, 'failed');
    assert.equal(failed.commits?.committed, owned.length - 1, 'every other page of the shard is committed');
    const refused = await refusal(step('insert-datasets-info', 'final'));
    assert.equal(refused.code, 'ERR_SHARDS_INCOMPLETE');
    assert.match(refused.message, new RegExp(`shard ${index}/2: 1 tasks missing; finished with 1 failed tasks`));
    if (shardsOf()[other]!.some((id) => !/\bstart=0\)/.test(id))) assert.match(refused.message, new RegExp(`shard ${other}/2: \\d+ tasks missing; never started`));
    const before = ckan.requests.length;
    const rerun = await step('download-datasets-info', `${index}/2`);
    assert.equal(rerun.summary?.status, 'success');
    assert.deepEqual(ckan.requests.slice(before).map((r) => r.query.get('start')), [start], 'only the page that failed');
  });

  test('two processes of one shard at once (a zombie and its retry): every task has exactly one receipt', async () => {
    const zombie = 1 - failedShard;
    const [a, b] = await Promise.all([step('download-datasets-info', `${zombie}/2`), step('download-datasets-info', `${zombie}/2`)]);
    assert.equal(a.summary?.status, 'success');
    assert.equal(b.summary?.status, 'success');
    const mine = shardsOf()[zombie]!.filter((id) => !/\bstart=0\)/.test(id));
    assert.equal((a.commits?.committed ?? 0) + (b.commits?.committed ?? 0), mine.length, 'each task committed once');
    assert.ok((a.commits?.committedByOthers ?? 0) + (b.commits?.committedByOthers ?? 0) <= mine.length, 'a task the other committed first is counted, not committed again');
    assert.deepEqual((await committedIds('ckan')).filter((id) => mine.includes(id)).sort(), [...mine].sort());
    const fin = await step('insert-datasets-info', 'final');
    assert.equal(fin.summary?.status, 'success', JSON.stringify(fin.summary?.failures));
    const info = await latestArtifactInfo(fin.artifactsDir, SITE, 'ckan_api');
    assert.equal(info?.manifest.tables['datasets'], 5);
  });
});
