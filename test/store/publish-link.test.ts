import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { buildDatabaseAtomically } from '../../src/duckdb/index.js';
import { MallardError } from '../../src/engine/errors.js';
import { FileHasher, statFile } from '../../src/engine/file-hash.js';
import { checkArtifact, publishArtifact, readManifest, verifyArtifacts } from '../../src/store/index.js';
import { TestClock, createDuckDb, makeTempDir, removeDir } from './helpers.js';

async function hashes(file: string): Promise<{ sha256: string; md5: string }> {
  const bytes = await fsp.readFile(file);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), md5: createHash('md5').update(bytes).digest('base64') };
}

/** Rebuilds `file` as the stages do (a new file renamed over it), with `rows` rows. */
async function rebuild(file: string, rows: number): Promise<void> {
  await buildDatabaseAtomically(file, async (db) => {
    await db.run(`CREATE TABLE packages AS SELECT range AS id FROM range(${rows})`);
  });
}

describe('publishArtifact with link (a work database that is only ever replaced by a rename)', () => {
  let dir: string;
  let artifactsDir: string;
  let work: string;
  before(async () => {
    dir = await makeTempDir();
    artifactsDir = path.join(dir, 'artifacts');
    work = path.join(artifactsDir, 'work', 'site', 'ckan_api.db');
    await fsp.mkdir(path.dirname(work), { recursive: true });
  });
  after(() => removeDir(dir));

  test('publishes the build itself (same inode, 0444, no copy): bytes and manifest sha256 are the file\'s; its md5 is taken when sync asks', async () => {
    await createDuckDb(work, { packages: 30, resources: 4 });
    const before = await hashes(work);
    const published = await publishArtifact({ artifactsDir, site: 'site', name: 'ckan_api', sourcePath: work, link: true, toolVersion: '0', now: new TestClock('2024-05-01T00:00:00Z').now });
    const [w, p] = [fs.statSync(work), fs.statSync(published.absolutePath)];
    assert.equal(p.ino, w.ino, 'the published file is the build, not a copy');
    assert.equal(p.mode & 0o777, 0o444);
    assert.deepEqual(await hashes(published.absolutePath), before);
    assert.equal(published.manifest.sha256, before.sha256);
    assert.deepEqual(published.manifest.tables, { packages: 30, resources: 4 });
    const hasher = await FileHasher.load(artifactsDir);
    const cached = hasher.lookup(published.absolutePath, statFile(published.absolutePath)!);
    assert.equal(cached?.sha256, before.sha256);
    assert.equal(cached?.md5, undefined, 'a publish takes no md5 (only an upload needs it)');
    hasher.hashed = 0;
    assert.equal((await hasher.digestWithMd5(published.absolutePath)).md5, before.md5, 'sync gets the right md5');
    assert.equal(hasher.hashed, 1, 'hashed once, when asked for');
    assert.equal((await hasher.digestWithMd5(published.absolutePath)).md5, before.md5);
    assert.equal(hasher.hashed, 1, 'then cached');
    assert.equal(hasher.lookup(work, statFile(work)!)?.sha256, before.sha256, 'the work name is known too: its readers hash nothing');
    assert.deepEqual((await fsp.readdir(path.dirname(published.absolutePath))).sort(), ['ckan_api_20240501T000000Z.db', 'ckan_api_20240501T000000Z.manifest.json']);
  });

  test('the next build of the work file (rename over it) and its publish leave the earlier artifact unchanged; verify passes', async () => {
    const clock = new TestClock('2024-05-02T00:00:00Z');
    await rebuild(work, 10);
    const first = await publishArtifact({ artifactsDir, site: 'site', name: 'ckan_api', sourcePath: work, link: true, toolVersion: '0', now: clock.now });
    const firstBytes = await hashes(first.absolutePath);
    clock.advance(1000);
    await rebuild(work, 20);
    assert.notEqual(fs.statSync(work).ino, fs.statSync(first.absolutePath).ino, 'the rebuild is a new inode');
    const second = await publishArtifact({ artifactsDir, site: 'site', name: 'ckan_api', sourcePath: work, link: true, toolVersion: '0', now: clock.now });
    assert.deepEqual(await hashes(first.absolutePath), firstBytes);
    assert.equal(first.manifest.sha256, firstBytes.sha256);
    assert.deepEqual(second.manifest.tables, { packages: 20 });
    await checkArtifact(artifactsDir, first.absolutePath);
    await checkArtifact(artifactsDir, second.absolutePath);
    const report = await verifyArtifacts(artifactsDir);
    assert.deepEqual(report.problems, []);
  });

  test('a failed publish (not a database) leaves no artifact and the previous one untouched', async () => {
    const clock = new TestClock('2024-05-03T00:00:00Z');
    await rebuild(work, 5);
    const good = await publishArtifact({ artifactsDir, site: 'fail', name: 'ckan_api', sourcePath: work, link: true, toolVersion: '0', now: clock.now });
    const goodBytes = await hashes(good.absolutePath);
    const broken = path.join(path.dirname(work), 'broken.db');
    await fsp.writeFile(broken, 'not a database');
    clock.advance(5000);
    await assert.rejects(
      publishArtifact({ artifactsDir, site: 'fail', name: 'ckan_api', sourcePath: broken, link: true, toolVersion: '0', now: clock.now }),
      (err: unknown) => err instanceof MallardError && err.code === 'ERR_PUBLISH',
    );
    assert.deepEqual((await fsp.readdir(path.dirname(good.absolutePath))).sort(), ['ckan_api_20240503T000000Z.db', 'ckan_api_20240503T000000Z.manifest.json']);
    assert.deepEqual(await hashes(good.absolutePath), goodBytes);
    assert.equal((await readManifest(path.join(artifactsDir, good.manifestPath))).sha256, goodBytes.sha256);
  });

  test('copies where no hard link can be made (the source on another file system): the source keeps its mode and inode', { skip: !fs.existsSync('/dev/shm') }, async () => {
    const other = await fsp.mkdtemp('/dev/shm/mallard-publish-link-');
    try {
      const source = path.join(other, 'usage.db');
      await createDuckDb(source, { usage: 3 });
      const mode = fs.statSync(source).mode;
      const published = await publishArtifact({ artifactsDir, site: 'xdev', name: 'usage', sourcePath: source, link: true, toolVersion: '0', now: new TestClock('2024-05-04T00:00:00Z').now });
      assert.notEqual(fs.statSync(published.absolutePath).ino, fs.statSync(source).ino);
      assert.equal(fs.statSync(source).mode, mode);
      assert.equal(fs.statSync(published.absolutePath).mode & 0o777, 0o444);
      assert.equal(published.manifest.sha256, (await hashes(source)).sha256);
      const hasher = await FileHasher.load(artifactsDir);
      assert.equal(hasher.lookup(source, statFile(source)!), undefined, 'a copy says nothing of the source');
    } finally {
      await fsp.rm(other, { recursive: true, force: true });
    }
  });
});
