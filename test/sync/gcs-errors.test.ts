/**
 * GCS failures become one MallardError naming the bucket: the real @google-cloud/storage client
 * against a local HTTP server that answers like GCS does (403, 404, 401).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGcsStore, syncArtifacts, toGcsError } from '../../src/sync/index.js';
import { isMallardError } from '../../src/engine/errors.js';
import { removeDir, tempDir, writeFile } from './helpers.js';

const ANSWERS: Record<string, { status: number; message: string }> = {
  denied: { status: 403, message: "ci@proj.iam.gserviceaccount.com does not have storage.objects.list access to the Google Cloud Storage bucket. Permission 'storage.objects.list' denied on resource (or it may not exist)." },
  missing: { status: 404, message: 'The specified bucket does not exist.' },
  anonymous: { status: 401, message: 'Anonymous caller does not have storage.objects.list access to the Google Cloud Storage bucket.' },
};

describe('GCS errors through the real client', () => {
  let server: http.Server;
  let endpoint: string;
  const seen: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const bucket = /\/b\/([^/]+)\//.exec(req.url ?? '')?.[1] ?? '';
      const answer = ANSWERS[bucket] ?? { status: 400, message: 'unexpected' };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: answer.status, message: answer.message, errors: [{ message: answer.message, domain: 'global', reason: 'x' }] } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const cases: [string, string, RegExp][] = [
    ['denied', 'ERR_GCS_PERMISSION', /Permission denied to list gs:\/\/denied/],
    ['missing', 'ERR_GCS_BUCKET_MISSING', /Bucket gs:\/\/missing does not exist/],
    ['anonymous', 'ERR_GCS_CREDENTIALS', /No usable Google Cloud credentials to list gs:\/\/anonymous/],
  ];
  for (const [bucket, code, message] of cases) {
    test(`${bucket} bucket → ${code}`, async () => {
      const root = tempDir('err');
      try {
        writeFile(root, 'runs/r.jsonl', 'x');
        const store = await createGcsStore({ apiEndpoint: endpoint, projectId: 'p' });
        await assert.rejects(syncArtifacts({ store, artifactsDir: root, bucket }), (err: unknown) => {
          assert.ok(isMallardError(err));
          assert.equal(err.code, code);
          assert.match(err.message, message);
          assert.ok(err.suggestions.length > 0);
          return true;
        });
      } finally {
        removeDir(root);
      }
    });
  }

  test('the request really reached the server (no retry storm for 4xx)', () => {
    assert.ok(seen.length >= 3 && seen.length <= 6, seen.join('\n'));
  });

  test('a 412 is ERR_GCS_PRECONDITION naming the object, never retryable; an object 404 in a bucket named "…bucket…" is not a missing bucket', () => {
    const failed = Object.assign(new Error('At least one of the pre-conditions you specified did not hold.'), { code: 412 });
    const err = toGcsError(failed, { bucket: 'team-bucket', object: 'state/s/ckan/current.json', action: 'write', ifGenerationMatch: 17 });
    assert.equal(err.code, 'ERR_GCS_PRECONDITION');
    assert.equal(err.retryable, false);
    assert.match(err.message, /Did not write gs:\/\/team-bucket\/state\/s\/ckan\/current\.json: its generation is no longer 17/);
    const created = toGcsError(failed, { bucket: 'b', object: 'o', action: 'upload', ifGenerationMatch: 0 });
    assert.match(created.message, /it already exists/);
    const noObject = toGcsError(Object.assign(new Error('No such object: team-bucket/x'), { code: 404 }), { bucket: 'team-bucket', object: 'x', action: 'download' });
    assert.equal(noObject.code, 'ERR_GCS');
    assert.equal(noObject.context.status, 404);
  });

  test('missing Application Default Credentials read as a credentials error naming the bucket', () => {
    const adc = new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    const err = toGcsError(adc, { bucket: 'team', action: 'list' });
    assert.equal(err.code, 'ERR_GCS_CREDENTIALS');
    assert.match(err.message, /gs:\/\/team/);
    assert.match(err.suggestions.join('\n'), /application-default login/);
  });
});
