/** The ShardStateStore over the real GCS client against the faithful fake GCS server: commits, receipts, pull, plans, markers. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseStoreUrl, planIdOf, receiptKey, RECEIPT_METADATA_KEY, StoreLayout, type RemoteReceipt, type StagePlan } from '../../src/shards/index.js';
import { FileHasher } from '../../src/engine/file-hash.js';
import { createGcsStore, type ObjectStore } from '../../src/sync/index.js';
import { rejection } from '../support/expect-error.js';
import { BUCKET, SITE, location, sha256, storeSuite, taskOutputs } from './helpers.js';

const PLAN = 'a'.repeat(64);

/** Resolves for everyone once `n` have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === n) open();
    return opened;
  };
}

/** The store, with its first conditional write of a matching name held until the barrier opens (a race made certain). */
function holdWrites(store: ObjectStore, names: RegExp, gate: () => Promise<void>): ObjectStore {
  let held = false;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'putBytes' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (bucket: string, name: string, ...rest: unknown[]) => {
        if (names.test(name) && !held) {
          held = true;
          await gate();
        }
        return (value as (...a: unknown[]) => Promise<unknown>).call(target, bucket, name, ...rest);
      };
    },
  });
}

function plan(leaves: string[], runId = 'r-plan'): StagePlan {
  return {
    stage: 'ckan',
    site: SITE,
    leaves: leaves.map((id) => ({ id, family: 'CkanPage', params: { start: Number(/\d+/.exec(id)?.[0] ?? 0) } })),
    data: { rows: 1000 },
    createdAt: '2026-12-01T10:00:00.000Z',
    runId,
  };
}

describe('parseStoreUrl', () => {
  test('reads gs://bucket and gs://bucket/prefix by the sync naming rules', () => {
    assert.deepEqual(parseStoreUrl('gs://my-bkt'), { bucket: 'my-bkt', prefix: '' });
    assert.deepEqual(parseStoreUrl(' gs://my-bkt/env/prod/ '), { bucket: 'my-bkt', prefix: 'env/prod' });
  });

  test('refuses what is not a plain gs:// location with ERR_USAGE naming the flag', async () => {
    for (const [text, why] of [
      ['my-bkt/x', /--store "my-bkt\/x" is not a GCS location/],
      ['gs://My Bucket/x', /invalid bucket name "My Bucket" \(from --store gs:\/\/My Bucket\/x\)/],
      ['gs://bkt/../x', /"\.\."/],
      ['s3://bkt', /not a GCS location/],
    ] as const) {
      const err = await rejection(Promise.resolve().then(() => parseStoreUrl(text)));
      assert.equal(err.code, 'ERR_USAGE', text);
      assert.match(err.message, why);
    }
    assert.match((await rejection(Promise.resolve().then(() => parseStoreUrl('x', '--to')))).message, /^--to "x"/);
  });
});

describe('ShardStateStore over the fake GCS server', () => {
  const gcs = storeSuite();

  test('commit uploads blobs and a create-only receipt; receipts() lists it; pull restores byte for byte and then skips', async () => {
    const store = await gcs.open('p-commit');
    const work = gcs.dir('work');
    const a = taskOutputs(work, 'CkanPage(start=1000)', { 'raw/data-gov-uk/ckan/page-1000.json': '{"results":[1]}' });
    const b = taskOutputs(work, 'CkanPage(start=2000)', { 'raw/data-gov-uk/ckan/page-2000.json': '{"results":[2]}', 'raw/data-gov-uk/ckan/page-2000.meta': 'm' });
    assert.deepEqual(await store.commit('ckan', PLAN, work, a, { shard: '0/2', runId: 'r-1', host: 'w1' }), { committed: true });
    assert.deepEqual(await store.commit('ckan', PLAN, work, b, { shard: '1/2', runId: 'r-2', host: 'w2' }), { committed: true });

    const layout = new StoreLayout(location('p-commit'), SITE);
    const names = gcs.server.names(BUCKET, 'p-commit/');
    assert.ok(names.includes(layout.receipt('ckan', PLAN, receiptKey(PLAN, a.taskId, '1'))));
    assert.ok(names.includes(`p-commit/state/${SITE}/blobs/sha256/${sha256('{"results":[1]}')}`));
    assert.match(receiptKey(PLAN, a.taskId, '1'), /^[0-9a-f]{32}$/);

    const receipts = await store.receipts('ckan', PLAN);
    assert.deepEqual([...receipts.keys()].sort(), [a.taskId, b.taskId]);
    const rb = receipts.get(b.taskId)!;
    assert.deepEqual([rb.shard, rb.runId, rb.host, rb.planId, rb.version], ['1/2', 'r-2', 'w2', PLAN, '1']);
    assert.deepEqual(rb.outputs.map((o) => [o.path, o.size]), [['./raw/data-gov-uk/ckan/page-2000.json', 15], ['./raw/data-gov-uk/ckan/page-2000.meta', 1]]);
    assert.deepEqual(rb.receipt, b);

    const into = gcs.dir('into');
    const first = await store.pull(into, receipts.values());
    assert.deepEqual(first, { downloaded: 3, skipped: 0, bytes: 31 });
    for (const rel of ['raw/data-gov-uk/ckan/page-1000.json', 'raw/data-gov-uk/ckan/page-2000.json', 'raw/data-gov-uk/ckan/page-2000.meta']) {
      assert.ok(fs.readFileSync(path.join(into, rel)).equals(fs.readFileSync(path.join(work, rel))), rel);
    }
    assert.deepEqual(fs.readdirSync(path.join(into, 'raw/data-gov-uk/ckan')).filter((n) => n.endsWith('.partial')), []);
    const before = gcs.server.requests.filter((r) => r.op === 'media').length;
    assert.deepEqual(await store.pull(into, receipts.values()), { downloaded: 0, skipped: 3, bytes: 0 });
    assert.equal(gcs.server.requests.filter((r) => r.op === 'media').length, before, 'identical local files are not downloaded');
    fs.writeFileSync(path.join(into, 'raw/data-gov-uk/ckan/page-1000.json'), '{"results":[9]}');
    assert.deepEqual(await store.pull(into, receipts.values()), { downloaded: 1, skipped: 2, bytes: 15 });
    assert.equal(fs.readFileSync(path.join(into, 'raw/data-gov-uk/ckan/page-1000.json'), 'utf8'), '{"results":[1]}');
  });

  test("a pull's digests stay in the hash cache when the process's own hasher of the directory, loaded before it, saves after it", async () => {
    const store = await gcs.open('p-cache');
    const work = gcs.dir('work-cache');
    const a = taskOutputs(work, 'CkanPage(start=1000)', { 'raw/data-gov-uk/ckan/page-1000.json': '{"results":[1]}' });
    await store.commit('ckan', PLAN, work, a, { shard: '0/1', runId: 'r-1', host: 'w1' });
    const into = gcs.dir('into-cache');
    // As a stage's process has it: the directory's hasher loaded first (a trust check), saved last (its receipts).
    const own = await FileHasher.shared(into);
    await store.pull(into, (await store.receipts('ckan', PLAN)).values());
    const other = path.join(into, 'other.txt');
    fs.writeFileSync(other, 'x');
    await own.digest(other);
    await own.save();
    const pulled = path.join(into, 'raw/data-gov-uk/ckan/page-1000.json');
    const onDisk = await FileHasher.load(into);
    assert.equal(onDisk.lookup(pulled, fs.statSync(pulled))?.sha256, sha256('{"results":[1]}'));
    assert.ok(onDisk.lookup(other, fs.statSync(other)));
  });

  test('a second commit of one task by another run loses and gets the winner; the same run committing again is its own commit', async () => {
    const store = await gcs.open('p-twice');
    const w1 = gcs.dir('w1');
    const w2 = gcs.dir('w2');
    const first = taskOutputs(w1, 'CkanPage(start=1000)', { 'raw/p.json': 'first' }, 'r-1');
    const second = taskOutputs(w2, 'CkanPage(start=1000)', { 'raw/p.json': 'second, different bytes' }, 'r-2');
    assert.deepEqual(await store.commit('ckan', PLAN, w1, first, { shard: '0/1', runId: 'r-1', host: 'h1' }), { committed: true });
    const lost = await store.commit('ckan', PLAN, w2, second, { shard: '0/1', runId: 'r-2', host: 'h2' });
    assert.equal(lost.committed, false);
    assert.equal(!lost.committed && lost.by.runId, 'r-1');
    assert.equal(!lost.committed && lost.by.host, 'h1');
    assert.deepEqual(await store.commit('ckan', PLAN, w1, first, { shard: '0/1', runId: 'r-1', host: 'h1' }), { committed: true });
    const receipts = gcs.server.names(BUCKET, `p-twice/state/${SITE}/ckan/${PLAN}/receipts/`);
    assert.equal(receipts.length, 1);
    const into = gcs.dir('into2');
    await store.pull(into, (await store.receipts('ckan', PLAN)).values());
    assert.equal(fs.readFileSync(path.join(into, 'raw/p.json'), 'utf8'), 'first', "the winner's output, not the loser's orphan blob");
  });

  test('outputs of custom file targets (stamp <size>:<mtime>, as search results and repository records) are shared too; non-file outputs are not', async () => {
    const store = await gcs.open('p-custom');
    const work = gcs.dir('custom');
    const base = taskOutputs(work, 'GithubRepo(repo=a/b,site=data-gov-uk)', { 'raw/data-gov-uk/github/a__b.json': '{"id":1}' });
    const st = fs.statSync(path.join(work, 'raw/data-gov-uk/github/a__b.json'));
    const receipt = { ...base, outputs: { './raw/data-gov-uk/github/a__b.json': `${st.size}:${Math.trunc(st.mtimeMs)}`, 'published:usage': 'x' } };
    assert.deepEqual(await store.commit('github', PLAN, work, receipt, { shard: '0/1', runId: 'r' }), { committed: true });
    const got = (await store.receipts('github', PLAN)).get(receipt.taskId)!;
    assert.deepEqual(got.outputs, [{ path: './raw/data-gov-uk/github/a__b.json', size: 8, sha256: sha256('{"id":1}') }]);
    const into = gcs.dir('custom-into');
    await store.pull(into, [got]);
    assert.equal(fs.readFileSync(path.join(into, 'raw/data-gov-uk/github/a__b.json'), 'utf8'), '{"id":1}');
    fs.writeFileSync(path.join(work, 'raw/data-gov-uk/github/a__b.json'), '{"id":12}');
    const changed = await rejection(store.commit('github', 'd'.repeat(64), work, receipt, { shard: '0/1', runId: 'r' }));
    assert.match(changed.message, /changed after its receipt was made \(9 bytes, receipt 8\)/);
  });

  test('an output that changed after its receipt was made is refused, and nothing is committed', async () => {
    const store = await gcs.open('p-changed');
    const work = gcs.dir('changed');
    const receipt = taskOutputs(work, 'CkanPage(start=3000)', { 'raw/q.json': 'as recorded' });
    fs.writeFileSync(path.join(work, 'raw/q.json'), 'edited since');
    const err = await rejection(store.commit('ckan', PLAN, work, receipt, { shard: '0/1', runId: 'r' }));
    assert.equal(err.code, 'ERR_SHARD_OUTPUT');
    assert.match(err.message, /raw\/q\.json of CkanPage\(start=3000\) changed after its receipt was made/);
    assert.deepEqual(await store.receipts('ckan', PLAN), new Map());
    const outside = { ...receipt, outputs: { '/etc/passwd': receipt.outputs['./raw/q.json']! } };
    assert.equal((await rejection(store.commit('ckan', PLAN, work, outside, { shard: '0/1', runId: 'r' }))).code, 'ERR_SHARD_OUTPUT');
  });

  test('pull checks sha256: a corrupted blob is refused naming the object, and no file is left at the target', async () => {
    const store = await gcs.open('p-corrupt');
    const work = gcs.dir('cw');
    const good = taskOutputs(work, 'CkanPage(start=1000)', { 'raw/good.json': 'good bytes' });
    const bad = taskOutputs(work, 'CkanPage(start=2000)', { 'raw/bad.json': 'bytes to be damaged' });
    for (const r of [good, bad]) await store.commit('ckan', PLAN, work, r, { shard: '0/1', runId: 'r' });
    const blob = `p-corrupt/state/${SITE}/blobs/sha256/${sha256('bytes to be damaged')}`;
    gcs.server.object(BUCKET, blob)!.data = Buffer.from('bytes to be DAMAGED');
    const into = gcs.dir('cinto');
    const err = await rejection(store.pull(into, (await store.receipts('ckan', PLAN)).values()));
    assert.equal(err.code, 'ERR_SHARD_CHECKSUM');
    assert.ok(err.message.includes(`gs://${BUCKET}/${blob}`), err.message);
    assert.match(err.message, /CkanPage\(start=2000\)/);
    assert.equal(fs.existsSync(path.join(into, 'raw/bad.json')), false);
    assert.deepEqual(fs.readdirSync(path.join(into, 'raw')).filter((n) => n.startsWith('.')), []);
    assert.equal(fs.readFileSync(path.join(into, 'raw/good.json'), 'utf8'), 'good bytes', 'the other downloads went through');

    gcs.server.object(BUCKET, blob)!.data = Buffer.from('bytes to be damaged');
    fs.rmSync(path.join(work, 'raw/bad.json'));
    const missing = `p-corrupt/state/${SITE}/blobs/sha256/${sha256('good bytes')}`;
    await (await import('../../src/sync/index.js')).createGcsStore({ apiEndpoint: gcs.server.host }).then((s) => s.delete(BUCKET, missing));
    const gone = await rejection(store.pull(gcs.dir('ginto'), (await store.receipts('ckan', PLAN)).values()));
    assert.ok(gone.message.includes(`gs://${BUCKET}/${missing}`) && /missing although a receipt names it/.test(gone.message), gone.message);
  });

  test('receipts() pages past 1,000 receipts with one listing request per 1,000, and downloads only receipts too large for metadata', async () => {
    const store = await gcs.open('p-many');
    const layout = new StoreLayout(location('p-many'), SITE);
    const remote = (i: number): RemoteReceipt => {
      const taskId = `SourcegraphSearch(batch=${i})`;
      return { taskId, version: '1', planId: PLAN, shard: `${i % 3}/3`, host: 'h', runId: 'r', finishedAt: i, outputs: [], receipt: { taskId, runId: 'r', finishedAt: i, durationMs: 1, version: '1', inputs: 'x', outputs: {} } };
    };
    for (let i = 0; i < 2345; i++) {
      const r = remote(i);
      const body = JSON.stringify(r);
      gcs.server.putObject(BUCKET, layout.receipt('search', PLAN, receiptKey(PLAN, r.taskId, '1')), body, i < 2340 ? { [RECEIPT_METADATA_KEY]: body } : undefined);
    }
    const listsBefore = gcs.server.requests.filter((r) => r.op === 'list').length;
    const gets = gcs.server.requests.filter((r) => r.op === 'media').length;
    const receipts = await store.receipts('search', PLAN);
    assert.equal(receipts.size, 2345);
    assert.equal(receipts.get('SourcegraphSearch(batch=2344)')?.finishedAt, 2344);
    assert.equal(gcs.server.requests.filter((r) => r.op === 'list').length - listsBefore, 3, '2,345 receipts: 3 pages');
    assert.equal(gcs.server.requests.filter((r) => r.op === 'media').length - gets, 5, 'only the 5 receipts without metadata are downloaded');
  });

  test('a receipt whose name is not its key is refused naming the object', async () => {
    const store = await gcs.open('p-stray');
    const layout = new StoreLayout(location('p-stray'), SITE);
    const name = layout.receipt('ckan', PLAN, '0'.repeat(32));
    gcs.server.putObject(BUCKET, name, JSON.stringify({ taskId: 'T()', version: '1', planId: PLAN, outputs: [] }));
    const err = await rejection(store.receipts('ckan', PLAN));
    assert.equal(err.code, 'ERR_SHARD_RECEIPT');
    assert.ok(err.message.includes(`gs://${BUCKET}/${name}`));
  });

  test('plans: none at first; commitPlan stores it under its sha256 and switches current.json; a newer plan replaces it', async () => {
    const store = await gcs.open('p-plan');
    assert.equal(await store.currentPlan('ckan'), undefined);
    const p1 = plan(['CkanPage(start=1000)', 'CkanPage(start=2000)']);
    const c1 = await store.commitPlan(p1);
    assert.equal(c1.planId, planIdOf(JSON.stringify(p1)));
    assert.deepEqual(await store.currentPlan('ckan'), c1);
    assert.deepEqual(await store.commitPlan(p1), c1, 'committing the same plan again is a no-op');
    const p2 = plan(['CkanPage(start=1000)'], 'r-plan-2');
    const c2 = await store.commitPlan(p2);
    assert.notEqual(c2.planId, c1.planId);
    assert.equal((await store.currentPlan('ckan'))?.planId, c2.planId);
    assert.equal(await store.currentPlan('search'), undefined);
    const wrongSite = await rejection(store.commitPlan({ ...p1, site: 'other' }));
    assert.equal(wrongSite.code, 'ERR_SHARD_PLAN');
    assert.match(wrongSite.message, /site other, not data-gov-uk/);
  });

  test('plan switch race: of two plan steps that both read current.json before either switches it, one wins and both return its plan', async () => {
    for (let round = 0; round < 3; round++) {
      const prefix = `p-race-${round}`;
      const gate = barrier(2);
      const gated = async (): Promise<ObjectStore> => holdWrites(await createGcsStore({ apiEndpoint: gcs.server.host }), /current\.json$/, gate);
      const [s1, s2] = [await gcs.open(prefix, { objectStore: await gated() }), await gcs.open(prefix, { objectStore: await gated() })];
      const refused = gcs.server.requests.filter((r) => r.status === 412).length;
      const [r1, r2] = await Promise.all([s1.commitPlan(plan(['CkanPage(start=1)'], `A${round}`)), s2.commitPlan(plan(['CkanPage(start=2)'], `B${round}`))]);
      assert.equal(gcs.server.requests.filter((r) => r.status === 412).length - refused, 1, 'one switch lost the race');
      assert.equal(r1.planId, r2.planId, `round ${round}`);
      assert.deepEqual(r1.plan, r2.plan);
      assert.equal((await s1.currentPlan('ckan'))?.planId, r1.planId);
    }
  });

  test('a damaged plan is refused naming it', async () => {
    const store = await gcs.open('p-damaged');
    const { planId } = await store.commitPlan(plan(['CkanPage(start=1)']));
    const layout = new StoreLayout(location('p-damaged'), SITE);
    gcs.server.object(BUCKET, layout.plan('ckan', planId))!.data = Buffer.from('{"stage":"ckan"}');
    const err = await rejection(store.currentPlan('ckan'));
    assert.equal(err.code, 'ERR_SHARD_PLAN');
    assert.ok(err.message.includes(`gs://${BUCKET}/${layout.plan('ckan', planId)} does not hash to its name`));
  });

  test('markers: each shard replaces its own; markers() returns them ordered by N and index', async () => {
    const store = await gcs.open('p-markers');
    const m = (shard: string, state: 'started' | 'finished' = 'started') => ({ state, shard, runId: `r-${shard}`, host: 'h', startedAt: '2026-12-01T10:00:00Z' });
    await store.writeMarker('search', PLAN, m('2/3'), 3);
    await store.writeMarker('search', PLAN, m('0/3'), 3);
    await store.writeMarker('search', PLAN, m('1/2'), 2);
    await store.writeMarker('search', PLAN, { ...m('0/3', 'finished'), done: 10, failed: 0, committedByOthers: 1, finishedAt: '2026-12-01T10:05:00Z' }, 3);
    const markers = await store.markers('search', PLAN);
    assert.deepEqual(markers.map((x) => [x.shard, x.state]), [['1/2', 'started'], ['0/3', 'finished'], ['2/3', 'started']]);
    assert.equal(markers[1]!.committedByOthers, 1);
    assert.equal((await rejection(store.writeMarker('search', PLAN, m('1/2'), 3))).code, 'ERR_USAGE');
    assert.deepEqual(await store.markers('search', 'b'.repeat(64)), []);
  });
});
