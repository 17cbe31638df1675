/**
 * The checkpoint of a full load writes no row of data again (build.ts FULL_LOAD_SETTINGS): each
 * chunk's INSERT ends in a row group it did not fill, and DuckDB's vacuum at the checkpoint would
 * merge those with their neighbours, rewriting rows of raw JSON (a third more written at 100,000
 * datasets, bench:ckan-load). The row groups stay as the
 * inserts wrote them, and the tables are the same as with the vacuum.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDbHandle } from '../../../../src/duckdb/index.js';
import { buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import { estimateLineBytes, parseMemoryLimit, rowGroupSizeFor } from '../../../../src/sources/ckan/db/memory.js';
import { generatePackages } from '../../../support/ckan-corpus.js';
import { dumpTables, readDb, writePackagePages } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

/** Rows of each row group of the datasets table, in order. */
async function datasetRowGroups(db: DuckDbHandle): Promise<number[]> {
  const rows = await db.all(`SELECT row_group_id AS g, sum(count)::BIGINT AS n FROM pragma_storage_info('datasets')
WHERE column_id = 0 AND segment_type <> 'VALIDITY' GROUP BY 1 ORDER BY 1`);
  return rows.map((r) => Number(r['n']));
}

describe('the checkpoint of a full load', () => {
  test('keeps the row groups each chunk wrote (no vacuum), with the same tables as a vacuumed build', async () => {
    await withTempDir(async (dir) => {
      // Two chunks of 5 pages of a quarter row group each: each chunk ends in a row group a
      // quarter full. The limit keeps the row groups at DuckDB's least (2,048 rows, memory.ts).
      const limit = '128MB';
      const sample = await writePackagePages(path.join(dir, 'sample'), [generatePackages(400, 11)]);
      const rowGroup = rowGroupSizeFor(parseMemoryLimit(limit), await estimateLineBytes([{ file: sample[0] as string, bytes: (await stat(sample[0] as string)).size }]));
      assert.equal(rowGroup, 2048);
      const perPage = rowGroup / 4;
      const packages = generatePackages(10 * perPage, 11);
      const files = await writePackagePages(path.join(dir, 'pages'), Array.from({ length: 10 }, (_, i) => packages.slice(i * perPage, (i + 1) * perPage)));
      const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
      const bytesOf = (from: number, n: number): number => sizes.slice(from, from + n).reduce((a, b) => a + b, 0);
      const chunkBytes = Math.max(bytesOf(0, 5), bytesOf(5, 5));
      assert.ok(chunkBytes < bytesOf(0, 6), 'five pages per chunk');
      const now = (): Date => new Date('2024-01-01T00:00:00Z');
      const built = path.join(dir, 'built.db');
      const vacuumed = path.join(dir, 'vacuumed.db');
      await buildCkanApiDatabase(built, files, { now, chunkBytes, memoryLimit: limit });
      await buildCkanApiDatabase(vacuumed, files, { now, chunkBytes, memoryLimit: limit, settings: { max_vacuum_tasks: '100' } });

      const [kept, merged] = [await readDb(built, datasetRowGroups), await readDb(vacuumed, datasetRowGroups)];
      assert.equal(kept.reduce((a, b) => a + b, 0), 10 * perPage);
      assert.ok(Math.max(...kept) <= rowGroup, `row groups of at most ${rowGroup} rows: ${kept.join(', ')}`);
      // A vacuumed build merges the partly filled row groups into fewer; the load's keeps them.
      assert.ok(merged.length < kept.length, `vacuum merged nothing (${merged.join(', ')}), so this test shows nothing`);
      assert.ok(kept.slice(0, -1).some((n) => n <= perPage), `a chunk's last row group is kept as written: ${kept.join(', ')}`);

      assert.deepEqual(await readDb(built, dumpTables), await readDb(vacuumed, dumpTables));
    });
  });
});
