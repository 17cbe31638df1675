import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MallardError } from '../../src/engine/errors.js';
import { readRepoRecord } from '../../src/sources/github/index.js';
import { readCrawlManifest, readPageMetaFile } from '../../src/sources/ckan/state.js';
import { readStateFile, readStateFileSync, requireStateFileSync } from '../../src/store/index.js';
import { withTempDir } from '../support/temp-dir.js';

const spec = { what: 'the test state', schema: z.object({ n: z.number() }), remedy: 'delete it' };

function errorOf(fn: () => unknown): MallardError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MallardError, String(err));
    return err;
  }
  assert.fail('no error');
}

describe('the state-file reader', () => {
  test('valid, missing, not JSON, wrong shape', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 's.json');
      assert.equal(readStateFileSync(file, spec), undefined);
      assert.match(errorOf(() => requireStateFileSync(file, spec)).message, /^The test state .*s\.json is missing$/);
      fs.writeFileSync(file, '{"n": 3}');
      assert.deepEqual(readStateFileSync(file, spec), { n: 3 });
      fs.writeFileSync(file, '{"n": ');
      const notJson = errorOf(() => readStateFileSync(file, spec));
      assert.equal(notJson.code, 'ERR_STATE_FILE');
      assert.ok(notJson.message.startsWith(`The test state ${file} is not valid JSON`), notJson.message);
      assert.deepEqual(notJson.suggestions, ['delete it']);
      fs.writeFileSync(file, '{"n": "3"}');
      const wrong = await readStateFile(file, spec).then(() => assert.fail('accepted'), (e: MallardError) => e);
      assert.match(wrong.message, /is malformed at n: .*expected number/);
      assert.equal(wrong.context.file, file);
    });
  });

  test('CKAN crawl files and GitHub records are read through it', async () => {
    await withTempDir(async (dir) => {
      const crawl = path.join(dir, 'crawl.json');
      fs.writeFileSync(crawl, '{}');
      assert.match(errorOf(() => readCrawlManifest(crawl)).message, /The crawl manifest .* is malformed at site/);
      const meta = path.join(dir, 'page_000000050.json');
      fs.writeFileSync(meta, JSON.stringify({ start: 50, rows: 10, count: 'sixty', received: 10, bytes: 1, url: 'x' }));
      assert.match(errorOf(() => readPageMetaFile(meta)).message, /The page metadata .* is malformed at count/);
      const record = path.join(dir, 'o__r.json');
      fs.writeFileSync(record, JSON.stringify({ requested: 'o/r', status: 'maybe', httpStatus: 200, fetchedAt: 'x', checkedAt: 'x' }));
      const bad = errorOf(() => readRepoRecord(record));
      assert.match(bad.message, /The GitHub repository record .*o__r\.json is malformed at status/);
      assert.match(bad.suggestions[0] ?? '', /delete it and rerun enrich-github-repos/);
      fs.writeFileSync(record, JSON.stringify({ requested: 'o/r', status: 'ok', httpStatus: 200, fetchedAt: 'x', checkedAt: 'x', stars: 5 }));
      assert.equal(readRepoRecord(record)?.stars, 5, 'fields outside the schema are kept');
    });
  });
});
