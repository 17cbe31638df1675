/**
 * The generation contract of ObjectStore, one suite run over both test stores: the in-memory
 * FakeStore and the real GCS store (@google-cloud/storage) against the faithful fake server.
 * Whatever passes here behaves the same over both, so tests may use either.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createGcsStore, type ObjectStore } from '../../src/sync/index.js';
import { ERR_GCS_PRECONDITION } from '../../src/sync/gcs-errors.js';
import { putJson, readJson } from '../../src/sync/json-objects.js';
import { rejection } from '../support/expect-error.js';
import { startGcsFakeServer, type GcsFakeServer } from '../support/gcs-fake-server.js';
import { FakeStore } from './fake-store.js';
import { md5Base64, removeDir, tempDir } from './helpers.js';

const BUCKET = 'contract-bkt';

/** Awaits a call that must fail with a MallardError of `code` whose message matches `message`. */
async function expectError(call: () => Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await rejection(call());
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
}

function contract(label: string, open: () => Promise<ObjectStore>, close: () => Promise<void>): void {
  describe(`ObjectStore generations: ${label}`, () => {
    let store: ObjectStore;
    const dir = tempDir(`contract-${label.replace(/\W+/g, '-')}`);
    before(async () => {
      store = await open();
    });
    after(async () => {
      await close();
      removeDir(dir);
    });

    test('a create-only write wins once; the second is ERR_GCS_PRECONDITION and changes nothing', async () => {
      const first = await store.putBytes(BUCKET, 'c/once', 'first', { ifGenerationMatch: 0 });
      assert.ok(first.generation !== undefined && first.generation > 0);
      assert.equal(first.md5, md5Base64('first'));
      await expectError(() => store.putBytes(BUCKET, 'c/once', 'second', { ifGenerationMatch: 0 }), ERR_GCS_PRECONDITION, /gs:\/\/contract-bkt\/c\/once.*already exists/);
      const got = await store.getBytes(BUCKET, 'c/once');
      assert.equal(got?.data.toString(), 'first');
      assert.equal(got?.object.generation, first.generation);
    });

    test('a replace by generation moves the generation forward; a stale generation loses', async () => {
      const g1 = (await store.putBytes(BUCKET, 'c/switch', 'v1', { ifGenerationMatch: 0 })).generation!;
      const g2 = (await store.putBytes(BUCKET, 'c/switch', 'v2', { ifGenerationMatch: g1 })).generation!;
      assert.ok(g2 > g1, `${g2} > ${g1}`);
      await expectError(() => store.putBytes(BUCKET, 'c/switch', 'v3', { ifGenerationMatch: g1 }), ERR_GCS_PRECONDITION, /generation is no longer/);
      assert.equal((await store.stat(BUCKET, 'c/switch'))?.generation, g2);
      const unconditional = await store.putBytes(BUCKET, 'c/switch', 'v4');
      assert.ok(unconditional.generation! > g2);
    });

    test('absent objects: stat and getBytes say undefined, delete is a no-op, a stale generation on create loses', async () => {
      assert.equal(await store.stat(BUCKET, 'c/none'), undefined);
      assert.equal(await store.getBytes(BUCKET, 'c/none'), undefined);
      await store.delete(BUCKET, 'c/none');
      await expectError(() => store.putBytes(BUCKET, 'c/none', 'x', { ifGenerationMatch: 12345 }), ERR_GCS_PRECONDITION);
      assert.equal(await store.stat(BUCKET, 'c/none'), undefined);
    });

    test('delete by generation: the wrong one is refused and keeps the object, the right one removes it', async () => {
      const g = (await store.putBytes(BUCKET, 'c/lease', 'held')).generation!;
      await expectError(() => store.delete(BUCKET, 'c/lease', { ifGenerationMatch: g + 1 }), ERR_GCS_PRECONDITION);
      assert.equal((await store.stat(BUCKET, 'c/lease'))?.generation, g);
      await store.delete(BUCKET, 'c/lease', { ifGenerationMatch: g });
      assert.equal(await store.stat(BUCKET, 'c/lease'), undefined);
    });

    test('custom metadata and generations come back from stat, getBytes and list', async () => {
      const put = await store.putBytes(BUCKET, 'm/a.json', '{"a":1}', { metadata: { receipt: '{"taskId":"T(a=1)"}' }, contentType: 'application/json' });
      assert.deepEqual((await store.stat(BUCKET, 'm/a.json'))?.metadata, { receipt: '{"taskId":"T(a=1)"}' });
      assert.deepEqual((await store.getBytes(BUCKET, 'm/a.json'))?.object.metadata, { receipt: '{"taskId":"T(a=1)"}' });
      const listed = await store.list(BUCKET, 'm/');
      assert.deepEqual(listed.map((o) => [o.name, o.generation, o.metadata?.receipt, o.size]), [['m/a.json', put.generation, '{"taskId":"T(a=1)"}', 7]]);
    });

    test('uploads of files honour ifGenerationMatch (multipart and resumable)', async () => {
      const file = path.join(dir, 'blob.bin');
      fs.writeFileSync(file, Buffer.alloc(300_000, 7));
      const md5 = md5Base64(fs.readFileSync(file));
      for (const resumable of [false, true]) {
        const name = `u/blob-${resumable}`;
        const up = await store.upload(BUCKET, file, name, { md5, resumable, ifGenerationMatch: 0 });
        assert.equal(up.size, 300_000);
        assert.ok(up.generation! > 0);
        await expectError(() => store.upload(BUCKET, file, name, { md5, resumable, ifGenerationMatch: 0 }), ERR_GCS_PRECONDITION, new RegExp(name));
        const again = await store.upload(BUCKET, file, name, { md5, resumable, ifGenerationMatch: up.generation! });
        assert.ok(again.generation! > up.generation!);
      }
    });

    test('of ten concurrent create-only writes of one object exactly one wins, and its bytes are stored', async () => {
      const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.putBytes(BUCKET, 'race/one', `writer ${i}`, { ifGenerationMatch: 0 })));
      const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1, JSON.stringify(settled.map((s) => s.status)));
      for (const s of settled) if (s.status === 'rejected') assert.equal((s.reason as { code?: string }).code, ERR_GCS_PRECONDITION);
      assert.equal((await store.getBytes(BUCKET, 'race/one'))?.data.toString(), `writer ${won[0]}`);
    });

    test('putJson / readJson round trip with the generation of the bytes read', async () => {
      const put = await putJson(store, BUCKET, 'j/current.json', { planId: 'abc' }, { ifGenerationMatch: 0 });
      const read = await readJson<{ planId: string }>(store, BUCKET, 'j/current.json');
      assert.deepEqual(read?.value, { planId: 'abc' });
      assert.equal(read?.object.generation, put.generation);
      assert.equal(await readJson(store, BUCKET, 'j/absent.json'), undefined);
      await store.putBytes(BUCKET, 'j/bad.json', 'not json');
      await expectError(() => readJson(store, BUCKET, 'j/bad.json'), 'ERR_GCS_BAD_JSON', /gs:\/\/contract-bkt\/j\/bad\.json/);
    });
  });
}

contract(
  'in-memory FakeStore',
  async () => {
    const store = new FakeStore();
    store.addBucket({ name: BUCKET });
    return store;
  },
  async () => {},
);

let server: GcsFakeServer | undefined;
contract(
  'GCS store over the fake GCS server',
  async () => {
    server = await startGcsFakeServer({ buckets: [BUCKET] });
    return createGcsStore({ apiEndpoint: server.host, projectId: 'test' });
  },
  async () => server?.stop(),
);
