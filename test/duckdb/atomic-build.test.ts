import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPartialPath, partialPathFor } from '../../src/engine/atomic-file.js';
import { DatabaseRegistry, buildDatabaseAtomically, openDatabase, tableRowCounts } from '../../src/duckdb/index.js';
import { MallardError } from '../../src/engine/errors.js';
import { withTempDir } from '../support/temp-dir.js';

async function countsOf(file: string): Promise<Record<string, number>> {
  const db = await openDatabase(file, { readOnly: true, registry: new DatabaseRegistry() });
  try {
    return await tableRowCounts(db);
  } finally {
    await db.close();
  }
}

describe('buildDatabaseAtomically', () => {
  test('builds a new file, returns what the build returned, leaves nothing else behind', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'nested', 'out.db');
      const result = await buildDatabaseAtomically(final, async (db) => {
        await db.run('CREATE TABLE t AS SELECT range AS i FROM range(1000)');
        return 'built';
      });
      assert.equal(result, 'built');
      assert.deepEqual(await countsOf(final), { t: 1000 });
      assert.deepEqual(await readdir(path.dirname(final)), ['out.db']);
    });
  });

  test('data written without an explicit CHECKPOINT survives the rename (no WAL left behind)', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'out.db');
      await buildDatabaseAtomically(final, async (db) => {
        await db.run('SET checkpoint_threshold = \'1GB\'; CREATE TABLE t (i INTEGER); INSERT INTO t SELECT * FROM range(10)');
      });
      assert.deepEqual(await readdir(dir), ['out.db']);
      assert.deepEqual(await countsOf(final), { t: 10 });
    });
  });

  test('a failing build leaves the previous file byte-identical and no temporary files', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'out.db');
      await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE old AS SELECT 1 AS v'));
      const before = await readFile(final);
      const listing = await readdir(dir);
      let seenTemp = '';
      let during: string[] = [];
      const err = await buildDatabaseAtomically(final, async (db) => {
        seenTemp = db.path;
        // a WAL and a spill directory next to the temporary file before the failure
        await db.run("SET memory_limit = '128MB'; SET checkpoint_threshold = '1GB'; CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1)");
        await db.run('CREATE TEMP TABLE spilled AS SELECT range AS i, md5(range::VARCHAR) || repeat(\'x\', 100) AS s FROM range(1500000)');
        during = await readdir(dir);
        throw new Error('boom');
      }).then(() => undefined, (e: unknown) => e);
      assert.ok(during.includes(`${path.basename(seenTemp)}.wal`), during.join(', '));
      assert.ok(during.includes(`${path.basename(seenTemp)}.tmp`), during.join(', '));
      assert.ok(err instanceof Error && err.message === 'boom', String(err));
      assert.ok(isPartialPath(seenTemp) && path.basename(seenTemp).startsWith('.out.db.'), seenTemp);
      assert.deepEqual(await readdir(dir), listing);
      assert.ok((await readFile(final)).equals(before));
      assert.deepEqual(await countsOf(final), { old: 1 });
    });
  });

  test('a DuckDB error in the build comes out as ERR_DUCKDB and changes nothing', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'out.db');
      const err = await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE t AS SELECT * FROM nowhere'))
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof MallardError && err.code === 'ERR_DUCKDB');
      assert.deepEqual(await readdir(dir), []);
    });
  });

  test('the temporary name never collides with DuckDB\'s spill directory <final>.tmp', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'x.db');
      await mkdir(`${final}.tmp`); // what DuckDB creates when x.db spills
      await writeFile(path.join(`${final}.tmp`, 'keep'), 'spill of another run');
      const temp = partialPathFor(final);
      assert.notEqual(temp, `${final}.tmp`);
      assert.equal(path.dirname(temp), dir);
      assert.notEqual(partialPathFor(final), temp);
      await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE t (i INTEGER)'));
      assert.deepEqual(await countsOf(final), { t: 0 });
      assert.equal(await readFile(path.join(`${final}.tmp`, 'keep'), 'utf8'), 'spill of another run');
    });
  });

  test('removes a stale WAL of the file it replaces', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'out.db');
      await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE t AS SELECT 1 AS v'));
      await writeFile(`${final}.wal`, 'a WAL left by a crash of the previous file');
      await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE u AS SELECT 2 AS v'));
      assert.deepEqual(await readdir(dir), ['out.db']);
      assert.deepEqual(await countsOf(final), { u: 1 });
    });
  });

  test('refuses to replace a file open in this process', async () => {
    await withTempDir(async (dir) => {
      const registry = new DatabaseRegistry();
      const final = path.join(dir, 'out.db');
      await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE t AS SELECT 1 AS v'), { registry });
      const reader = await openDatabase(final, { readOnly: true, registry });
      try {
        const err = await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE u (i INTEGER)'), { registry })
          .then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof MallardError && err.code === 'ERR_DUCKDB' && /open in this process/.test(err.message));
      } finally {
        await reader.close();
      }
      assert.deepEqual(await readdir(dir), ['out.db']);
    });
  });

  test('replaces a read-only (0444) previous file', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'out.db');
      await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE t AS SELECT 1 AS v'));
      const { chmod } = await import('node:fs/promises');
      await chmod(final, 0o444);
      await buildDatabaseAtomically(final, (db) => db.run('CREATE TABLE u AS SELECT * FROM range(3)'), { rowGroupSize: 2048 });
      assert.deepEqual(await countsOf(final), { u: 3 });
      assert.ok((await stat(final)).isFile());
    });
  });
});
