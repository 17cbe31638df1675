/** duckdb.memoryLimit: parsing, the build's memory_limit and temp_directory, spilling under it, and an out-of-memory error naming the setting. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DUCKDB_SHARE, DatabaseRegistry, buildDatabaseAtomically, memoryLimitBytes, memorySettings } from '../../src/duckdb/index.js';
import { MallardError } from '../../src/engine/errors.js';
import { withTempDir } from '../support/temp-dir.js';

describe('duckdb.memoryLimit', () => {
  test('sizes and shares of RAM', () => {
    assert.equal(memoryLimitBytes('1GB'), 1e9);
    assert.equal(memoryLimitBytes('512MiB'), 512 * 2 ** 20);
    assert.equal(memoryLimitBytes('25%', 8 * 2 ** 30), 2 * 2 ** 30);
    assert.equal(memoryLimitBytes(' 2.5 gib '), 2.5 * 2 ** 30);
    assert.equal(memoryLimitBytes('1MB'), 128 * 2 ** 20, 'never below what a bulk load needs');
    // DuckDB gets DUCKDB_SHARE of the budget (the rest is headroom for the process), never less than the floor.
    assert.equal(DUCKDB_SHARE, 0.7);
    assert.deepEqual(memorySettings('1GB'), { memory_limit: '667MiB' });
    assert.deepEqual(memorySettings('256MB'), { memory_limit: '170MiB' });
    assert.deepEqual(memorySettings('128MiB'), { memory_limit: '128MiB' });
    assert.throws(() => memoryLimitBytes('lots'), (err: unknown) => err instanceof MallardError && err.code === 'ERR_CONFIG' && /duckdb\.memoryLimit/.test(err.message));
  });

  test('a build runs under the limit and spills into its own directory next to the build, removed after', async () => {
    await withTempDir(async (dir) => {
      const final = path.join(dir, 'work', 'big.db');
      const seen = await buildDatabaseAtomically(final, async (db) => {
        const [row] = await db.all("SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t");
        // A sort of ~200 MB of rows under a 128 MiB limit must spill to finish.
        await db.run('CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(1500000) ORDER BY h');
        return row;
      }, { settings: memorySettings('128MiB'), registry: new DatabaseRegistry() });
      assert.match(String(seen?.['m']), /^12[0-9]\.\d MiB$/);
      assert.match(String(seen?.['t']), new RegExp(`^${path.join(dir, 'work', '.big.db.')}.*\\.partial\\.tmp$`));
      assert.deepEqual(await readdir(path.join(dir, 'work')), ['big.db'], 'the spill directory went with the build');
    });
  });

  test('an out-of-memory error names duckdb.memoryLimit and the limit in force', async () => {
    await withTempDir(async (dir) => {
      const err = await buildDatabaseAtomically(path.join(dir, 'x.db'), async (db) => {
        await db.run('CREATE TABLE t AS SELECT list(range) AS l FROM range(100000000)');
      }, { settings: memorySettings('128MiB'), registry: new DatabaseRegistry() }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof MallardError, String(err));
      assert.equal(err.code, 'ERR_DUCKDB');
      assert.match(err.message, /ran out of memory .*\(memory limit 128MiB\); raise duckdb\.memoryLimit in the site config/);
      assert.match(err.suggestions.join('\n'), /duckdb\.memoryLimit/);
      assert.deepEqual(await readdir(dir), [], 'nothing left of the failed build');
    });
  });
});
