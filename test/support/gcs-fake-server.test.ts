/** The fake GCS server spoken to by the real @google-cloud/storage client: paging, media, uploads, preconditions, copies, errors. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { createGcsStore, ERR_GCS_BUCKET_MISSING, ERR_SYNC_CONFLICT } from '../../src/sync/index.js';
import { rejection } from './expect-error.js';
import { startGcsFakeServer, type GcsFakeServer } from './gcs-fake-server.js';

describe('the fake GCS server with the real client', () => {
  let server: GcsFakeServer;
  let storage: Storage;
  before(async () => {
    server = await startGcsFakeServer({ buckets: ['bkt', 'other'] });
    storage = new Storage({ apiEndpoint: server.host, projectId: 'test' });
  });
  after(() => server.stop());

  test('lists page by page (1,000 at most), by prefix, with folders under a delimiter', async () => {
    for (let i = 0; i < 2500; i++) server.putObject('bkt', `many/${String(i).padStart(5, '0')}`, `${i}`);
    server.putObject('bkt', 'many-not/x', 'x');
    const lists = server.requests.filter((r) => r.op === 'list').length;
    const [files] = await storage.bucket('bkt').getFiles({ prefix: 'many/', autoPaginate: true });
    assert.equal(files.length, 2500);
    assert.equal(files[0]!.name, 'many/00000');
    assert.equal(files[2499]!.name, 'many/02499');
    assert.equal(server.requests.filter((r) => r.op === 'list').length - lists, 3);
    const [page, next] = await storage.bucket('bkt').getFiles({ prefix: 'many/', maxResults: 10, autoPaginate: false });
    assert.equal(page.length, 10);
    assert.ok(next && (next as { pageToken?: string }).pageToken);
    const [, , api] = await storage.bucket('bkt').getFiles({ prefix: '', delimiter: '/', autoPaginate: false });
    assert.deepEqual((api as { prefixes?: string[] }).prefixes, ['many-not/', 'many/']);
  });

  test('media downloads carry the generation and hashes the client validates; an old generation is gone', async () => {
    const file = storage.bucket('bkt').file('dl/a.txt');
    await file.save('version one', { resumable: false });
    const [md1] = await file.getMetadata();
    await file.save('version two', { resumable: false });
    const [data] = await file.download({ validation: 'md5' });
    assert.equal(data.toString(), 'version two');
    const [crc] = await file.download({ validation: 'crc32c' });
    assert.equal(crc.toString(), 'version two');
    const old = await storage.bucket('bkt').file('dl/a.txt', { generation: md1.generation }).download().catch((e: { code?: number }) => e);
    assert.equal((old as { code?: number }).code, 404);
    const [md2] = await file.getMetadata();
    assert.equal(md2.md5Hash, createHash('md5').update('version two').digest('base64'));
    assert.ok(Number(md2.generation) > Number(md1.generation));
  });

  test('a resumable upload in several chunks arrives whole, and a create-only one onto an existing object is refused', async () => {
    const data = Buffer.alloc(600 * 1024, 3);
    const file = storage.bucket('bkt').file('res/chunked.bin');
    await file.save(data, { resumable: true, chunkSize: 256 * 1024, validation: 'md5' });
    assert.ok(server.object('bkt', 'res/chunked.bin')!.data.equals(data));
    assert.ok(server.requests.filter((r) => r.op === 'resumable-put' && r.object === 'res/chunked.bin').length >= 3);
    const refused = await file.save(data, { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }).catch((e: { code?: number }) => e);
    assert.equal((refused as { code?: number }).code, 412);
  });

  test('two concurrent create-only writes of one object through two clients: exactly one wins', async () => {
    const other = new Storage({ apiEndpoint: server.host, projectId: 'test' });
    for (let round = 0; round < 10; round++) {
      const name = `cc/${round}`;
      const settled = await Promise.allSettled([
        storage.bucket('bkt').file(name).save('from a', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
        other.bucket('bkt').file(name).save('from b', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
      ]);
      assert.deepEqual(settled.map((s) => s.status).sort(), ['fulfilled', 'rejected'], name);
      const winner = settled[0]!.status === 'fulfilled' ? 'from a' : 'from b';
      assert.equal(server.object('bkt', name)!.data.toString(), winner);
      assert.equal(((settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason as { code?: number }).code, 412);
    }
  });

  test('copies honour "only if absent"; a missing bucket is ERR_GCS_BUCKET_MISSING; a declared md5 that does not match is refused', async () => {
    const store = await createGcsStore({ apiEndpoint: server.host, projectId: 'test' });
    server.putObject('bkt', 'cp/src', 'source');
    const copied = await store.copy({ bucket: 'bkt', name: 'cp/src' }, { bucket: 'other', name: 'cp/dst' }, { onlyIfAbsent: true });
    assert.equal(copied.size, 6);
    assert.equal(server.object('other', 'cp/dst')!.data.toString(), 'source');
    const conflict = await rejection(store.copy({ bucket: 'bkt', name: 'cp/src' }, { bucket: 'other', name: 'cp/dst' }, { onlyIfAbsent: true }));
    assert.equal(conflict.code, ERR_SYNC_CONFLICT);
    const missing = await rejection(store.list('no-such-bucket', ''));
    assert.equal(missing.code, ERR_GCS_BUCKET_MISSING);
    assert.match(missing.message, /gs:\/\/no-such-bucket does not exist/);
    const bad = await storage.bucket('bkt').file('md5/x').save('bytes', { resumable: false, metadata: { md5Hash: createHash('md5').update('other').digest('base64') } }).catch((e: { code?: number }) => e);
    assert.equal((bad as { code?: number }).code, 400);
    assert.equal(server.object('bkt', 'md5/x'), undefined);
  });
});
