/**
 * Nothing changed is trusted: a stage checks a published source artifact against its
 * manifest before reading it, and lineage records the sha256 of what was read.
 */
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCkanApiDatabase } from '../../src/sources/ckan/db/index.js';
import { latestArtifactInfo, listArtifacts, publishArtifact, sha256File } from '../../src/store/index.js';
import { generatePackages, writePageFiles } from '../support/ckan-corpus.js';
import { repoRoot, runCli, type CliResult } from '../support/cli.js';

describe('a hand-modified source artifact (built CLI)', () => {
  let dir: string;
  let artifactsDir: string;
  const models = path.join(repoRoot, 'models');
  const cli = (args: string[]): CliResult => runCli(['run-models', '--site', 'demo', '--models-dir', models, ...args], { cwd: dir });

  async function ckanDb(name: string, editTitles: boolean): Promise<string> {
    const packages = generatePackages(50, 5).map((p) => (editTitles ? { ...p, title: `EDITED ${String(p.title)}` } : p));
    const work = path.join(dir, name);
    await buildCkanApiDatabase(path.join(work, 'ckan_api.db'), await writePageFiles(work, packages, 25));
    return path.join(work, 'ckan_api.db');
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-trust-'));
    artifactsDir = path.join(dir, 'artifacts');
    await mkdir(path.join(dir, 'configs'));
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), 'site: demo\nckan:\n  url: http://127.0.0.1:9/api/3/action\nhttp:\n  retries: 0\n');
    const source = await ckanDb('raw', false);
    await publishArtifact({ artifactsDir, site: 'demo', name: 'ckan_api', sourcePath: source, toolVersion: '0', now: () => new Date(Date.UTC(2026, 0, 1)) });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('lineage records the sha256 of each input artifact', async () => {
    const r = cli(['--select', 'ckan_clean']);
    assert.equal(r.status, 0, r.stderr);
    const clean = await latestArtifactInfo(artifactsDir, 'demo', 'clean_ckan_api');
    const [raw] = await listArtifacts(artifactsDir, { site: 'demo', name: 'ckan_api' });
    assert.ok(clean && raw);
    assert.deepEqual(clean.manifest.lineage.artifactSha256, { [raw.manifest.path]: raw.manifest.sha256 });
  });

  test('an overwritten ckan_api (same mode 0444, edited titles) fails the build naming the file and `artifacts verify`', async () => {
    const [raw] = await listArtifacts(artifactsDir, { site: 'demo', name: 'ckan_api' });
    assert.ok(raw);
    const published = path.join(artifactsDir, raw.manifest.path);
    const edited = await ckanDb('edited', true);
    await chmod(published, 0o644);
    await copyFile(edited, published);
    await chmod(published, 0o444);
    assert.notEqual((await sha256File(published)).sha256, raw.manifest.sha256);
    assert.equal(fs.statSync(published).mode & 0o777, 0o444);
    const r = cli(['--select', 'ckan_clean', '--force', 'BuildModels']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /ERR_ARTIFACT_CHANGED/);
    assert.ok(r.stderr.includes(published), r.stderr);
    assert.match(r.stderr, /artifacts verify/);
    assert.equal((await listArtifacts(artifactsDir, { site: 'demo', name: 'clean_ckan_api' })).length, 1, 'nothing built from the tampered file is published');
  });
});
