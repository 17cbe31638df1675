import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { type PublishedArtifact, publishArtifact, verifyArtifacts } from '../../src/store/index.js';
import { TestClock, createDuckDb, makeTempDir, removeDir } from './helpers.js';

describe('verifyArtifacts', () => {
  let dir: string;
  let artifactsDir: string;
  let first: PublishedArtifact;
  let second: PublishedArtifact;

  beforeEach(async () => {
    dir = await makeTempDir();
    artifactsDir = path.join(dir, 'artifacts');
    const source = path.join(dir, 'source.db');
    await createDuckDb(source, { t: 10 });
    const clock = new TestClock('2024-06-01T00:00:00Z');
    first = await publishArtifact({ artifactsDir, site: 'a', name: 'ckan_api', sourcePath: source, toolVersion: '0', now: clock.now });
    second = await publishArtifact({ artifactsDir, site: 'b', name: 'usage', sourcePath: source, toolVersion: '0', now: clock.now });
  });
  afterEach(() => removeDir(dir));

  test('intact artifacts verify', async () => {
    assert.deepEqual(await verifyArtifacts(artifactsDir), { ok: true, checked: 2, verified: 2, problems: [], incomplete: [] });
  });

  test('catches a changed file (same size) and its writable mode', async () => {
    await fsp.chmod(first.absolutePath, 0o644);
    const handle = await fsp.open(first.absolutePath, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 100);
    await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 100);
    await handle.close();
    const report = await verifyArtifacts(artifactsDir);
    assert.equal(report.ok, false);
    assert.equal(report.verified, 1);
    assert.deepEqual(report.problems.map((p) => [p.kind, p.path]), [
      ['wrong-mode', first.path],
      ['hash-mismatch', first.path],
    ]);
    const hash = report.problems[1]!;
    assert.equal(hash.expected, first.manifest.sha256);
    assert.notEqual(hash.actual, first.manifest.sha256);
    assert.equal(report.problems[0]!.actual, '0644');
  });

  test('catches a truncated file as a size mismatch', async () => {
    await fsp.chmod(second.absolutePath, 0o644);
    await fsp.truncate(second.absolutePath, 100);
    await fsp.chmod(second.absolutePath, 0o444);
    const report = await verifyArtifacts(artifactsDir, { site: 'b' });
    assert.equal(report.checked, 1);
    assert.deepEqual(report.problems.map((p) => [p.kind, p.expected, p.actual]), [['size-mismatch', second.manifest.size, 100]]);
  });

  test('reports a missing manifest, a manifest without its file and a broken manifest', async () => {
    await fsp.rm(path.join(artifactsDir, first.manifestPath));
    await fsp.rm(second.absolutePath);
    await fsp.writeFile(path.join(artifactsDir, 'read_only/b/usage_20240101T000000Z.manifest.json'), '{oops');
    const report = await verifyArtifacts(artifactsDir);
    assert.equal(report.ok, false);
    assert.equal(report.checked, 3);
    assert.equal(report.verified, 0);
    assert.deepEqual(report.problems.map((p) => [p.kind, p.path]), [
      ['bad-manifest', 'read_only/b/usage_20240101T000000Z.db'],
      ['missing-file', second.path],
    ]);
    assert.deepEqual(report.incomplete.map((p) => [p.kind, p.path]), [['missing-manifest', first.path]]);
  });

  test('a database without a manifest (a publish cut short) is incomplete, not a failure', async () => {
    await fsp.rm(path.join(artifactsDir, first.manifestPath));
    const report = await verifyArtifacts(artifactsDir);
    assert.equal(report.ok, true);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.incomplete.map((p) => p.path), [first.path]);
    assert.match(report.incomplete[0]!.message, /incomplete publish.*artifacts prune/);
  });

  test('an empty or absent artifacts directory verifies', async () => {
    assert.deepEqual(await verifyArtifacts(path.join(dir, 'none')), { ok: true, checked: 0, verified: 0, problems: [], incomplete: [] });
  });
});
