/** Small pure parts of sync: locations, remote artifact selection. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketNameProblem, checkPrefix, parseLocation, normalizePrefix, gcsTargetFrom, requireBucket } from '../../src/sync/index.js';
import { isSafeRelativePath } from '../../src/sync/local-files.js';
import { syncedObjects } from '../../src/sync/location.js';
import { completeArtifacts, latestArtifacts } from '../../src/sync/remote-artifacts.js';

describe('locations and config', () => {
  test('gs:// URLs, bare prefixes and the default bucket', () => {
    assert.deepEqual(parseLocation('gs://bkt/x/y/', undefined), { bucket: 'bkt', prefix: 'x/y' });
    assert.deepEqual(parseLocation('gs://bkt', undefined), { bucket: 'bkt', prefix: '' });
    assert.deepEqual(parseLocation('staging/', 'def'), { bucket: 'def', prefix: 'staging' });
    assert.throws(() => parseLocation('staging', undefined), /GCP_BUCKET/);
    assert.throws(() => parseLocation('gs:/b', 'def'), /Invalid location/);
    assert.equal(normalizePrefix('//a//b/'), 'a/b');
  });

  test('bucket names follow GCS rules; prefixes are plain folder paths (no "..", no leading "/")', () => {
    for (const ok of ['my-team-artifacts', 'abc', 'a_b-c.d', 'example.com.backups', 'x'.repeat(63)]) assert.equal(bucketNameProblem(ok), undefined, ok);
    const bad: Record<string, RegExp> = {
      'Bad Bucket/../x': /no "\/"/, 'Bad Bucket': /no spaces/, MyBucket: /lowercase/, ab: /3 to 63/, ['x'.repeat(64)]: /3 to 63/,
      '-abc': /start and end/, 'abc-': /start and end/, 'a..b': /non-empty parts/, '192.168.5.4': /IP address/,
      'goog-data': /goog/, 'my-g00gle-data': /google/, 'a%b': /only lowercase/,
    };
    for (const [name, why] of Object.entries(bad)) assert.match(bucketNameProblem(name) ?? 'accepted', why, name);
    assert.throws(() => gcsTargetFrom({}, { bucket: 'Bad Bucket/../x' }), (err: Error & { code?: string }) => err.code === 'ERR_USAGE' && /invalid bucket name "Bad Bucket\/\.\.\/x" \(from --bucket\)/.test(err.message));
    assert.throws(() => gcsTargetFrom({ GCP_BUCKET: 'UPPER' }), /from GCP_BUCKET.*lowercase/);
    assert.equal(checkPrefix('team/staging/'), 'team/staging');
    assert.equal(checkPrefix(undefined), '');
    for (const p of ['../x', 'a/../b', 'a/./b', '/abs', 'a//b', 'gs://b/x', 'a\\b', 'a\nb']) assert.throws(() => checkPrefix(p, '--prefix'), /invalid prefix [\s\S]*\(from --prefix\)/, p);
    assert.throws(() => parseLocation('gs://bkt/../other', undefined), /"\." or "\.\." folders/);
    assert.throws(() => parseLocation('gs://Bad_Bucket/x', undefined), /lowercase/);
    assert.throws(() => parseLocation('/staging', 'def'), /must not start with "\/"/);
  });

  test('flags override the environment; blank counts as unset', () => {
    assert.deepEqual(gcsTargetFrom({ GCP_BUCKET: 'env-b', GCP_PROJECT: 'p' }, { bucket: 'flag-b' }), { bucket: 'flag-b', project: 'p' });
    assert.deepEqual(gcsTargetFrom({ GCP_BUCKET: 'gs://with-scheme/' }), { bucket: 'with-scheme', project: undefined });
    assert.throws(() => requireBucket(gcsTargetFrom({ GCP_BUCKET: '  ' })), (err: Error & { code?: string }) => err.code === 'ERR_CONFIG');
  });

  test('the objects a push or pull covers: under the synced folders, by relative path, no folder placeholders', () => {
    const obj = (name: string) => ({ name, size: 1, md5: 'x' });
    const listed = ['p/runs/a.jsonl', 'p/runs/', 'p/raw/r.json', 'p/read_only/s/u.db', 'p/notes/n.txt', 'p/runsx/y'].map(obj);
    assert.deepEqual([...syncedObjects(listed, 'p', ['read_only', 'runs']).keys()], ['runs/a.jsonl', 'read_only/s/u.db']);
    assert.equal(syncedObjects(listed, 'p', ['raw']).get('raw/r.json')?.name, 'p/raw/r.json');
    assert.deepEqual([...syncedObjects([obj('runs/b')], '', ['runs']).keys()], ['runs/b']);
  });

  test('object names that would escape the target directory are not safe', () => {
    assert.equal(isSafeRelativePath('runs/a b#?.jsonl'), true);
    for (const bad of ['../x', 'runs/../../x', 'runs//x', 'runs/.hidden', '/abs', 'runs\\x']) assert.equal(isSafeRelativePath(bad), false, bad);
  });
});

describe('remote artifacts', () => {
  test('latest = newest timestamp that has a manifest, per site and name', () => {
    const obj = (name: string) => [name, { name, size: 1, md5: 'x' }] as [string, { name: string; size: number; md5: string }];
    const listed = [
      obj('read_only/uk/usage_20250101T000000Z.db'),
      obj('read_only/uk/usage_20250101T000000Z.manifest.json'),
      obj('read_only/uk/usage_20250301T000000Z.db'), // no manifest: incomplete
      obj('read_only/uk/usage_20250201T000000Z.db'),
      obj('read_only/uk/usage_20250201T000000Z.manifest.json'),
      obj('read_only/fr/usage_20240101T000000Z.db'),
      obj('read_only/fr/usage_20240101T000000Z.manifest.json'),
      obj('read_only/uk/notes.txt'),
      obj('runs/usage_20250101T000000Z.db'),
    ];
    const latest = latestArtifacts(completeArtifacts(listed));
    assert.deepEqual(latest.map((a) => `${a.site}/${a.name}_${a.timestamp}`), ['fr/usage_20240101T000000Z', 'uk/usage_20250201T000000Z']);
  });
});
