/** pullArtifacts against the real GCS emulator, started by this file. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pullArtifacts, syncArtifacts } from '../../src/sync/index.js';
import { isMallardError } from '../../src/engine/errors.js';
import type { GcsEmulator } from '../support/gcs-emulator.js';
import { emulatorSuite, modeOf, publish, writeFile } from './helpers.js';

/** Flips one byte of the emulator's stored copy of `content` (same size, different md5). */
function corruptStoredBlob(emu: GcsEmulator, content: Buffer): void {
  for (const name of fs.readdirSync(emu.blobDir)) {
    const file = path.join(emu.blobDir, name);
    const data = fs.readFileSync(file);
    if (data.equals(content)) {
      data[0] = data[0]! ^ 0xff;
      fs.writeFileSync(file, data);
      return;
    }
  }
  throw new Error('stored blob not found');
}

describe('pullArtifacts against the GCS emulator', () => {
  const gcs = emulatorSuite();

  test('restores files byte for byte, read_only/ as 0444, and skips identical files next time', async () => {
    const src = gcs.dir('src');
    const a = publish(src, 'data-gov-uk', 'ckan_api', '20250101T120000Z');
    writeFile(src, 'runs/r 1#.jsonl', 'line\n');
    await syncArtifacts({ store: gcs.store, artifactsDir: src, bucket: 'p-restore', prefix: 'env/dev' });
    const into = gcs.dir('into');
    const first = await pullArtifacts({ store: gcs.store, bucket: 'p-restore', prefix: 'env/dev', into });
    assert.equal(first.downloaded, 3);
    for (const rel of [a.db, a.manifest, 'runs/r 1#.jsonl']) {
      assert.ok(fs.readFileSync(path.join(into, rel)).equals(fs.readFileSync(path.join(src, rel))), rel);
    }
    assert.equal(modeOf(path.join(into, a.db)), 0o444);
    assert.equal(modeOf(path.join(into, a.manifest)), 0o444);
    assert.notEqual(modeOf(path.join(into, 'runs/r 1#.jsonl')), 0o444);
    assert.deepEqual(fs.readdirSync(path.join(into, 'read_only/data-gov-uk')).filter((n) => n.endsWith('.partial')), []);
    const second = await pullArtifacts({ store: gcs.store, bucket: 'p-restore', prefix: 'env/dev', into });
    assert.deepEqual([second.downloaded, second.unchanged], [0, 3]);
  });

  test('restores the read-only mode of an identical file and replaces a changed run log', async () => {
    const src = gcs.dir('src2');
    const a = publish(src, 's', 'usage', '20250101T000000Z');
    writeFile(src, 'runs/r.jsonl', 'remote\n');
    await syncArtifacts({ store: gcs.store, artifactsDir: src, bucket: 'p-modes' });
    const into = gcs.dir('into2');
    await pullArtifacts({ store: gcs.store, bucket: 'p-modes', into });
    fs.chmodSync(path.join(into, a.db), 0o644);
    writeFile(into, 'runs/r.jsonl', 'local!\n');
    const result = await pullArtifacts({ store: gcs.store, bucket: 'p-modes', into });
    assert.equal(result.modesRestored, 1);
    assert.equal(modeOf(path.join(into, a.db)), 0o444);
    assert.deepEqual(result.downloads, [{ path: 'runs/r.jsonl', size: 7, reason: 'changed' }]);
    assert.equal(fs.readFileSync(path.join(into, 'runs/r.jsonl'), 'utf8'), 'remote\n');
  });

  test('never rewrites a local read-only artifact that differs: conflict error naming it', async () => {
    const src = gcs.dir('src3');
    const a = publish(src, 's', 'usage', '20250101T000000Z');
    await syncArtifacts({ store: gcs.store, artifactsDir: src, bucket: 'p-conflict' });
    const into = gcs.dir('into3');
    writeFile(into, a.db, 'x'.repeat(2048), 0o444);
    await assert.rejects(pullArtifacts({ store: gcs.store, bucket: 'p-conflict', into }), (err: unknown) => {
      assert.ok(isMallardError(err));
      assert.equal(err.code, 'ERR_SYNC_CONFLICT');
      assert.match(err.message, /usage_20250101T000000Z\.db/);
      return true;
    });
    assert.equal(fs.readFileSync(path.join(into, a.db), 'utf8'), 'x'.repeat(2048));
  });

  test('a stored object whose bytes no longer match its checksum fails verification and is not written', async () => {
    const src = gcs.dir('src4');
    const content = Buffer.from(`unique content ${Date.now()} ${Math.random()}\n`.repeat(50));
    writeFile(src, 'runs/damaged.jsonl', content);
    writeFile(src, 'runs/fine.jsonl', 'fine\n');
    await syncArtifacts({ store: gcs.store, artifactsDir: src, bucket: 'p-damaged' });
    corruptStoredBlob(gcs.emu, content);
    const into = gcs.dir('into4');
    await assert.rejects(pullArtifacts({ store: gcs.store, bucket: 'p-damaged', into }), (err: unknown) => {
      assert.ok(isMallardError(err));
      assert.equal(err.code, 'ERR_SYNC_CHECKSUM');
      assert.match(err.message, /gs:\/\/p-damaged\/runs\/damaged\.jsonl/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(into, 'runs/damaged.jsonl')), false);
    assert.equal(fs.readFileSync(path.join(into, 'runs/fine.jsonl'), 'utf8'), 'fine\n');
    assert.deepEqual(fs.readdirSync(path.join(into, 'runs')), ['fine.jsonl']);
  });

  test('dry run lists what would be restored and writes nothing', async () => {
    const src = gcs.dir('src5');
    writeFile(src, 'runs/a.jsonl', 'a');
    await syncArtifacts({ store: gcs.store, artifactsDir: src, bucket: 'p-dry' });
    const into = gcs.dir('into5');
    const result = await pullArtifacts({ store: gcs.store, bucket: 'p-dry', into, dryRun: true });
    assert.deepEqual(result.downloads, [{ path: 'runs/a.jsonl', size: 1, reason: 'missing' }]);
    assert.equal(fs.existsSync(path.join(into, 'runs')), false);
  });
});
