/** run-models through the built CLI: sources from published artifacts, publish, rerun, dry run, failures, shrink guard. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCkanApiDatabase } from '../../src/sources/ckan/db/index.js';
import { latestArtifactInfo, listArtifacts, publishArtifact } from '../../src/store/index.js';
import { generatePackages, writePageFiles } from '../support/ckan-corpus.js';
import { repoRoot, runCli, type CliResult } from '../support/cli.js';

describe('run-models (built CLI)', () => {
  let dir: string;
  let artifactsDir: string;
  let second = 0;
  const models = path.join(repoRoot, 'models');
  const cli = (args: string[]): CliResult => runCli(['run-models', '--site', 'demo', ...args], { cwd: dir });

  /** Publishes a ckan_api artifact of `n` generated datasets (a new second each time). */
  async function publishRaw(n: number): Promise<void> {
    const work = path.join(dir, `raw-${n}-${second}`);
    const pages = await writePageFiles(work, generatePackages(n, 11), 100);
    await buildCkanApiDatabase(path.join(work, 'ckan_api.db'), pages);
    const at = Date.UTC(2026, 0, 1, 0, 0, second++);
    await publishArtifact({ artifactsDir, site: 'demo', name: 'ckan_api', sourcePath: path.join(work, 'ckan_api.db'), toolVersion: '0', now: () => new Date(at) });
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-cli-models-'));
    artifactsDir = path.join(dir, 'artifacts');
    await mkdir(path.join(dir, 'configs'));
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), 'site: demo\nckan:\n  url: http://127.0.0.1:9/api/3/action\nhttp:\n  retries: 0\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('without a published source it first makes it: an unreachable portal fails, and the build that needed it is skipped', () => {
    const r = cli(['--select', 'ckan_clean', '--models-dir', models]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /failed: CkanPage\(.*\): \[ERR_HTTP\] GET http:\/\/127\.0\.0\.1:9\/api\/3\/action\/package_search/);
    assert.match(r.stderr, /skipped InsertDatasetsInfo\(site=demo\): upstream failed: CkanCrawl\(/);
    assert.match(r.stderr, /skipped ArtifactPublished\(name=ckan_api, site=demo\): upstream failed: CkanCrawl\(/);
    assert.match(r.stderr, /skipped BuildModels\(database=clean_ckan_api, .*\): upstream failed: CkanCrawl\(/);
  });

  test('builds ckan_clean, publishes it with lineage, and a rerun does nothing', async () => {
    await publishRaw(200);
    const r = cli(['--select', 'ckan_clean', '--models-dir', models]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /tests: 19\/19 passed/);
    const clean = await latestArtifactInfo(artifactsDir, 'demo', 'clean_ckan_api');
    assert.ok(clean);
    assert.equal(clean.manifest.tables['datasets'], 200);
    const [raw] = await listArtifacts(artifactsDir, { site: 'demo', name: 'ckan_api' });
    assert.deepEqual(clean.manifest.lineage.artifacts, [raw?.manifest.path]);
    const again = cli(['--select', 'ckan_clean', '--models-dir', models]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /Nothing to do/);
    assert.equal((await listArtifacts(artifactsDir, { site: 'demo', name: 'clean_ckan_api' })).length, 1);
  });

  test('a published build deleted by hand is built and published again; a copy of it elsewhere still counts', async () => {
    const first = await latestArtifactInfo(artifactsDir, 'demo', 'clean_ckan_api');
    assert.ok(first, 'built by the test before');
    fs.rmSync(first.absolutePath);
    const why = cli(['--select', 'ckan_clean', '--models-dir', models, '--dry-run']);
    assert.equal(why.status, 0, why.stderr);
    assert.match(why.stdout, /BuildModels\(database=clean_ckan_api, [^)]*\): its build is no longer published: no clean_ckan_api artifact under read_only\/demo is work\/demo\/clean_ckan_api\.db \(deleted since\?\)/);
    const again = cli(['--select', 'ckan_clean', '--models-dir', models]);
    assert.equal(again.status, 0, again.stderr);
    const rebuilt = await latestArtifactInfo(artifactsDir, 'demo', 'clean_ckan_api');
    assert.ok(rebuilt && rebuilt.path !== first.path, 'a new artifact');
    assert.equal(rebuilt.manifest.tables['datasets'], 200);

    // The published copy as a file of its own (a restore makes them so): the same content still counts.
    const work = path.join(artifactsDir, 'work', 'demo', 'clean_ckan_api.db');
    fs.rmSync(rebuilt.absolutePath);
    fs.copyFileSync(work, rebuilt.absolutePath);
    fs.chmodSync(rebuilt.absolutePath, 0o444);
    const noop = cli(['--select', 'ckan_clean', '--models-dir', models]);
    assert.equal(noop.status, 0, noop.stderr);
    assert.match(noop.stderr, /Nothing to do/);
  });

  test('--dry-run prints the compiled SQL in build order and runs nothing', async () => {
    const r = cli(['--select', '+resources', '--dry-run', '--models-dir', models]);
    assert.equal(r.status, 0, r.stderr);
    // What would run and why comes first, like every command's --dry-run, then the SQL.
    const why = r.stdout.search(/^ {2}BuildModels\(database=clean_ckan_api, .*\): (missing output|no receipt|inputs changed)/m);
    assert.ok(why >= 0, r.stdout);
    assert.ok(why < r.stdout.indexOf('-- database clean_ckan_api'), 'the plan precedes the SQL');
    const order = [...r.stdout.matchAll(/^-- \d+\/3 (\w+) \((?:table|incremental)\)/gm)].map((m) => m[1]);
    assert.deepEqual(order, ['organizations', 'datasets', 'resources']);
    assert.match(r.stdout, /ATTACH '.*ckan_api_\d{8}T\d{6}Z\.db' AS ckan_api \(READ_ONLY\);/);
    assert.match(r.stdout, /FROM "ckan_api"\."resources" r\n\s+JOIN "datasets" d/);
    assert.match(r.stdout, /'http:\/\/127\.0\.0\.1:9' \|\| '\/dataset\/'/);
    const json = JSON.parse(cli(['--select', 'tags', '--dry-run', '--json', '--models-dir', models]).stdout);
    assert.deepEqual(json.builds.map((b: { models: Array<{ name: string }> }) => b.models.map((m) => m.name)), [['tags']]);
  });

  test('a shrinking source fails the build unless --allow-shrink; the work database stays as it was', async () => {
    await publishRaw(100);
    const work = path.join(artifactsDir, 'work', 'demo', 'clean_ckan_api.db');
    const before = await readFile(work);
    const r = cli(['--select', 'ckan_clean', '--models-dir', models]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /clean_ckan_api: .*datasets 200 -> 100 rows \(-50\.0%\).*more than the 10% allowed/);
    assert.match(r.stderr, /--allow-shrink/);
    assert.deepEqual(await readFile(work), before);
    const ok = cli(['--select', 'ckan_clean', '--allow-shrink', '--models-dir', models]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /datasets 200 -> 100 rows/);
    assert.equal((await latestArtifactInfo(artifactsDir, 'demo', 'clean_ckan_api'))?.manifest.tables['datasets'], 100);
  });

  test('a broken model exits 1 naming the model, file, line and DuckDB message', async () => {
    const own = path.join(dir, 'my-models');
    await mkdir(path.join(own, 'mine'), { recursive: true });
    await writeFile(path.join(own, 'mine', 'schema.yml'), 'sources: [{ name: ckan_api }]\n');
    await writeFile(path.join(own, 'mine', 'ok.sql'), "SELECT id FROM {{ source('ckan_api', 'datasets') }}");
    await writeFile(path.join(own, 'mine', 'bad.sql'), "-- broken on purpose\nSELECT id,\n  nope\nFROM {{ ref('ok') }}");
    const r = cli(['--select', 'mine', '--models-dir', own]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /model bad failed \(my-models\/mine\/bad\.sql:3\): Binder Error: Referenced column "nope" not found/);
    const cycle = path.join(own, 'mine', 'ok.sql');
    await writeFile(cycle, "SELECT * FROM {{ ref('bad') }}");
    const c = cli(['--select', 'mine', '--models-dir', own]);
    assert.equal(c.status, 2);
    assert.match(c.stderr, /models ref each other in a cycle: bad -> ok -> bad/);
  });
});
