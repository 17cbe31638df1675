import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type LineageNode, type PublishedArtifact, artifactLineage, publishArtifact, resolveArtifactRef } from '../../src/store/index.js';
import { TestClock, createDuckDb, makeTempDir, removeDir } from './helpers.js';

/** A tree as nested [path, status, inputs] for compact comparisons. */
type Shape = [string, string, Shape[]];
const shape = (node: LineageNode): Shape => [node.path, node.status, node.inputs.map(shape)];

describe('artifactLineage', () => {
  let dir: string;
  let artifactsDir: string;
  let raw: PublishedArtifact;
  let ckan: PublishedArtifact;
  let clean: PublishedArtifact;
  let search: PublishedArtifact;
  let usage: PublishedArtifact;

  before(async () => {
    dir = await makeTempDir();
    artifactsDir = path.join(dir, 'artifacts');
    const source = path.join(dir, 'source.db');
    await createDuckDb(source, { t: 1 });
    const clock = new TestClock('2024-07-01T00:00:00Z');
    const publish = (name: string, inputs: PublishedArtifact[], rawInputs: { path: string }[] = []) =>
      publishArtifact({ artifactsDir, site: 'uk', name, sourcePath: source, toolVersion: '0', now: clock.now, lineage: { artifacts: inputs.map((i) => i.path), rawInputs } });
    raw = await publish('raw_pages', [], [{ path: 'raw/uk/ckan/pages.ndjson' }]);
    ckan = await publish('ckan_api', [raw]);
    clean = await publish('clean_ckan_api', [ckan]);
    search = await publish('sourcegraph_api', [], [{ path: 'raw/uk/sourcegraph' }]);
    usage = await publish('usage', [clean, search]);
  });
  after(() => removeDir(dir));

  test('follows manifests recursively, with raw inputs at each level', async () => {
    const tree = await artifactLineage(artifactsDir, usage.absolutePath);
    assert.deepEqual(shape(tree), [
      usage.path, 'ok', [
        [clean.path, 'ok', [[ckan.path, 'ok', [[raw.path, 'ok', []]]]]],
        [search.path, 'ok', []],
      ],
    ]);
    assert.deepEqual(tree.inputs[0]!.inputs[0]!.inputs[0]!.rawInputs, [{ path: 'raw/uk/ckan/pages.ndjson' }]);
    assert.equal(tree.inputs[1]!.sha256, search.manifest.sha256);
    assert.equal(tree.name, 'usage');
  });

  test('marks pruned inputs and inputs without a manifest instead of failing', async () => {
    const rawManifest = path.join(artifactsDir, raw.manifestPath);
    const saved = await fsp.readFile(rawManifest);
    await fsp.rm(rawManifest);
    try {
      const tree = await artifactLineage(artifactsDir, ckan.path);
      assert.deepEqual(shape(tree), [ckan.path, 'ok', [[raw.path, 'missing-manifest', []]]]);
    } finally {
      await fsp.writeFile(rawManifest, saved);
    }
  });

  test('stops at a cycle written into hand-edited manifests', async () => {
    const cyc = path.join(dir, 'cyc');
    const a = 'read_only/x/a_20240101T000000Z';
    const b = 'read_only/x/b_20240101T000000Z';
    await fsp.mkdir(path.join(cyc, 'read_only', 'x'), { recursive: true });
    const manifest = (stem: string, input: string) => ({
      manifestVersion: 1, name: stem.split('/')[2]!.split('_')[0], site: 'x', timestamp: '20240101T000000Z', path: `${stem}.db`, size: 1,
      sha256: '0'.repeat(64), tables: {}, lineage: { artifacts: [`${input}.db`], rawInputs: [] }, configHash: null, toolVersion: '0', runId: null, createdAt: '2024-01-01T00:00:00Z',
    });
    for (const [stem, input] of [[a, b], [b, a]] as const) {
      await fsp.writeFile(path.join(cyc, `${stem}.db`), 'x');
      await fsp.writeFile(path.join(cyc, `${stem}.manifest.json`), JSON.stringify(manifest(stem, input)));
    }
    const tree = await artifactLineage(cyc, `${a}.db`);
    assert.deepEqual(shape(tree), [`${a}.db`, 'ok', [[`${b}.db`, 'ok', [[`${a}.db`, 'cycle', []]]]]]);
  });

  test('resolves paths, name_timestamp and site/name_timestamp', async () => {
    assert.equal(await resolveArtifactRef(artifactsDir, usage.absolutePath), usage.path);
    assert.equal(await resolveArtifactRef(artifactsDir, usage.path), usage.path);
    assert.equal(await resolveArtifactRef(artifactsDir, path.join(artifactsDir, usage.manifestPath)), usage.path);
    assert.equal(await resolveArtifactRef(artifactsDir, `usage_${usage.timestamp}`), usage.path);
    assert.equal(await resolveArtifactRef(artifactsDir, `uk/usage_${usage.timestamp}.db`), usage.path);
    assert.equal(await resolveArtifactRef(artifactsDir, `artifacts/${usage.path}`, { cwd: dir }), usage.path);
  });

  test('unknown references fail with ERR_ARTIFACT_NOT_FOUND, ambiguous ones with ERR_USAGE', async () => {
    await assert.rejects(resolveArtifactRef(artifactsDir, 'usage_20000101T000000Z'), { code: 'ERR_ARTIFACT_NOT_FOUND' });
    await assert.rejects(artifactLineage(artifactsDir, 'no such thing'), { code: 'ERR_ARTIFACT_NOT_FOUND' });
    await assert.rejects(resolveArtifactRef(artifactsDir, `../uk/usage_${usage.timestamp}`), { code: 'ERR_ARTIFACT_NOT_FOUND' });
    const other = path.join(artifactsDir, 'read_only', 'fr');
    await fsp.mkdir(other);
    await fsp.copyFile(usage.absolutePath, path.join(other, path.basename(usage.path)));
    try {
      await assert.rejects(resolveArtifactRef(artifactsDir, `usage_${usage.timestamp}`), { code: 'ERR_USAGE', message: /several sites/ });
    } finally {
      await fsp.rm(other, { recursive: true });
    }
  });
});
