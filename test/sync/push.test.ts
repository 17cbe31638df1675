/** syncArtifacts (push) against the real GCS emulator, started by this file. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { syncArtifacts, FILE_HASH_CACHE, type SyncProgress } from '../../src/sync/index.js';
import { emulatorSuite, md5Base64, publish, remoteNames, remoteText, writeFile } from './helpers.js';

describe('syncArtifacts against the GCS emulator', () => {
  const gcs = emulatorSuite();

  test('pushes read_only/ and runs/ (not raw/, not hidden files) under the prefix, checksums intact', async () => {
    const root = gcs.dir('push');
    const a = publish(root, 'data-gov-uk', 'ckan_api', '20250101T120000Z');
    writeFile(root, 'runs/run-1.jsonl', '{"event":"start"}\n');
    writeFile(root, 'raw/data-gov-uk/page-1.json', '{}');
    writeFile(root, 'read_only/data-gov-uk/.ckan_api_x.db.123.partial', 'half written');
    const events: SyncProgress[] = [];
    const result = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-push', prefix: 'team/dev/', onProgress: (e) => events.push(e) });
    assert.equal(result.uploaded, 3);
    assert.equal(result.prefix, 'team/dev');
    assert.deepEqual(await remoteNames(gcs.emu, 'b-push'), [`team/dev/${a.db}`, `team/dev/${a.manifest}`, 'team/dev/runs/run-1.jsonl'].sort());
    const [file] = await gcs.store.list('b-push', `team/dev/${a.db}`);
    assert.equal(file!.md5, md5Base64(fs.readFileSync(path.join(root, a.db))));
    assert.equal(await remoteText(gcs.emu, 'b-push', 'team/dev/runs/run-1.jsonl'), '{"event":"start"}\n');
    assert.equal(events.length, 3);
    assert.equal(events.at(-1)!.filesDone, 3);
    assert.equal(events.at(-1)!.bytesDone, result.uploadedBytes);
    // the manifest is uploaded after its database
    assert.ok(events.findIndex((e) => e.file === a.db) < events.findIndex((e) => e.file === a.manifest));
  });

  test('includeRaw pushes raw/ too', async () => {
    const root = gcs.dir('raw');
    writeFile(root, 'raw/site/page-1.json', '{"a":1}');
    const result = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-raw', includeRaw: true });
    assert.equal(result.uploaded, 1);
    assert.deepEqual(await remoteNames(gcs.emu, 'b-raw'), ['raw/site/page-1.json']);
  });

  test('roots pushes only those folders (one site of read_only/), and a second push of them uploads nothing', async () => {
    const root = gcs.dir('roots');
    const a = publish(root, 'site-a', 'usage', '20250101T120000Z');
    publish(root, 'site-b', 'usage', '20250101T120000Z');
    writeFile(root, 'runs/run-1.jsonl', '{}\n');
    const result = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-roots', prefix: 'p', roots: ['read_only/site-a'] });
    assert.equal(result.uploaded, 2);
    assert.deepEqual(await remoteNames(gcs.emu, 'b-roots'), [`p/${a.db}`, `p/${a.manifest}`].sort());
    const again = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-roots', prefix: 'p', roots: ['read_only/site-a', 'runs'] });
    assert.equal(again.uploaded, 1, 'only the run log is new');
    assert.equal(again.remoteObjects, 2);
  });

  test('a second push with nothing changed uploads nothing and hashes nothing; a changed file is re-uploaded', async () => {
    const root = gcs.dir('incr');
    publish(root, 's', 'usage', '20250101T000000Z');
    publish(root, 's', 'usage', '20250102T000000Z');
    writeFile(root, 'runs/r.jsonl', 'one\n');
    const first = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-incr' });
    assert.equal(first.uploaded, 5);
    assert.equal(first.hashed, 5);
    assert.ok(fs.existsSync(path.join(root, FILE_HASH_CACHE)));
    const second = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-incr' });
    assert.deepEqual([second.uploaded, second.hashed, second.unchanged, second.uploads.length], [0, 0, 5, 0]);
    writeFile(root, 'runs/r.jsonl', 'one\ntwo\n');
    const third = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-incr' });
    assert.deepEqual(third.uploads, [{ path: 'runs/r.jsonl', size: 8, reason: 'changed' }]);
    assert.equal(third.hashed, 1);
    assert.equal(await remoteText(gcs.emu, 'b-incr', 'runs/r.jsonl'), 'one\ntwo\n');
  });

  test('a remote object with different content (same size) is re-uploaded', async () => {
    const root = gcs.dir('differs');
    writeFile(root, 'runs/r.jsonl', 'aaaa');
    await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-differs' });
    await gcs.store.upload('b-differs', writeFile(gcs.dir('other'), 'x', 'bbbb'), 'runs/r.jsonl', { md5: md5Base64('bbbb'), resumable: false });
    const again = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-differs' });
    assert.deepEqual(again.uploads, [{ path: 'runs/r.jsonl', size: 4, reason: 'changed' }]);
    assert.equal(await remoteText(gcs.emu, 'b-differs', 'runs/r.jsonl'), 'aaaa');
  });

  test('dry run returns the plan and changes nothing remotely', async () => {
    const root = gcs.dir('dry');
    const a = publish(root, 's', 'usage', '20250101T000000Z');
    const result = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-dry', dryRun: true });
    assert.equal(result.dryRun, true);
    assert.equal(result.uploaded, 0);
    assert.deepEqual(result.uploads.map((u) => [u.path, u.reason]), [[a.db, 'missing'], [a.manifest, 'missing']]);
    assert.deepEqual(await remoteNames(gcs.emu, 'b-dry'), []);
  });

  test('remote objects missing locally are deleted only with delete, and only under the synced folders', async () => {
    const root = gcs.dir('delete');
    writeFile(root, 'runs/keep.jsonl', 'k');
    writeFile(root, 'runs/gone.jsonl', 'g');
    writeFile(root, 'raw/r.json', 'r');
    await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-del', includeRaw: true });
    await gcs.store.upload('b-del', writeFile(gcs.dir('x'), 'n', 'n'), 'notes/elsewhere.txt', { md5: md5Base64('n'), resumable: false });
    fs.rmSync(path.join(root, 'runs/gone.jsonl'));
    fs.rmSync(path.join(root, 'raw/r.json'));
    const noFlag = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-del' });
    assert.deepEqual([noFlag.deleted, noFlag.deletes], [0, []]);
    assert.equal((await remoteNames(gcs.emu, 'b-del')).length, 4);
    const planned = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-del', delete: true, dryRun: true });
    assert.deepEqual(planned.deletes, ['runs/gone.jsonl']);
    assert.equal((await remoteNames(gcs.emu, 'b-del')).length, 4);
    const withFlag = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-del', delete: true });
    assert.equal(withFlag.deleted, 1);
    // raw/ was not part of this sync, and notes/ never is: both stay
    assert.deepEqual(await remoteNames(gcs.emu, 'b-del'), ['notes/elsewhere.txt', 'raw/r.json', 'runs/keep.jsonl']);
  });

  test('odd file names (spaces, unicode, #, ?) round-trip', async () => {
    const root = gcs.dir('odd');
    const names = ['runs/with space.jsonl', 'runs/ünïcødé-数据.jsonl', 'runs/hash#tag.jsonl', 'runs/what?.jsonl', 'runs/pct%20.jsonl'];
    names.forEach((n, i) => writeFile(root, n, `content ${i}`));
    const first = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-odd', prefix: 'p q#' });
    assert.equal(first.uploaded, names.length);
    assert.deepEqual(await remoteNames(gcs.emu, 'b-odd'), names.map((n) => `p q#/${n}`).sort());
    for (const [i, n] of names.entries()) assert.equal(await remoteText(gcs.emu, 'b-odd', `p q#/${n}`), `content ${i}`);
    const second = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-odd', prefix: 'p q#' });
    assert.equal(second.uploaded, 0);
  });

  test('large files go as (unchunked) resumable uploads and validate', async () => {
    const root = gcs.dir('large');
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    writeFile(root, 'runs/big.bin', big);
    const result = await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-large', resumableThreshold: 1024 * 1024 });
    assert.equal(result.uploadedBytes, big.length);
    const [obj] = await gcs.store.list('b-large', 'runs/big.bin');
    assert.equal(obj!.md5, md5Base64(big));
  });

  test('refuses a missing artifacts directory, and a --delete that would empty the remote', async () => {
    await assert.rejects(syncArtifacts({ store: gcs.store, artifactsDir: path.join(gcs.dir('gone'), 'nope'), bucket: 'b-guard' }), /does not exist/);
    const root = gcs.dir('guard');
    writeFile(root, 'runs/a.jsonl', 'a');
    await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-guard' });
    fs.rmSync(path.join(root, 'runs/a.jsonl'));
    await assert.rejects(syncArtifacts({ store: gcs.store, artifactsDir: root, bucket: 'b-guard', delete: true }), /Refusing to delete all 1 objects/);
    assert.deepEqual(await remoteNames(gcs.emu, 'b-guard'), ['runs/a.jsonl']);
  });
});
