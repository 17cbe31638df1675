/** The lease of the one plan/final step per site, over the real GCS client against the fake GCS server, with a fake clock. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreLayout, type LeaseRecord } from '../../src/shards/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { rejection } from '../support/expect-error.js';
import { BUCKET, SITE, location, storeSuite } from './helpers.js';

const TTL = 5 * 60_000;

describe('the single-step lease', () => {
  const gcs = storeSuite();
  const leaseName = (prefix: string): string => new StoreLayout(location(prefix), SITE).lease();
  const record = (prefix: string): LeaseRecord => JSON.parse(gcs.server.object(BUCKET, leaseName(prefix))!.data.toString()) as LeaseRecord;

  test('acquire creates it; a second step refuses with ERR_LOCKED naming the holder; release deletes it and frees the site', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 1, 10, 0, 0));
    const store = await gcs.open('l-basic', { clock });
    const lease = await store.acquireLease('final', 'r-final-1', { host: 'worker-1' });
    assert.deepEqual(record('l-basic'), { holder: 'r-final-1', host: 'worker-1', step: 'final', acquiredAt: '2026-12-01T10:00:00.000Z', expiresAt: '2026-12-01T10:05:00.000Z' });
    assert.equal(leaseName('l-basic'), `l-basic/state/${SITE}/locks/${SITE}.single.json`);
    const err = await rejection(store.acquireLease('plan', 'r-plan-2', { host: 'worker-2' }));
    assert.equal(err.code, 'ERR_LOCKED');
    assert.match(err.message, /another final step of data-gov-uk holds the lease gs:\/\/shard-bkt\/l-basic\/.*: run r-final-1 on worker-1, since 2026-12-01T10:00:00.000Z, until 2026-12-01T10:05:00.000Z/);
    await lease.release();
    await lease.release();
    assert.equal(gcs.server.object(BUCKET, leaseName('l-basic')), undefined);
    const next = await store.acquireLease('plan', 'r-plan-2', { host: 'worker-2' });
    assert.equal(record('l-basic').holder, 'r-plan-2');
    await next.release();
  });

  test('renew moves expiresAt and the generation forward, so a lease renewed in time is never taken over', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 1, 10, 0, 0));
    const store = await gcs.open('l-renew', { clock });
    const lease = await store.acquireLease('final', 'r-1', { host: 'h1', renewMs: 3_600_000 });
    const g1 = gcs.server.object(BUCKET, leaseName('l-renew'))!.generation;
    clock.advance(4 * 60_000);
    await lease.renew();
    assert.ok(gcs.server.object(BUCKET, leaseName('l-renew'))!.generation > g1);
    assert.equal(record('l-renew').expiresAt, '2026-12-01T10:09:00.000Z');
    clock.advance(4 * 60_000); // 8 minutes after acquiring, 4 after the renewal: still held
    assert.equal((await rejection(store.acquireLease('final', 'r-2', { host: 'h2' }))).code, 'ERR_LOCKED');
    await lease.release();
  });

  test('an expired lease is taken over by generation; the old holder finds out at its next renewal and its release leaves the new lease alone', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 1, 10, 0, 0));
    const store = await gcs.open('l-expire', { clock });
    const old = await store.acquireLease('final', 'r-old', { host: 'h-old', renewMs: 3_600_000 });
    clock.advance(TTL + 1);
    const taker = await store.acquireLease('final', 'r-new', { host: 'h-new' });
    assert.equal(record('l-expire').holder, 'r-new');
    const lost = await rejection(old.renew());
    assert.equal(lost.code, 'ERR_LEASE_LOST');
    assert.ok(old.signal.aborted);
    assert.match(lost.message, /taken over/);
    await old.release();
    assert.equal(record('l-expire').holder, 'r-new', 'the old holder never deletes the new lease');
    await taker.release();
    assert.equal(gcs.server.object(BUCKET, leaseName('l-expire')), undefined);
  });

  test('two steps taking over one expired lease at once: exactly one gets it', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 1, 10, 0, 0));
    const seed = await gcs.open('l-race', { clock });
    await seed.acquireLease('final', 'r-dead', { host: 'h-dead', renewMs: 3_600_000 });
    clock.advance(TTL + 1);
    const [a, b] = [await gcs.open('l-race', { clock }), await gcs.open('l-race', { clock })];
    const settled = await Promise.allSettled([a.acquireLease('final', 'r-a', { host: 'ha' }), b.acquireLease('final', 'r-b', { host: 'hb' })]);
    const won = settled.filter((s) => s.status === 'fulfilled');
    assert.equal(won.length, 1, JSON.stringify(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'won'))));
    const loser = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    assert.equal((loser.reason as { code?: string }).code, 'ERR_LOCKED');
    assert.equal(record('l-race').holder, won.length === 1 && settled[0]!.status === 'fulfilled' ? 'r-a' : 'r-b');
  });

  test('the renewal timer renews by itself', async () => {
    const store = await gcs.open('l-timer');
    const lease = await store.acquireLease('plan', 'r-t', { host: 'h', renewMs: 50 });
    const g1 = gcs.server.object(BUCKET, leaseName('l-timer'))!.generation;
    // Waits for the timer (real time: it is the timer under test), at most 10 s.
    for (let waited = 0; gcs.server.object(BUCKET, leaseName('l-timer'))!.generation === g1 && waited < 10_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(gcs.server.object(BUCKET, leaseName('l-timer'))!.generation > g1);
    await lease.release();
    assert.equal(gcs.server.object(BUCKET, leaseName('l-timer')), undefined);
  });
});
