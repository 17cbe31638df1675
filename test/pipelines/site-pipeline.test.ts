/**
 * The site pipeline's graph comes from requires() alone: a dry run on an empty artifacts
 * directory shows every stage without touching the network; a model group reads only the
 * artifacts its models name (no source(): no CKAN stage, no portal); a rerun with nothing
 * changed is a no-op and a newer source artifact makes the reader rebuild.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { siteConfigSchema, type LoadedConfig, type SiteConfig } from '../../src/config/index.js';
import { FakeClock } from '../support/fake-clock.js';
import type { EngineEvent, GraphEvent } from '../../src/engine/events.js';
import { runSession } from '../../src/engine/session.js';
import type { Task } from '../../src/engine/task.js';
import { SitePipeline } from '../../src/pipelines/site-pipeline.js';
import { listArtifacts } from '../../src/store/index.js';
import { publishCleanTerms } from '../support/code-search.js';
import { repoRoot } from '../support/cli.js';

const SITE = 'graph-site';
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-site-pipeline-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function loaded(): LoadedConfig {
  // Port 9 refuses connections: any request to a portal or service would fail the run.
  const config = siteConfigSchema.parse({ site: SITE, ckan: { url: 'http://127.0.0.1:9/api/3/action' }, sourcegraph: { url: 'http://127.0.0.1:9' }, github: { url: 'http://127.0.0.1:9' } }) as SiteConfig;
  return { config, file: 'test', hash: 'h' };
}

function writeGroup(modelsDir: string, group: string, files: Record<string, string>): void {
  fs.mkdirSync(path.join(modelsDir, group), { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(modelsDir, group, name), text);
}

async function run(roots: Task[], extra: { dryRun?: boolean; at?: number } = {}) {
  const events: EngineEvent[] = [];
  const { summary } = await runSession(roots, { artifactsDir: dir, scope: SITE, clock: new FakeClock(extra.at ?? Date.UTC(2026, 5, 1)), dryRun: extra.dryRun === true, onEvent: (e) => events.push(e) });
  return { summary, events, graph: events.filter((e): e is GraphEvent => e.type === 'graph').at(-1) };
}

describe('the site pipeline graph', () => {
  test('a dry run of usage on nothing shows every stage upstream, runs nothing and asks no server', async () => {
    const pipeline = new SitePipeline(loaded(), { artifactsDir: dir, modelsDir: path.join(repoRoot, 'models') });
    const { summary, graph } = await run(await pipeline.models('usage'), { dryRun: true });
    assert.equal(summary.status, 'dry-run');
    const families = new Set(summary.groups.filter((g) => g.outcome === 'would-run').map((g) => g.family));
    for (const f of ['BuildModels', 'ArtifactPublished', 'InsertDatasetsInfo', 'CkanCrawl', 'CreateRawCkanDb', 'SourcegraphSearches', 'InsertSourcegraphResults', 'GithubRepos', 'InsertGithubRepos']) {
      assert.ok(families.has(f), `${f} would run: ${[...families].join(', ')}`);
    }
    assert.equal(summary.counts.wouldRun, 13, JSON.stringify(summary.groups));
    assert.deepEqual(graph?.families['ArtifactPublished'], { tasks: 4 });
    assert.ok(graph?.edges.some((e) => e.from === 'ArtifactPublished' && e.to === 'SourcegraphSearches' && e.count === 1));
    assert.ok(graph?.edges.some((e) => e.from === 'ArtifactPublished' && e.to === 'BuildModels' && e.count === 4), JSON.stringify(graph?.edges));
    assert.equal(fs.existsSync(path.join(dir, 'raw')), false, 'nothing fetched');
  });

  test('a group without source() never reaches the CKAN stage; a rerun does nothing', async () => {
    const models = path.join(dir, 'models');
    writeGroup(models, 'standalone', { 'numbers.sql': 'SELECT range AS n FROM range(5)', 'schema.yml': 'database: standalone\n' });
    const roots = () => new SitePipeline(loaded(), { artifactsDir: dir, modelsDir: models }).models('standalone');
    const first = await run(await roots());
    assert.equal(first.summary.status, 'success', JSON.stringify(first.summary.failures));
    assert.deepEqual(Object.keys(first.graph?.families ?? {}), ['BuildModels']);
    assert.deepEqual(first.graph?.edges, []);
    assert.equal((await listArtifacts(dir, { site: SITE, name: 'standalone' })).length, 1);
    const again = await run(await roots());
    assert.equal(again.summary.counts.ran, 0);
    assert.equal(again.summary.counts.alreadyComplete, 1);
  });

  test('a reader of a published artifact: no-op when nothing changed, rebuilt when a newer one is published', async () => {
    const models = path.join(dir, 'models');
    writeGroup(models, 'terms', {
      'term_count.sql': "SELECT count(*) AS n FROM {{ source('clean', 'dataset_search_terms') }}",
      'schema.yml': 'database: term_stats\nsources:\n  - name: clean\n    artifact: clean_ckan_api\n',
    });
    await publishCleanTerms(dir, SITE, [['d1', 'a.example/x.csv']], Date.UTC(2026, 0, 1));
    const roots = () => new SitePipeline(loaded(), { artifactsDir: dir, modelsDir: models }).models('terms');
    const first = await run(await roots());
    assert.equal(first.summary.status, 'success', JSON.stringify(first.summary.failures));
    assert.equal(first.summary.counts.ran, 1, 'only the build: clean_ckan_api is published');
    assert.equal((await run(await roots())).summary.counts.ran, 0);
    await publishCleanTerms(dir, SITE, [['d1', 'a.example/x.csv'], ['d2', 'b.example/y.csv']], Date.UTC(2026, 0, 2));
    const dry = await run(await roots(), { dryRun: true });
    assert.match(dry.summary.plan.map((p) => p.message).join('\n'), /inputs changed since its run: ArtifactPublished\(name=clean_ckan_api, site=graph-site\)/);
    const third = await run(await roots());
    assert.equal(third.summary.counts.ran, 1);
    assert.equal((await listArtifacts(dir, { site: SITE, name: 'term_stats' })).length, 2);
  });

  test('a source artifact nothing makes: the build is skipped and the failure names the artifact and where to put it', async () => {
    const models = path.join(dir, 'models');
    writeGroup(models, 'outside', {
      'rows.sql': "SELECT * FROM {{ source('ext', 'things') }}",
      'schema.yml': 'database: outside_stats\nsources:\n  - name: ext\n    artifact: census\n',
    });
    const { summary } = await run(await new SitePipeline(loaded(), { artifactsDir: dir, modelsDir: models }).models('outside'));
    assert.equal(summary.status, 'failed');
    assert.deepEqual(summary.failures.map((f) => [f.id, f.code]), [['ArtifactPublished(name=census, site=graph-site)', 'ERR_MISSING_SOURCE']]);
    assert.match(summary.failures[0]?.message ?? '', /no published census artifact for site graph-site under .*read_only/);
    assert.deepEqual(summary.skipped.map((k) => k.family), ['BuildModels']);
  });
});
