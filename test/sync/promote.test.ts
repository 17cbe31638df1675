/** promoteArtifacts: server-side copies against the real GCS emulator; the precondition race against the fake. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promoteArtifacts, syncArtifacts } from '../../src/sync/index.js';
import { isMallardError } from '../../src/engine/errors.js';
import { FakeStore } from './fake-store.js';
import { emulatorSuite, md5Base64, publish, remoteNames, writeFile } from './helpers.js';

describe('promoteArtifacts against the GCS emulator', () => {
  const gcs = emulatorSuite();

  /** Staging holds two usage artifacts, one clean_ckan_api, and a newer usage without manifest. */
  async function stage(bucket: string): Promise<void> {
    const root = gcs.dir('stage');
    publish(root, 'uk', 'usage', '20250101T000000Z');
    publish(root, 'uk', 'usage', '20250102T000000Z');
    publish(root, 'uk', 'clean_ckan_api', '20250101T000000Z');
    publish(root, 'fr', 'usage', '20250103T000000Z');
    writeFile(root, 'read_only/uk/usage_20250105T000000Z.db', 'incomplete: no manifest');
    writeFile(root, 'runs/r.jsonl', 'not promoted');
    await syncArtifacts({ store: gcs.store, artifactsDir: root, bucket, prefix: 'staging' });
  }

  test('copies the latest complete artifact of each name, with manifests, between prefixes', async () => {
    await stage('pr-a');
    const result = await promoteArtifacts({ store: gcs.store, from: 'staging', to: 'gs://pr-a/production', defaultBucket: 'pr-a' });
    assert.equal(result.copied, 6);
    assert.deepEqual(await remoteNames(gcs.emu, 'pr-a', 'production/'), [
      'production/read_only/fr/usage_20250103T000000Z.db',
      'production/read_only/fr/usage_20250103T000000Z.manifest.json',
      'production/read_only/uk/clean_ckan_api_20250101T000000Z.db',
      'production/read_only/uk/clean_ckan_api_20250101T000000Z.manifest.json',
      'production/read_only/uk/usage_20250102T000000Z.db',
      'production/read_only/uk/usage_20250102T000000Z.manifest.json',
    ]);
    const again = await promoteArtifacts({ store: gcs.store, from: 'gs://pr-a/staging', to: 'gs://pr-a/production' });
    assert.deepEqual([again.copied, again.skipped], [0, 6]);
  });

  test('--name and --site narrow the selection; dry run copies nothing; across buckets', async () => {
    await stage('pr-b');
    const dry = await promoteArtifacts({ store: gcs.store, from: 'gs://pr-b/staging', to: 'gs://pr-b-prod', names: ['usage'], site: 'uk', dryRun: true });
    assert.deepEqual(dry.artifacts.map((a) => [a.site, a.name, a.timestamp, a.copied.length]), [['uk', 'usage', '20250102T000000Z', 2]]);
    assert.deepEqual(await remoteNames(gcs.emu, 'pr-b-prod'), []);
    const real = await promoteArtifacts({ store: gcs.store, from: 'gs://pr-b/staging', to: 'gs://pr-b-prod', names: ['usage'], site: 'uk' });
    assert.equal(real.copied, 2);
    assert.deepEqual(await remoteNames(gcs.emu, 'pr-b-prod'), ['read_only/uk/usage_20250102T000000Z.db', 'read_only/uk/usage_20250102T000000Z.manifest.json']);
  });

  test('never overwrites a target object with different content, and copies nothing then', async () => {
    await stage('pr-c');
    const junk = gcs.dir('junk');
    const file = writeFile(junk, 'x', 'different bytes');
    await gcs.store.upload('pr-c', file, 'production/read_only/uk/usage_20250102T000000Z.manifest.json', { md5: md5Base64('different bytes'), resumable: false });
    await assert.rejects(promoteArtifacts({ store: gcs.store, from: 'staging', to: 'production', defaultBucket: 'pr-c' }), (err: unknown) => {
      assert.ok(isMallardError(err));
      assert.equal(err.code, 'ERR_SYNC_CONFLICT');
      assert.match(err.message, /gs:\/\/pr-c\/production\/read_only\/uk\/usage_20250102T000000Z\.manifest\.json/);
      return true;
    });
    assert.deepEqual(await remoteNames(gcs.emu, 'pr-c', 'production/'), ['production/read_only/uk/usage_20250102T000000Z.manifest.json']);
  });

  test('an unknown name is a usage error naming it', async () => {
    await stage('pr-d');
    await assert.rejects(promoteArtifacts({ store: gcs.store, from: 'gs://pr-d/staging', to: 'gs://pr-d/prod', names: ['nope'] }), /No complete artifact named nope/);
    await assert.rejects(promoteArtifacts({ store: gcs.store, from: 'gs://pr-d/staging', to: 'gs://pr-d/staging/' }), /onto itself/);
  });
});

describe('promoteArtifacts preconditions (fake store: the emulator ignores ifGenerationMatch)', () => {
  test('an object that appears at the target between the check and the copy is not overwritten', async () => {
    const store = new FakeStore();
    store.addBucket({ name: 'bkt' });
    store.put('bkt', 'stg/read_only/s/usage_20250101T000000Z.db', 'db');
    store.put('bkt', 'stg/read_only/s/usage_20250101T000000Z.manifest.json', '{}');
    store.raceOnCopy.set('bkt/prd/read_only/s/usage_20250101T000000Z.db', Buffer.from('someone else'));
    await assert.rejects(promoteArtifacts({ store, from: 'gs://bkt/stg', to: 'gs://bkt/prd' }), (err: unknown) => isMallardError(err) && err.code === 'ERR_SYNC_CONFLICT');
    const prd = [...store.buckets.get('bkt')!.objects.keys()].filter((n) => n.startsWith('prd/'));
    // the racing object stays, and the manifest of the failed database is not copied
    assert.deepEqual(prd, ['prd/read_only/s/usage_20250101T000000Z.db']);
    assert.equal(store.buckets.get('bkt')!.objects.get(prd[0]!)!.data.toString(), 'someone else');
  });

  test('a missing source bucket is one clear error naming it', async () => {
    await assert.rejects(promoteArtifacts({ store: new FakeStore(), from: 'gs://nowhere/x', to: 'gs://nowhere/y' }), (err: unknown) => {
      assert.ok(isMallardError(err));
      assert.equal(err.code, 'ERR_GCS_BUCKET_MISSING');
      assert.match(err.message, /gs:\/\/nowhere/);
      return true;
    });
  });
});
