/**
 * End to end: a CKAN test portal → ckan_api → clean_ckan_api → Sourcegraph searches →
 * sourcegraph_api → GitHub enrichment → github_api → usage.db with CSV/Parquet exports,
 * asserting the usage numbers of a corpus whose answer is known; reruns do no network work
 * except what is missing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { siteConfigSchema, type LoadedConfig, type SiteConfig } from '../../src/config/index.js';
import { FakeClock } from '../support/fake-clock.js';
import type { Task } from '../../src/engine/index.js';
import { runSession } from '../../src/engine/session.js';
import { createHttpClient } from '../../src/http/index.js';
import { exportDirFor, type ExportIndex } from '../../src/pipelines/exports.js';
import { codeSearchStage, SitePipeline } from '../../src/pipelines/site-pipeline.js';
import { createGithubClient } from '../../src/sources/github/index.js';
import { COVERAGE_FILE, readCoverage } from '../../src/sources/sourcegraph/index.js';
import { latestArtifactInfo, listArtifacts } from '../../src/store/index.js';
import { readDb } from '../support/ckan-db.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { repoRoot } from '../support/cli.js';
import { startGithubServer, type GithubTestServer } from '../support/github-server.js';
import { startSourcegraphServer, type SourcegraphTestServer } from '../support/sourcegraph-server.js';
import { D, EXPECTED_DATASETS, EXPECTED_ORGS, EXPECTED_REPOSITORY_DATASETS, usageGithub, usagePackages, usageSearchCorpus } from '../support/usage-corpus.js';

const SITE = 'usage-portal';
const clock = new FakeClock(Date.UTC(2026, 3, 1, 12));
let dir: string;
let ckan: CkanTestServer;
let sg: SourcegraphTestServer;
let gh: GithubTestServer;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-usage-e2e-'));
  ckan = await startCkanServer({ packages: usagePackages() });
  sg = await startSourcegraphServer({ corpus: usageSearchCorpus() });
  gh = await startGithubServer({ ...usageGithub(), now: () => clock.now() });
});
after(async () => {
  await Promise.all([ckan?.close(), sg?.close(), gh?.close()]);
  // Exported files are 0444 in writable folders: removable.
  fs.rmSync(dir, { recursive: true, force: true });
});

function loaded(): LoadedConfig {
  const config = siteConfigSchema.parse({ site: SITE, ckan: { url: ckan.actionUrl }, sourcegraph: { url: sg.url }, github: { url: gh.url } }) as SiteConfig;
  return { config, file: 'test', hash: 'h' };
}

function options() {
  const http = createHttpClient({ clock, retries: 3, random: () => 0, timeoutMs: 5000 });
  const github = createGithubClient({ baseUrl: gh.url, clock, random: () => 0 });
  return { artifactsDir: dir, modelsDir: path.join(repoRoot, 'models'), ckanClient: () => http, sourcegraphClient: () => http, githubClient: () => github };
}

/** What `run-models --select usage` runs: the usage build, requiring the artifacts it reads (made first when missing). */
async function usageRoots(): Promise<Task[]> {
  return new SitePipeline(loaded(), options()).models('usage');
}

const run = (roots: Task[]) => runSession(roots, { artifactsDir: dir, scope: SITE, workers: 3, clock, random: () => 0 });
const requests = (): number => ckan.requests.length + sg.requests.length + gh.requests.length;

type Row = Record<string, unknown>;
const day = (v: unknown): string | null => (v === null ? null : String(v).slice(0, 10));

describe('usage end to end', () => {
  test('from the CKAN portal to usage.db: the known numbers, exports, lineage', async () => {
    sg.schedule({ kind: 'cut', afterEvents: 1 }, { kind: 'status', status: 503 });
    gh.schedule({ kind: 'status', status: 502 });
    const { summary } = await run(await usageRoots());
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));

    const usage = await latestArtifactInfo(dir, SITE, 'usage');
    assert.ok(usage);
    const datasets = await readDb(usage.absolutePath, (db) => db.all('SELECT dataset_id, repositories::INTEGER AS r, files::INTEGER AS f, total_stars::INTEGER AS s, languages, last_pushed_at::VARCHAR AS p FROM dataset_usage ORDER BY dataset_id'));
    assert.deepEqual(datasets.map((r: Row) => ({ dataset_id: r['dataset_id'], repositories: r['r'], files: r['f'], total_stars: r['s'], languages: r['languages'], last_pushed: day(r['p']) })), EXPECTED_DATASETS);
    const orgs = await readDb(usage.absolutePath, (db) => db.all('SELECT organization_id, datasets::INTEGER AS d, datasets_used::INTEGER AS u, repositories::INTEGER AS r, files::INTEGER AS f, total_stars::INTEGER AS s, languages, last_pushed_at::VARCHAR AS p FROM organization_usage ORDER BY organization_id'));
    assert.deepEqual(orgs.map((r: Row) => ({ organization_id: r['organization_id'], datasets: r['d'], datasets_used: r['u'], repositories: r['r'], files: r['f'], total_stars: r['s'], languages: r['languages'], last_pushed: day(r['p']) })), EXPECTED_ORGS);
    const gone = await readDb(usage.absolutePath, (db) => db.all(`SELECT github_status, stars::INTEGER AS stars, files::INTEGER AS files, datasets::INTEGER AS datasets FROM repositories WHERE repository = 'github.com/gone/repo'`));
    assert.deepEqual(gone, [{ github_status: 'gone', stars: 0, files: 1, datasets: 1 }], 'a gone repository counts, with its file, at 0 stars');
    const pairs = await readDb(usage.absolutePath, (db) => db.all('SELECT repository, dataset_id FROM repository_datasets ORDER BY repository, dataset_id'));
    assert.deepEqual(pairs, EXPECTED_REPOSITORY_DATASETS.map(([repository, i]) => ({ repository, dataset_id: D[i] })));

    // searched_terms / limit_hit: each dataset's distinct searched terms and whether any hit a limit, as sourcegraph_api has them.
    const sgArtifact = await latestArtifactInfo(dir, SITE, 'sourcegraph_api');
    assert.ok(sgArtifact);
    const searched = await readDb(usage.absolutePath, (db) => db.all('SELECT dataset_id, searched_terms::INTEGER AS n, limit_hit FROM dataset_usage ORDER BY dataset_id'));
    const fromSearches = await readDb(sgArtifact.absolutePath, (db) => db.all('SELECT dataset_id, count(DISTINCT term)::INTEGER AS n, coalesce(bool_or(limit_hit), false) AS limit_hit FROM searches GROUP BY dataset_id ORDER BY dataset_id'));
    const byId = new Map(fromSearches.map((r: Row) => [r['dataset_id'], r]));
    assert.deepEqual(searched, searched.map((r: Row) => byId.get(r['dataset_id']) ?? { dataset_id: r['dataset_id'], n: 0, limit_hit: false }));
    assert.ok(searched.some((r: Row) => Number(r['n']) > 1), 'some dataset has several terms');
    const names = (await listArtifacts(dir, { site: SITE })).map((a) => a.name).sort();
    assert.deepEqual(names, ['ckan_api', 'clean_ckan_api', 'github_api', 'sourcegraph_api', 'usage']);
    const sources = await Promise.all(['clean_ckan_api', 'sourcegraph_api', 'github_api'].map(async (n) => (await latestArtifactInfo(dir, SITE, n))?.manifest.path));
    assert.deepEqual([...usage.manifest.lineage.artifacts].sort(), [...sources].sort());

    const exportDir = exportDirFor(usage.absolutePath);
    const index = JSON.parse(fs.readFileSync(path.join(exportDir, 'exports.json'), 'utf8')) as ExportIndex;
    assert.deepEqual(index.files.map((f) => path.basename(f.path)).sort(), ['dataset_usage', 'organization_usage', 'repositories', 'repository_datasets'].flatMap((t) => [`${t}.csv`, `${t}.parquet`]).sort());
    for (const f of [...index.files, { path: path.relative(dir, path.join(exportDir, 'exports.json')) }]) {
      assert.equal(fs.statSync(path.join(dir, f.path)).mode & 0o777, 0o444, `${f.path} is read-only`);
    }
    const csv = fs.readFileSync(path.join(exportDir, 'dataset_usage.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + 5);
    assert.match(csv[0] ?? '', /^dataset_id,name,title,organization_id,organization_name,repositories,files,/);
    assert.equal(index.files.find((f) => f.path.endsWith('organization_usage.parquet'))?.rows, 2);
    const parquet = await readDb(usage.absolutePath, (db) => db.all(`SELECT count(*)::INTEGER AS n, sum(total_stars)::INTEGER AS s FROM read_parquet('${path.join(exportDir, 'dataset_usage.parquet')}')`));
    assert.deepEqual(parquet, [{ n: 5, s: 70 + 11 + 23 + 3 }]);
  });

  test('a rerun does nothing and asks no server anything', async () => {
    const before = requests();
    const { summary } = await run(await usageRoots());
    assert.equal(summary.status, 'success');
    assert.equal(summary.counts.ran, 0);
    assert.equal(requests(), before);
    assert.equal((await listArtifacts(dir, { site: SITE, name: 'usage' })).length, 1);
  });

  test('a lost search result is searched again, alone; usage is rebuilt from the new sourcegraph_api', async () => {
    const sgDir = path.join(dir, 'raw', SITE, 'sourcegraph');
    const coverage = await readCoverage(path.join(sgDir, COVERAGE_FILE));
    fs.rmSync(path.join(sgDir, coverage.find((r) => r.terms.includes('files.example.org/shared.csv'))?.file ?? 'missing'));
    const before = { ckan: ckan.requests.length, sg: sg.requests.length, gh: gh.requests.length };
    // insert-sourcegraph-results alone notices the loss below its complete receipt: the one search, then the load, rerun.
    const insert = await run([(await codeSearchStage(loaded(), options())).insert]);
    assert.equal(insert.summary.status, 'success', JSON.stringify(insert.summary.failures));
    assert.deepEqual({ ckan: ckan.requests.length, sg: sg.requests.length - before.sg, gh: gh.requests.length }, { ckan: before.ckan, sg: 1, gh: before.gh });
    assert.ok(insert.summary.counts.ran >= 2, 'the searches and the load rerun: the input of the load was rewritten');
    assert.equal((await run([(await codeSearchStage(loaded(), options())).searches])).summary.counts.ran, 0, 'the download is complete again');
    const { summary } = await run(await usageRoots());
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.equal(summary.counts.ran, 1, 'only the usage build');
    const builds = await listArtifacts(dir, { site: SITE, name: 'usage' });
    assert.equal(builds.length, 2);
    assert.ok(builds.every((b) => fs.existsSync(path.join(exportDirFor(b.absolutePath), 'exports.json'))));
  });
});
