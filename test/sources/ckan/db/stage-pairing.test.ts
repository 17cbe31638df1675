/**
 * The children side's stage is cut to the kept lines by position (rowid), after a check that its
 * rows are the keys' lines: a stage out of line with the keys must be caught, never loaded.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type DuckDbHandle } from '../../../../src/duckdb/index.js';
import { LOAD_DB, STAGE, dropFromStageSql, stageMisalignedSql, type PageScan } from '../../../../src/sources/ckan/db/load-sql.js';

/** Keys of pages 0-2 (page 1 is the scan) and, in a transaction as the load does, a stage of page 1. */
async function withStage(stage: readonly (readonly [number, string | null])[], fn: (db: DuckDbHandle, scan: PageScan) => Promise<void>): Promise<void> {
  const db = await openDatabase(':memory:');
  try {
    await db.run(`ATTACH ':memory:' AS ${LOAD_DB};
CREATE TABLE ${LOAD_DB}.keys (page INTEGER, id VARCHAR, metadata_modified VARCHAR, dropped BOOLEAN);
INSERT INTO ${LOAD_DB}.keys VALUES (0, 'x', NULL, false), (1, 'a', NULL, false), (1, 'b', NULL, true), (1, NULL, NULL, true), (1, 'c', NULL, false), (2, 'y', NULL, false);
BEGIN TRANSACTION;
CREATE TEMP TABLE ${STAGE} (page INTEGER, id VARCHAR);`);
    for (const [page, id] of stage) await db.run(`INSERT INTO ${STAGE} VALUES (?, ?)`, [page, id]);
    await fn(db, { files: ['/p/page_1.ndjson'], names: ['page_1.ndjson'], firstPage: 1, bytes: 1 });
  } finally {
    await db.close();
  }
}

const misaligned = async (db: DuckDbHandle, scan: PageScan): Promise<number> => Number((await db.all(stageMisalignedSql(scan)))[0]?.['n']);

describe('the stage cut by position', () => {
  test('a stage that is the scan\'s lines passes the check and keeps only the kept lines, in order', async () => {
    await withStage([[1, 'a'], [1, 'b'], [1, null], [1, 'c']], async (db, scan) => {
      assert.equal(await misaligned(db, scan), 0);
      await db.run(dropFromStageSql(scan));
      assert.deepEqual(await db.all(`SELECT id FROM ${STAGE}`), [{ id: 'a' }, { id: 'c' }]);
    });
  });

  test('a stage with lines swapped, missing or extra is caught', async () => {
    await withStage([[1, 'b'], [1, 'a'], [1, null], [1, 'c']], async (db, scan) => assert.equal(await misaligned(db, scan), 2));
    await withStage([[1, 'a'], [1, 'b'], [1, null]], async (db, scan) => assert.equal(await misaligned(db, scan), 1));
    await withStage([[1, 'a'], [1, 'b'], [1, null], [1, 'c'], [1, 'd']], async (db, scan) => assert.equal(await misaligned(db, scan), 1));
  });
});
