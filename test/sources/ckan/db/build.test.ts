import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseRegistry, openDatabase, tableRowCounts } from '../../../../src/duckdb/index.js';
import { MallardError } from '../../../../src/engine/errors.js';
import {
  CKAN_TABLES,
  buildCkanApiDatabase,
  buildEmptyCkanApiDatabase,
  createRawCkanSchema,
  loadCkanPages,
} from '../../../../src/sources/ckan/db/index.js';
import { generatePackages } from '../../../support/ckan-corpus.js';
import { NO_COERCIONS, readDb, writePackagePages, writeRawPages } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

async function failure(promise: Promise<unknown>): Promise<MallardError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof MallardError, `expected a MallardError, got ${String(err)}`);
  return err;
}

describe('ckan_api.db builds', () => {
  test('the empty database has every table of the raw schema, typed', async () => {
    await withTempDir(async (dir) => {
      const target = path.join(dir, 'ckan_api.db');
      await buildEmptyCkanApiDatabase(target);
      await readDb(target, async (db) => {
        assert.deepEqual(Object.keys(await tableRowCounts(db)).sort(), [...CKAN_TABLES].sort());
        const types = await db.all("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE column_name IN ('metadata_modified', 'raw', 'size', 'private') ORDER BY ALL");
        assert.deepEqual(types, [
          { table_name: 'datasets', column_name: 'metadata_modified', data_type: 'TIMESTAMP' },
          { table_name: 'datasets', column_name: 'private', data_type: 'BOOLEAN' },
          { table_name: 'datasets', column_name: 'raw', data_type: 'JSON' },
          { table_name: 'resources', column_name: 'size', data_type: 'BIGINT' },
        ]);
      });
      assert.deepEqual(await readdir(dir), ['ckan_api.db']);
    });
  });

  test('a load that fails on a truncated page names the file and leaves the previous ckan_api.db byte-identical', async () => {
    await withTempDir(async (dir) => {
      const target = path.join(dir, 'work', 'ckan_api.db');
      const good = await writePackagePages(path.join(dir, 'pages'), [generatePackages(30, 1)]);
      await buildCkanApiDatabase(target, good);
      const before = await readFile(target);
      const line = JSON.stringify(generatePackages(1, 2)[0]);
      const bad = await writeRawPages(path.join(dir, 'bad'), [[line, line.slice(0, 500)]]);
      for (const chunkBytes of [undefined, 1]) {
        const err = await failure(buildCkanApiDatabase(target, [...good, ...bad], { chunkBytes }));
        assert.equal(err.code, 'ERR_PAGE_FILE');
        assert.equal(err.context['file'], bad[0], err.message);
        assert.ok((await readFile(target)).equals(before));
        assert.deepEqual(await readdir(path.dirname(target)), ['ckan_api.db']);
      }
    });
  });

  test('missing, repeated or glob-like page files are refused before anything is built', async () => {
    await withTempDir(async (dir) => {
      const [page] = await writePackagePages(path.join(dir, 'pages'), [generatePackages(3, 1)]);
      const target = path.join(dir, 'out', 'ckan_api.db');
      const missing = await failure(buildCkanApiDatabase(target, [path.join(dir, 'pages', 'page_000000100.ndjson')]));
      assert.equal(missing.code, 'ERR_PAGE_FILE');
      assert.match(missing.message, /page_000000100\.ndjson/);
      const twice = await failure(buildCkanApiDatabase(target, [page as string, path.join(dir, 'pages', '..', 'pages', path.basename(page as string))]));
      assert.match(twice.message, /listed twice/);
      const globbed = path.join(dir, 'pages', 'page_[1].ndjson');
      await writeFile(globbed, '');
      assert.match((await failure(buildCkanApiDatabase(target, [globbed]))).message, /glob/);
      assert.deepEqual(await readdir(path.join(dir, 'out')), []);
    });
  });

  test('a load in several chunks leaves nothing behind but the database', async () => {
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), [generatePackages(200, 4), generatePackages(100, 5)]);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files, { chunkBytes: 1 });
      assert.equal(summary.datasets, 300);
      assert.deepEqual(await readdir(dir), ['ckan_api.db', 'pages']);
    });
  });

  test('loadCkanPages on a database that already holds data is refused; no pages load nothing', async () => {
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), [generatePackages(5, 1)]);
      const db = await openDatabase(path.join(dir, 'x.db'), { registry: new DatabaseRegistry() });
      try {
        await createRawCkanSchema(db);
        const none = await loadCkanPages(db, []);
        assert.deepEqual(none, { pages: 0, packages: 0, invalid: 0, duplicates: 0, datasets: 0, resources: 0, tags: 0, extras: 0, groups: 0, organizations: 0, deleted: 0, coerced: NO_COERCIONS });
        assert.equal((await loadCkanPages(db, files)).datasets, 5);
        const err = await failure(loadCkanPages(db, files));
        assert.equal(err.code, 'ERR_USAGE');
        assert.equal((await tableRowCounts(db))['datasets'], 5);
        // the load leaves no temporary table and restores the session's insertion order setting
        assert.deepEqual(await db.all('SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE temporary'), [{ n: 0 }]);
        assert.deepEqual(await db.all("SELECT current_setting('preserve_insertion_order') AS v"), [{ v: true }]);
      } finally {
        await db.close();
      }
    });
  });
});
