/**
 * createBucket, tested against a fake of the storage interface (test/sync/fake-store.ts):
 * the GCS emulator cannot create buckets, read bucket metadata or hold a soft-delete policy.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket } from '../../src/sync/index.js';
import { isMallardError } from '../../src/engine/errors.js';
import { FakeStore } from './fake-store.js';

describe('createBucket (fake store: the emulator lacks buckets and soft delete)', () => {
  test('creates a bucket with uniform access, versioning off and 14 days of soft delete by default', async () => {
    const store = new FakeStore();
    const result = await createBucket({ store, project: 'proj', bucket: 'team-artifacts', location: 'EU' });
    assert.equal(result.created, true);
    assert.deepEqual(result.changed, []);
    assert.deepEqual(result.settings, { name: 'team-artifacts', location: 'EU', uniformAccess: true, versioning: false, softDeleteSeconds: 14 * 86_400, softDeleteDays: 14 });
    assert.deepEqual(store.calls, ['getBucket team-artifacts', 'createBucket proj team-artifacts']);
  });

  test('is idempotent: an existing bucket with the wanted settings is reported, not changed', async () => {
    const store = new FakeStore();
    await createBucket({ store, project: 'proj', bucket: 'b', softDeleteDays: 30 });
    store.calls.length = 0;
    const again = await createBucket({ store, project: 'proj', bucket: 'b', softDeleteDays: 30 });
    assert.equal(again.created, false);
    assert.deepEqual(again.changed, []);
    assert.deepEqual(store.calls, ['getBucket b']);
  });

  test('fixes a differing soft-delete retention on an existing bucket and warns about the rest', async () => {
    const store = new FakeStore();
    store.addBucket({ name: 'old', softDeleteSeconds: 7 * 86_400, versioning: true, uniformAccess: false, location: 'US' });
    const result = await createBucket({ store, project: 'proj', bucket: 'old', location: 'EU' });
    assert.equal(result.created, false);
    assert.deepEqual(result.changed, ['soft-delete retention 7 days → 14 days']);
    assert.equal(result.settings.softDeleteDays, 14);
    assert.equal(result.warnings.length, 3);
    assert.ok(store.calls.includes(`setSoftDelete old ${14 * 86_400}`));
    assert.equal(store.buckets.get('old')!.settings.versioning, true, 'versioning is reported, not changed');
  });

  test('rejects a retention GCS would refuse, before calling anything', async () => {
    const store = new FakeStore();
    for (const days of [3, 91, 1.5]) {
      await assert.rejects(createBucket({ store, project: 'p', bucket: 'b', softDeleteDays: days }), (err: unknown) => isMallardError(err) && err.code === 'ERR_USAGE');
    }
    assert.deepEqual(store.calls, []);
  });
});
