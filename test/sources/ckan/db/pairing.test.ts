/**
 * How a chunk's datasets and resources scans pick the kept lines (load-sql.ts Pairing): a chunk
 * that drops no line is scanned without a filter, as a filter on a from_json field makes DuckDB
 * parse every line twice; a chunk that drops only lines without an id filters on the id; a chunk
 * where a duplicate lost pairs its lines with the keys. Each must give the tables one chunk gives.
 */
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../../../src/duckdb/index.js';
import { buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import { pairingOf } from '../../../../src/sources/ckan/db/fill.js';
import { LOAD_DB, insertDatasetsSql, pagesWithDroppedSql, type PageScan } from '../../../../src/sources/ckan/db/load-sql.js';
import { RAW_CKAN_SCHEMA_SQL } from '../../../../src/sources/ckan/db/schema.js';
import { generatePackages, type CkanPackage } from '../../../support/ckan-corpus.js';
import { dumpTables, readDb, writePackagePages } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

const scanOf = (firstPage: number, n: number): PageScan => {
  const files = Array.from({ length: n }, (_, i) => `/p/page_${firstPage + i}.ndjson`);
  return { files, names: files, firstPage, bytes: 1 };
};

describe('the pairing of a chunk', () => {
  test('follows the dropped lines of the chunk\'s own pages only', () => {
    assert.equal(pairingOf(scanOf(1, 2), new Map()), 'all');
    assert.equal(pairingOf(scanOf(1, 2), new Map([[0, true], [3, false]])), 'all');
    assert.equal(pairingOf(scanOf(1, 2), new Map([[2, false]])), 'with-id');
    assert.equal(pairingOf(scanOf(1, 2), new Map([[1, false], [2, true]])), 'keys');
  });

  test('the pages with dropped lines say whether a duplicate lost there', async () => {
    const db = await openDatabase(':memory:');
    try {
      await db.run(`ATTACH ':memory:' AS ${LOAD_DB};
CREATE TABLE ${LOAD_DB}.keys AS SELECT * FROM (VALUES (0, 'a', false), (1, 'b', true), (1, NULL, true), (2, '', true), (3, 'c', false)) t(page, id, dropped)`);
      assert.deepEqual(await db.all(pagesWithDroppedSql()), [{ page: 1, duplicate: true }, { page: 2, duplicate: false }]);
    } finally {
      await db.close();
    }
  });

  test('a chunk that drops no line parses each line once; filtering on the id parses it again', async () => {
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), [generatePackages(2, 3)]);
      const db = await openDatabase(':memory:');
      try {
        await db.run(RAW_CKAN_SCHEMA_SQL);
        // The plan names the projection's from_json by its alias; an operator that parses the line
        // again (the filter on the id) spells from_json out.
        const parsesAgain = async (pairing: 'all' | 'with-id'): Promise<number> => {
          const plan = JSON.stringify(await db.all(`EXPLAIN (FORMAT json) ${insertDatasetsSql({ files, names: files, firstPage: 0, bytes: 1 }, pairing)}`));
          return plan.split('from_json(').length - 1;
        };
        assert.equal(await parsesAgain('all'), 0);
        assert.equal(await parsesAgain('with-id'), 1);
      } finally {
        await db.close();
      }
    });
  });

  test('chunks of each pairing give the tables one chunk gives', async () => {
    const packages = generatePackages(300, 5);
    const pages: CkanPackage[][] = [0, 1, 2].map((i) => packages.slice(i * 100, i * 100 + 100));
    // page 1 drops a line without an id (with-id), page 2 a duplicate of a page 0 package (keys), page 0 nothing (all)
    pages[1] = [...(pages[1] as CkanPackage[]), { ...(pages[1] as CkanPackage[])[0], id: '' } as CkanPackage];
    pages[2] = [...(pages[2] as CkanPackage[]), (pages[0] as CkanPackage[])[3] as CkanPackage];
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), pages);
      const dumps = [];
      for (const [name, chunkBytes] of [['one.db', undefined], ['each.db', 1]] as const) {
        const summary = await buildCkanApiDatabase(path.join(dir, name), files, { now: () => new Date('2024-01-01T00:00:00Z'), chunkBytes });
        assert.deepEqual([summary.packages, summary.invalid, summary.duplicates, summary.datasets], [302, 1, 1, 300]);
        dumps.push(await readDb(path.join(dir, name), dumpTables));
      }
      assert.deepEqual(dumps[1], dumps[0]);
      // the copy of the later page wins (same metadata_modified): the package moves to page 2's end
      const expected = [...packages.filter((_, i) => i !== 3), packages[3] as CkanPackage].map((p) => p.id);
      assert.deepEqual(dumps[0]?.['datasets']?.map((r) => r['id']), expected);
    });
  });
});
