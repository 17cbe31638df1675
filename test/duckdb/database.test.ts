import { spawn } from 'node:child_process';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseRegistry, MEMORY, openDatabase, tableRowCounts } from '../../src/duckdb/index.js';
import { MallardError } from '../../src/engine/errors.js';
import { withTempDir } from '../support/temp-dir.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<MallardError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof MallardError, `expected a MallardError, got ${String(err)}`);
  assert.equal(err.code, code);
  if (pattern) assert.match(err.message, pattern);
  return err;
}

describe('openDatabase', () => {
  test('runs statements and returns JSON-safe rows', async () => {
    await withTempDir(async (dir) => {
      const db = await openDatabase(path.join(dir, 'a.db'));
      await db.run('CREATE TABLE t (id INTEGER, big BIGINT, name VARCHAR, ts TIMESTAMP); INSERT INTO t VALUES (1, 9007199254740993, \'x\', TIMESTAMP \'2020-01-02 03:04:05\')');
      const rows = await db.all('SELECT * FROM t');
      assert.deepEqual(rows, [{ id: 1, big: '9007199254740993', name: 'x', ts: '2020-01-02 03:04:05' }]);
      assert.doesNotThrow(() => JSON.stringify(rows));
      assert.deepEqual(await db.all('SELECT ?::INTEGER + 1 AS n, ? AS s', [41, 'y']), [{ n: 42, s: 'y' }]);
      assert.deepEqual(await db.all('SELECT $who AS s', { who: "it's" }), [{ s: "it's" }]);
      await db.close();
      await db.close(); // idempotent
    });
  });

  test('refuses a second open of a file still open in this process, allows it after close', async () => {
    await withTempDir(async (dir) => {
      const registry = new DatabaseRegistry();
      const file = path.join(dir, 'a.db');
      const first = await openDatabase(file, { registry });
      await rejectsWith(openDatabase(path.join(dir, '.', 'a.db'), { registry }), 'ERR_DUCKDB', /already open in this process/);
      await rejectsWith(openDatabase(file, { registry, readOnly: true }), 'ERR_DUCKDB', /already open/);
      await first.close();
      const second = await openDatabase(file, { registry });
      await second.close();
    });
  });

  test('wraps DuckDB errors as ERR_DUCKDB naming the file and the first line of the statement', async () => {
    await withTempDir(async (dir) => {
      const db = await openDatabase(path.join(dir, 'a.db'));
      try {
        const err = await rejectsWith(db.all('\n  SELECT * FROM missing_table\n  WHERE 1 = 1'), 'ERR_DUCKDB', /missing_table/);
        assert.equal(err.context['file'], path.join(dir, 'a.db'));
        assert.equal(err.context['sql'], 'SELECT * FROM missing_table');
        assert.ok(err.cause instanceof Error);
        // the handle still works after a failed statement
        assert.deepEqual(await db.all('SELECT 1 AS one'), [{ one: 1 }]);
      } finally {
        await db.close();
      }
      await rejectsWith(db.run('SELECT 1'), 'ERR_DUCKDB', /closed/);
    });
  });

  test('opens a 0444 file read-only, and refuses writes to it', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'published.db');
      const writer = await openDatabase(file);
      await writer.run('CREATE TABLE t AS SELECT range AS i FROM range(5)');
      await writer.close();
      await chmod(file, 0o444);
      const reader = await openDatabase(file, { readOnly: true });
      try {
        assert.deepEqual(await tableRowCounts(reader), { t: 5 });
        await rejectsWith(reader.run('INSERT INTO t VALUES (6)'), 'ERR_DUCKDB', /read-only/i);
      } finally {
        await reader.close();
      }
      if (process.getuid?.() !== 0) {
        const err = await rejectsWith(openDatabase(file), 'ERR_DUCKDB');
        assert.ok(err.suggestions.length > 0);
      }
    });
  });

  test('a read-only open of a missing file fails and creates nothing', async () => {
    await withTempDir(async (dir) => {
      await rejectsWith(openDatabase(path.join(dir, 'nope.db'), { readOnly: true }), 'ERR_DUCKDB');
      assert.deepEqual(await readdir(dir), []);
    });
  });

  test('a file another process holds is refused at once: ERR_DUCKDB_LOCKED naming the file and the holder\'s pid', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'held.db');
      const script = path.join(dir, 'hold.mjs');
      const api = path.join(repoRoot, 'node_modules', '@duckdb', 'node-api', 'lib', 'index.js');
      await writeFile(script, `import { DuckDBInstance } from ${JSON.stringify(api)};
const db = await DuckDBInstance.create(${JSON.stringify(file)});
await (await db.connect()).run('CREATE TABLE t (i INTEGER)');
process.stdout.write('ready\\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();\n`);
      const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'node'), [script], { stdio: ['pipe', 'pipe', 'inherit'] });
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
          child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
        });
        const err = await rejectsWith(openDatabase(file, { readOnly: true, registry: new DatabaseRegistry() }), 'ERR_DUCKDB_LOCKED', /is in use by another program/);
        // One message naming the file and the holder (DuckDB's text gives the holder's pid).
        assert.ok(err.message.startsWith(`${file} is in use by another program: PID ${child.pid}, `), err.message);
        assert.deepEqual((err.context['holder'] as { pid?: number }).pid, child.pid);
        assert.match(err.suggestions.join(' '), /close .*held\.db in that program/);
      } finally {
        child.stdin.end();
        await new Promise((resolve) => child.once('exit', resolve));
      }
    });
  });

  test('in memory, and through ATTACH with a row group size', async () => {
    const mem = await openDatabase(MEMORY);
    assert.deepEqual(await mem.all('SELECT 42 AS n'), [{ n: 42 }]);
    await mem.close();
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'rg.db');
      const db = await openDatabase(file, { rowGroupSize: 2048 });
      await db.run('CREATE TABLE t AS SELECT range AS i FROM range(5000); CHECKPOINT');
      const groups = await db.all("SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM pragma_storage_info('t')");
      assert.equal(groups[0]?.['n'], 3);
      await db.close();
      const again = await openDatabase(file, { readOnly: true });
      assert.deepEqual(await tableRowCounts(again), { t: 5000 });
      await again.close();
      const memoryNamed = await openDatabase(path.join(dir, 'memory.db'), { rowGroupSize: 4096 });
      assert.deepEqual(await memoryNamed.all('SELECT current_database() AS c'), [{ c: 'memory_db' }]);
      await memoryNamed.close();
      assert.deepEqual((await readdir(dir)).sort(), ['memory.db', 'rg.db']);
    });
  });

  test('connect: a second connection on the same file, with its own transactions and temporary tables', async () => {
    await withTempDir(async (dir) => {
      for (const rowGroupSize of [undefined, 4096]) {
        const file = path.join(dir, `c${rowGroupSize ?? ''}.db`);
        const db = await openDatabase(file, { rowGroupSize });
        const other = await db.connect();
        await db.run('CREATE TABLE a (i INTEGER); CREATE TEMP TABLE mine AS SELECT 1 AS x');
        await db.run('BEGIN; INSERT INTO a VALUES (1)');
        // the other connection writes the same file's default catalog, does not see uncommitted rows nor the temp table
        assert.deepEqual(await other.all('SELECT count(*)::INTEGER AS n FROM a'), [{ n: 0 }]);
        await other.run('CREATE TABLE b AS SELECT 2 AS j');
        await rejectsWith(other.all('SELECT * FROM mine'), 'ERR_DUCKDB', /mine/);
        await db.run('COMMIT');
        assert.deepEqual(await other.all('SELECT count(*)::INTEGER AS n FROM a'), [{ n: 1 }]);
        await other.close();
        await other.close();
        await rejectsWith(other.run('SELECT 1'), 'ERR_DUCKDB', /closed/);
        assert.deepEqual(await db.all('SELECT j FROM b'), [{ j: 2 }]);
        await db.close();
        await rejectsWith(db.connect(), 'ERR_DUCKDB', /closed/);
        const again = await openDatabase(file, { readOnly: true });
        assert.deepEqual(await tableRowCounts(again), { a: 1, b: 1 });
        await again.close();
      }
    });
  });
});

describe('tableRowCounts', () => {
  test('counts every table exactly, schema-qualified outside main, temporary tables left out', async () => {
    const db = await openDatabase(MEMORY);
    try {
      assert.deepEqual(await tableRowCounts(db), {});
      await db.run(`CREATE TABLE b AS SELECT * FROM range(3); CREATE TABLE a (x INTEGER);
        CREATE SCHEMA s; CREATE TABLE s."odd name" AS SELECT * FROM range(200000);
        CREATE TEMP TABLE hidden AS SELECT 1; CREATE VIEW v AS SELECT 1`);
      const counts = await tableRowCounts(db);
      assert.deepEqual(counts, { a: 0, b: 3, 's.odd name': 200000 });
      assert.deepEqual(Object.keys(counts), ['a', 'b', 's.odd name']);
    } finally {
      await db.close();
    }
  });
});
