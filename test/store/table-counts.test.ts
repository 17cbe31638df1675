import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase } from '../../src/duckdb/index.js';
import { MallardError } from '../../src/engine/errors.js';
import { countTableRows } from '../../src/store/table-counts.js';
import { withTempDir } from '../support/temp-dir.js';

describe('countTableRows (the store opens DuckDB only through src/duckdb)', () => {
  test('counts every table, schema-qualified outside main', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'x.db');
      const db = await openDatabase(file);
      await db.run('CREATE TABLE a AS SELECT * FROM range(3); CREATE SCHEMA s; CREATE TABLE s.b (i INTEGER); CREATE VIEW v AS SELECT 1');
      await db.close();
      assert.deepEqual(await countTableRows(file), { a: 3, 's.b': 0 });
    });
  });

  test('a file still open in this process is refused, not opened by a second instance', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'open.db');
      const db = await openDatabase(file);
      try {
        await db.run('CREATE TABLE t (i INTEGER)');
        const err = await countTableRows(file, 'ckan_api.db').then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof MallardError && err.code === 'ERR_PUBLISH', String(err));
        assert.match(err.message, /ckan_api\.db/);
        assert.match(err.message, /open in this process|already open/i);
      } finally {
        await db.close();
      }
    });
  });
});
