import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { latestArtifact, latestArtifactInfo, listArtifacts, publishArtifact, scanArtifacts } from '../../src/store/index.js';
import { TestClock, createDuckDb, makeTempDir, removeDir } from './helpers.js';

describe('listArtifacts and latestArtifact', () => {
  let dir: string;
  let artifactsDir: string;
  let source: string;
  const clock = new TestClock('2024-05-01T00:00:00Z');
  const publish = (site: string, name: string) =>
    publishArtifact({ artifactsDir, site, name, sourcePath: source, toolVersion: '0.1.0', now: clock.now });

  before(async () => {
    dir = await makeTempDir();
    artifactsDir = path.join(dir, 'artifacts');
    source = path.join(dir, 'source.db');
    await createDuckDb(source, { t: 2 });
    await publish('site-a', 'ckan_api');
    clock.advance(3_600_000);
    await publish('site-a', 'ckan_api');
    await publish('site-a', 'usage');
    await publish('site-b', 'ckan_api');
  });
  after(() => removeDir(dir));

  test('lists complete artifacts sorted, with filters', async () => {
    const all = await listArtifacts(artifactsDir);
    assert.deepEqual(
      all.map((a) => a.path),
      [
        'read_only/site-a/ckan_api_20240501T000000Z.db',
        'read_only/site-a/ckan_api_20240501T010000Z.db',
        'read_only/site-a/usage_20240501T010000Z.db',
        'read_only/site-b/ckan_api_20240501T010000Z.db',
      ],
    );
    assert.equal(all[0]!.manifest.tables['t'], 2);
    assert.deepEqual((await listArtifacts(artifactsDir, { site: 'site-b' })).map((a) => a.name), ['ckan_api']);
    assert.deepEqual((await listArtifacts(artifactsDir, { name: 'ckan_api' })).length, 3);
    assert.deepEqual(await listArtifacts(artifactsDir, { site: 'no-such-site' }), []);
    assert.deepEqual(await listArtifacts(path.join(dir, 'missing-dir')), []);
  });

  test('since: only the slots published at or after it, whose manifests alone are read', async () => {
    const since = await listArtifacts(artifactsDir, { since: '20240501T010000Z' });
    assert.deepEqual(since.map((a) => a.path), ['read_only/site-a/ckan_api_20240501T010000Z.db', 'read_only/site-a/usage_20240501T010000Z.db', 'read_only/site-b/ckan_api_20240501T010000Z.db']);
    // An older slot whose manifest cannot be read is not even looked at.
    const older = path.join(artifactsDir, 'read_only', 'site-a', 'ckan_api_20240501T000000Z.manifest.json');
    const saved = await fsp.readFile(older);
    await fsp.writeFile(older, '{ not json');
    try {
      assert.deepEqual((await scanArtifacts(artifactsDir, { since: '20240501T000001Z' })).map((e) => e.manifestError ?? 'ok'), ['ok', 'ok', 'ok']);
      assert.match((await scanArtifacts(artifactsDir)).map((e) => e.manifestError ?? 'ok').join(' '), /ckan_api_20240501T000000Z\.manifest\.json/);
    } finally {
      await fsp.writeFile(older, saved);
    }
  });

  test('latest is the newest timestamp of that site and name', async () => {
    assert.equal(await latestArtifact(artifactsDir, 'site-a', 'ckan_api'), path.join(artifactsDir, 'read_only/site-a/ckan_api_20240501T010000Z.db'));
    assert.equal(await latestArtifact(artifactsDir, 'site-a', 'nothing'), undefined);
    assert.equal(await latestArtifact(artifactsDir, 'site-c', 'ckan_api'), undefined);
    assert.equal((await latestArtifactInfo(artifactsDir, 'site-b', 'ckan_api'))?.manifest.site, 'site-b');
  });

  test('latest and list ignore a newer database without a manifest, and a broken manifest', async () => {
    const siteDir = path.join(artifactsDir, 'read_only', 'site-a');
    await fsp.copyFile(path.join(siteDir, 'ckan_api_20240501T000000Z.db'), path.join(siteDir, 'ckan_api_20240601T000000Z.db'));
    await fsp.writeFile(path.join(siteDir, 'ckan_api_20240701T000000Z.db'), 'x');
    await fsp.writeFile(path.join(siteDir, 'ckan_api_20240701T000000Z.manifest.json'), '{"not": "a manifest"}');
    await fsp.writeFile(path.join(siteDir, '.ckan_api.db.123.abc.partial'), 'temp');
    try {
      assert.equal(await latestArtifact(artifactsDir, 'site-a', 'ckan_api'), path.join(siteDir, 'ckan_api_20240501T010000Z.db'));
      assert.equal((await listArtifacts(artifactsDir, { site: 'site-a', name: 'ckan_api' })).length, 2);
      const scanned = await scanArtifacts(artifactsDir, { site: 'site-a', name: 'ckan_api' });
      assert.deepEqual(
        scanned.map((e) => [e.timestamp, e.complete, e.hasManifest, e.manifestError === undefined]),
        [
          ['20240501T000000Z', true, true, true],
          ['20240501T010000Z', true, true, true],
          ['20240601T000000Z', false, false, true],
          ['20240701T000000Z', false, true, false],
        ],
      );
    } finally {
      for (const f of ['ckan_api_20240601T000000Z.db', 'ckan_api_20240701T000000Z.db', 'ckan_api_20240701T000000Z.manifest.json', '.ckan_api.db.123.abc.partial']) {
        await fsp.rm(path.join(siteDir, f));
      }
    }
  });

  test('a manifest that names another artifact does not make a slot complete', async () => {
    const siteDir = path.join(artifactsDir, 'read_only', 'site-b');
    const manifest = JSON.parse(await fsp.readFile(path.join(siteDir, 'ckan_api_20240501T010000Z.manifest.json'), 'utf8'));
    await fsp.copyFile(path.join(siteDir, 'ckan_api_20240501T010000Z.db'), path.join(siteDir, 'ckan_api_20240801T000000Z.db'));
    await fsp.writeFile(path.join(siteDir, 'ckan_api_20240801T000000Z.manifest.json'), JSON.stringify(manifest));
    try {
      assert.equal(await latestArtifact(artifactsDir, 'site-b', 'ckan_api'), path.join(siteDir, 'ckan_api_20240501T010000Z.db'));
      const [, copied] = await scanArtifacts(artifactsDir, { site: 'site-b' });
      assert.match(copied!.manifestError ?? '', /timestamp/);
    } finally {
      await fsp.rm(path.join(siteDir, 'ckan_api_20240801T000000Z.db'));
      await fsp.rm(path.join(siteDir, 'ckan_api_20240801T000000Z.manifest.json'));
    }
  });

  test('rejects bad filters with ERR_USAGE', async () => {
    await assert.rejects(listArtifacts(artifactsDir, { site: '../etc' }), { code: 'ERR_USAGE' });
    await assert.rejects(listArtifacts(artifactsDir, { name: 'Bad Name' }), { code: 'ERR_USAGE' });
    await assert.rejects(latestArtifact(artifactsDir, 'site-a', 'x.db'), { code: 'ERR_USAGE' });
  });
});
