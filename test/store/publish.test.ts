import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MallardError } from '../../src/engine/errors.js';
import { formatFileStamp, receiptFileStamp } from '../../src/engine/file-stamp.js';
import { digestFile, FileHasher, statFile } from '../../src/engine/file-hash.js';
import { publishArtifact, readManifest, manifestSchema } from '../../src/store/index.js';
import { TestClock, createDuckDb, makeTempDir, removeDir } from './helpers.js';

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(file)).digest('hex');
}

describe('publishArtifact', () => {
  let dir: string;
  let artifactsDir: string;
  let source: string;
  before(async () => {
    dir = await makeTempDir();
    artifactsDir = path.join(dir, 'artifacts');
    source = path.join(dir, 'build', 'ckan_api.db');
    await fsp.mkdir(path.dirname(source));
    await createDuckDb(source, { packages: 25, resources: 7, empty: 0, 'raw.pages': 3 });
  });
  after(() => removeDir(dir));

  test('the receipt of the task that published takes the publish\'s hash: the stamp of the file as published', async () => {
    const clock = new TestClock('2024-02-01T00:00:00.000Z');
    const published = await publishArtifact({ artifactsDir, site: 'receipts', name: 'ckan_api', sourcePath: source, toolVersion: '0.1.0', now: clock.now });
    const st = statFile(published.absolutePath);
    assert.ok(st);
    assert.equal(await receiptFileStamp(published.absolutePath), formatFileStamp(st, await sha256Of(published.absolutePath)));
  });

  test('the artifacts dir\'s file hasher knows the published file: the next process\'s trust check reads nothing', async () => {
    const clock = new TestClock('2024-02-02T00:00:00.000Z');
    const published = await publishArtifact({ artifactsDir, site: 'hasher', name: 'ckan_api', sourcePath: source, toolVersion: '0.1.0', now: clock.now });
    const st = statFile(published.absolutePath);
    assert.ok(st);
    const hasher = await FileHasher.load(artifactsDir); // as a new process would: from the cache file
    const known = hasher.lookup(published.absolutePath, st);
    assert.deepEqual(known, await digestFile(published.absolutePath));
  });

  test('writes the database read-only with a manifest describing it', async () => {
    const clock = new TestClock('2024-01-15T10:30:00.750Z');
    const upstream = await publishArtifact({ artifactsDir, site: 'data-gov-uk', name: 'raw_pages', sourcePath: source, toolVersion: '0.1.0', now: clock.now });
    clock.advance(60_000);
    const rawFile = path.join(artifactsDir, 'raw', 'data-gov-uk', 'pages.ndjson');
    const published = await publishArtifact({
      artifactsDir,
      site: 'data-gov-uk',
      name: 'ckan_api',
      sourcePath: source,
      lineage: { artifacts: [upstream.absolutePath], rawInputs: [{ path: rawFile, sha256: 'ab'.repeat(32), bytes: 42 }, { path: '/elsewhere/x.json' }] },
      configHash: 'cfg123',
      runId: 'run-7',
      toolVersion: '0.1.0',
      now: clock.now,
    });
    const expectedPath = 'read_only/data-gov-uk/ckan_api_20240115T103100Z.db';
    assert.equal(published.path, expectedPath);
    assert.equal(published.absolutePath, path.join(artifactsDir, expectedPath));
    const onDisk = await readManifest(path.join(artifactsDir, 'read_only/data-gov-uk/ckan_api_20240115T103100Z.manifest.json'));
    assert.deepEqual(onDisk, published.manifest);
    assert.ok(manifestSchema.safeParse(onDisk).success);
    const stat = await fsp.stat(published.absolutePath);
    assert.equal(onDisk.size, stat.size);
    assert.equal(onDisk.sha256, await sha256Of(published.absolutePath));
    assert.equal(onDisk.sha256, await sha256Of(source));
    assert.deepEqual(onDisk.tables, { empty: 0, packages: 25, 'raw.pages': 3, resources: 7 });
    assert.deepEqual(onDisk.lineage, {
      artifacts: ['read_only/data-gov-uk/raw_pages_20240115T103000Z.db'],
      artifactSha256: { 'read_only/data-gov-uk/raw_pages_20240115T103000Z.db': await sha256Of(upstream.absolutePath) },
      rawInputs: [{ path: 'raw/data-gov-uk/pages.ndjson', sha256: 'ab'.repeat(32), bytes: 42 }, { path: '/elsewhere/x.json' }],
    });
    assert.equal(onDisk.name, 'ckan_api');
    assert.equal(onDisk.site, 'data-gov-uk');
    assert.equal(onDisk.timestamp, '20240115T103100Z');
    assert.equal(onDisk.configHash, 'cfg123');
    assert.equal(onDisk.runId, 'run-7');
    assert.equal(onDisk.toolVersion, '0.1.0');
    assert.equal(onDisk.createdAt, '2024-01-15T10:31:00.750Z');
    assert.equal(upstream.manifest.configHash, null);
    assert.equal(upstream.manifest.runId, null);
  });

  test('sets mode 0444 on database and manifest and leaves no temp files', async () => {
    const clock = new TestClock('2024-02-01T00:00:00Z');
    const sourceMode = (await fsp.stat(source)).mode;
    const published = await publishArtifact({ artifactsDir, site: 'mode-site', name: 'usage', sourcePath: source, toolVersion: '0.1.0', now: clock.now });
    assert.equal((await fsp.stat(published.absolutePath)).mode & 0o777, 0o444);
    assert.equal((await fsp.stat(path.join(artifactsDir, published.manifestPath))).mode & 0o777, 0o444);
    assert.deepEqual((await fsp.readdir(path.join(artifactsDir, 'read_only', 'mode-site'))).sort(), [
      'usage_20240201T000000Z.db',
      'usage_20240201T000000Z.manifest.json',
    ]);
    assert.equal((await fsp.stat(source)).mode, sourceMode, 'the source is left as it was');
  });

  test('publishes of one name in the same second take the next free seconds', async () => {
    const clock = new TestClock('2024-03-01T12:00:00.100Z');
    const opts = { artifactsDir, site: 'same-second', name: 'usage', sourcePath: source, toolVersion: '0.1.0', now: clock.now };
    const first = await publishArtifact(opts);
    clock.set('2024-03-01T12:00:00.900Z');
    const second = await publishArtifact(opts);
    const third = await publishArtifact(opts);
    assert.deepEqual([first.timestamp, second.timestamp, third.timestamp], ['20240301T120000Z', '20240301T120001Z', '20240301T120002Z']);
    const other = await publishArtifact({ ...opts, name: 'other' });
    assert.equal(other.timestamp, '20240301T120000Z');
  });

  test('concurrent publishes in the same second never collide', async () => {
    const clock = new TestClock('2024-03-02T08:00:00Z');
    const opts = { artifactsDir, site: 'concurrent', name: 'usage', sourcePath: source, toolVersion: '0.1.0', now: clock.now };
    const results = await Promise.all([publishArtifact(opts), publishArtifact(opts), publishArtifact(opts)]);
    assert.deepEqual(results.map((r) => r.timestamp).sort(), ['20240302T080000Z', '20240302T080001Z', '20240302T080002Z']);
  });

  test('rejects bad names and sites with ERR_USAGE', async () => {
    const now = () => new Date('2024-01-01T00:00:00Z');
    for (const [site, name] of [['s', 'Bad-Name'], ['s', 'x/y'], ['../up', 'ok'], ['', 'ok']] as const) {
      await assert.rejects(publishArtifact({ artifactsDir, site, name, sourcePath: source, toolVersion: '0', now }), (err: unknown) => {
        assert.ok(err instanceof MallardError);
        assert.equal(err.code, 'ERR_USAGE');
        return true;
      });
    }
  });

  test('refuses a source with an un-checkpointed WAL, a missing source, a non-DuckDB file; leaves nothing', async () => {
    const now = () => new Date('2024-04-01T00:00:00Z');
    const walSource = path.join(dir, 'build', 'walled.db');
    await fsp.copyFile(source, walSource);
    await fsp.writeFile(walSource + '.wal', 'pending');
    const notDb = path.join(dir, 'build', 'not.db');
    await fsp.writeFile(notDb, 'this is not a database');
    for (const [sourcePath, pattern] of [[walSource, /write-ahead log/], [path.join(dir, 'nope.db'), /nope\.db/], [notDb, /not\.db/]] as const) {
      await assert.rejects(
        publishArtifact({ artifactsDir, site: 'refused', name: 'usage', sourcePath, toolVersion: '0', now }),
        (err: unknown) => err instanceof MallardError && err.code === 'ERR_PUBLISH' && pattern.test(err.message),
      );
    }
    const left = await fsp.readdir(path.join(artifactsDir, 'read_only', 'refused')).catch(() => []);
    assert.deepEqual(left, []);
  });

  test('refuses lineage naming an artifact that does not exist', async () => {
    await assert.rejects(
      publishArtifact({
        artifactsDir,
        site: 'lineage-check',
        name: 'usage',
        sourcePath: source,
        lineage: { artifacts: ['read_only/lineage-check/ghost_20200101T000000Z.db'] },
        toolVersion: '0',
        now: () => new Date('2024-01-01T00:00:00Z'),
      }),
      /ghost_20200101T000000Z\.db does not exist/,
    );
  });
});
