import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { latestArtifact, listArtifacts, pruneArtifacts, publishArtifact } from '../../src/store/index.js';
import { TestClock, createDuckDb, makeTempDir, removeDir } from './helpers.js';

const DAY = 86_400_000;

describe('pruneArtifacts', () => {
  let dir: string;
  let artifactsDir: string;
  const clock = new TestClock('2024-01-01T00:00:00Z');

  // Five ckan_api artifacts one day apart (Jan 1..5) and one usage artifact (Jan 1).
  beforeEach(async () => {
    dir = await makeTempDir();
    artifactsDir = path.join(dir, 'artifacts');
    const source = path.join(dir, 'source.db');
    await createDuckDb(source, { t: 1 });
    clock.set('2024-01-01T00:00:00Z');
    await publishArtifact({ artifactsDir, site: 's', name: 'usage', sourcePath: source, toolVersion: '0', now: clock.now });
    for (let i = 0; i < 5; i++) {
      await publishArtifact({ artifactsDir, site: 's', name: 'ckan_api', sourcePath: source, toolVersion: '0', now: clock.now });
      clock.advance(DAY);
    }
  });
  afterEach(() => removeDir(dir));

  const timestamps = async (name: string) => (await listArtifacts(artifactsDir, { name })).map((a) => a.timestamp.slice(0, 8));

  test('removes incomplete publishes (a database without its manifest), not one that just appeared', async () => {
    const [oldest] = await listArtifacts(artifactsDir, { name: 'ckan_api' });
    assert.ok(oldest);
    await fsp.rm(path.join(artifactsDir, oldest.manifestPath));
    const soon = await pruneArtifacts(artifactsDir, { keep: 10, olderThanMs: 100 * DAY, now: () => new Date() });
    assert.deepEqual(soon.incomplete, [], 'a publish in progress writes its manifest within the minute');
    const later = () => new Date(Date.now() + 120_000);
    const dry = await pruneArtifacts(artifactsDir, { keep: 10, olderThanMs: 100 * DAY, now: later, dryRun: true });
    assert.deepEqual(dry.incomplete.map((a) => a.path), [oldest.path]);
    assert.ok(await fsp.stat(oldest.absolutePath));
    const report = await pruneArtifacts(artifactsDir, { keep: 10, olderThanMs: 100 * DAY, now: later });
    assert.deepEqual(report.incomplete.map((a) => a.path), [oldest.path]);
    assert.deepEqual(report.removed, []);
    await assert.rejects(fsp.stat(oldest.absolutePath), { code: 'ENOENT' });
    assert.equal(report.kept, 5);
  });

  test('removes only what is beyond keep AND older than the duration', async () => {
    const now = () => new Date('2024-01-10T00:00:00Z');
    // keep 2 → Jan 1..3 are candidates; older than 7.5 days → only Jan 1 (9 days) and Jan 2 (8 days).
    const report = await pruneArtifacts(artifactsDir, { keep: 2, olderThanMs: 7.5 * DAY, now });
    assert.deepEqual(report.removed.map((r) => r.timestamp), ['20240102T000000Z', '20240101T000000Z']);
    assert.equal(report.dryRun, false);
    assert.equal(report.kept, 4);
    assert.ok(report.freedBytes > 0);
    assert.deepEqual(await timestamps('ckan_api'), ['20240103', '20240104', '20240105']);
    assert.deepEqual(await timestamps('usage'), ['20240101']);
    const files = await fsp.readdir(path.join(artifactsDir, 'read_only', 's'));
    assert.ok(!files.some((f) => f.startsWith('ckan_api_20240101') || f.startsWith('ckan_api_20240102')), files.join(','));
  });

  test('keep alone does not remove anything younger than the duration', async () => {
    const report = await pruneArtifacts(artifactsDir, { keep: 1, olderThanMs: 30 * DAY, now: () => new Date('2024-01-10T00:00:00Z') });
    assert.deepEqual(report.removed, []);
    assert.equal((await timestamps('ckan_api')).length, 5);
  });

  test('never removes the latest of a name, even with keep 0 and age 0', async () => {
    const report = await pruneArtifacts(artifactsDir, { keep: 0, olderThanMs: 0, now: () => new Date('2030-01-01T00:00:00Z') });
    assert.equal(report.removed.length, 4);
    assert.deepEqual(await timestamps('ckan_api'), ['20240105']);
    assert.deepEqual(await timestamps('usage'), ['20240101']);
    assert.equal(await latestArtifact(artifactsDir, 's', 'ckan_api'), path.join(artifactsDir, 'read_only/s/ckan_api_20240105T000000Z.db'));
  });

  test('dry-run reports the same selection and removes nothing', async () => {
    const before = await fsp.readdir(path.join(artifactsDir, 'read_only', 's'));
    const opts = { keep: 1, olderThanMs: DAY, now: () => new Date('2024-01-10T00:00:00Z') };
    const dry = await pruneArtifacts(artifactsDir, { ...opts, dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.equal(dry.removed.length, 4);
    assert.deepEqual(await fsp.readdir(path.join(artifactsDir, 'read_only', 's')), before);
    const real = await pruneArtifacts(artifactsDir, opts);
    assert.deepEqual(real.removed, dry.removed);
  });

  test('filters by name; an incomplete file of another name is left alone', async () => {
    const stray = path.join(artifactsDir, 'read_only', 's', 'other_20200101T000000Z.db');
    await fsp.writeFile(stray, 'no manifest');
    const report = await pruneArtifacts(artifactsDir, { keep: 0, olderThanMs: 0, name: 'usage', now: () => new Date('2030-01-01T00:00:00Z') });
    assert.deepEqual(report.removed, []);
    assert.deepEqual(report.incomplete, []);
    assert.equal(await fsp.readFile(stray, 'utf8'), 'no manifest');
    assert.equal((await timestamps('ckan_api')).length, 5);
  });

  test('rejects a negative or fractional keep and a negative age with ERR_USAGE', async () => {
    const now = () => new Date();
    await assert.rejects(pruneArtifacts(artifactsDir, { keep: -1, olderThanMs: 0, now }), { code: 'ERR_USAGE' });
    await assert.rejects(pruneArtifacts(artifactsDir, { keep: 1.5, olderThanMs: 0, now }), { code: 'ERR_USAGE' });
    await assert.rejects(pruneArtifacts(artifactsDir, { keep: 1, olderThanMs: -5, now }), { code: 'ERR_USAGE' });
  });
});
