import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { buildModelDatabase, type ModelBuildOptions } from '../../src/sql/index.js';
import { rejection } from '../support/expect-error.js';
import { makeDatabase, query, tempProject, type TempProject } from './helpers.js';

const SCHEMA = `database: shop
sources:
  - name: raw
    tables: [items, orders]
`;

describe('buildModelDatabase', () => {
  let p: TempProject;
  let rawDb: string;
  let target: string;

  beforeEach(async () => {
    p = await tempProject({
      'shop/schema.yml': SCHEMA,
      'shop/items.sql': "-- items: clean items\nSELECT id, upper(name) AS name FROM {{ source('raw', 'items') }}",
      'shop/orders.sql': "SELECT o.id, o.item_id, i.name FROM {{ source('raw', 'orders') }} o JOIN {{ ref('items') }} i ON i.id = o.item_id",
      'shop/order_count.sql': "-- materialized: view\nSELECT count(*) AS n FROM {{ ref('orders') }}",
    });
    rawDb = await makeDatabase(path.join(p.root, 'raw.db'), `
      CREATE TABLE items AS SELECT * FROM (VALUES (1, 'apple'), (2, 'pear'), (3, 'plum')) t(id, name);
      CREATE TABLE orders AS SELECT * FROM (VALUES (10, 1), (11, 1), (12, 3)) t(id, item_id);`);
    target = path.join(p.root, 'work', 'shop.db');
  });
  afterEach(() => p.cleanup());

  async function build(selector = 'shop', extra: Partial<ModelBuildOptions> = {}) {
    const { project, selection } = await p.select(selector);
    return buildModelDatabase({ project, selection, target, sources: { raw: rawDb }, shrinkTolerance: 0.1, allowShrink: false, ...extra });
  }

  test('builds models in ref order, tables and views, with row counts', async () => {
    const result = await build();
    assert.deepEqual(result.models.map((m) => [m.name, m.materialization]), [['items', 'table'], ['orders', 'table'], ['order_count', 'view']]);
    assert.deepEqual(result.counts, { items: 3, orders: 3 });
    assert.deepEqual(await query(target, 'SELECT n FROM order_count'), [{ n: '3' }]);
    const kinds = await query(target, "SELECT table_name, table_type FROM information_schema.tables ORDER BY table_name");
    assert.deepEqual(kinds.map((r) => `${r['table_name']}:${r['table_type']}`), ['items:BASE TABLE', 'order_count:VIEW', 'orders:BASE TABLE']);
    // The source was attached for the build only: the database stands alone.
    assert.deepEqual(await query(target, "SELECT name FROM orders WHERE id = 12"), [{ name: 'PLUM' }]);
    assert.deepEqual((await readdir(path.dirname(target))).sort(), ['shop.db']);
  });

  test('a failing model leaves the previous database byte-identical and names model, file, line and message', async () => {
    await build();
    const before = await readFile(target);
    await p.write({ 'shop/orders.sql': "SELECT o.id,\n  o.no_such_column\nFROM {{ source('raw', 'orders') }} o" });
    const err = await rejection(build());
    assert.equal(err.code, 'ERR_MODEL_FAILED');
    assert.match(err.message, /^model orders failed \(models\/shop\/orders\.sql:2\): Binder Error: .*no_such_column/);
    assert.equal(err.context['line'], 2);
    assert.deepEqual(await readFile(target), before);
    assert.deepEqual((await readdir(path.dirname(target))).sort(), ['shop.db']);
  });

  test('a syntax error points at the line of the model file', async () => {
    await p.write({ 'shop/items.sql': "-- header\n-- more\nSELECT id\nFORM {{ source('raw', 'items') }}" });
    const err = await rejection(build());
    assert.match(err.message, /models\/shop\/items\.sql:4\): Parser Error: syntax error at or near/);
  });

  test('every test kind passes on good data', async () => {
    await p.write({
      'shop/schema.yml': `${SCHEMA}models:
  - name: items
    tests: [{ row_count: { min: 3, max: 3 } }]
    columns:
      - name: id
        tests: [not_null, unique]
      - name: name
        tests: [{ accepted_values: { values: [APPLE, PEAR, PLUM] } }]
  - name: orders
    tests: [{ row_count: { equal: 3 } }]
    columns:
      - name: item_id
        tests: [{ relationships: { to: "ref('items')", field: id } }]
`,
    });
    const result = await build();
    assert.equal(result.tests.length, 6);
    assert.ok(result.tests.every((t) => t.failures === 0));
  });

  const failing: Array<[string, string, RegExp]> = [
    ['not_null', `  - name: orders\n    columns:\n      - name: name\n        tests: [not_null]\n`, /not_null\(orders\.name\): 2 failing rows/],
    ['unique', `  - name: orders\n    columns:\n      - name: item_id\n        tests: [unique]\n`, /unique\(orders\.item_id\): 1 failing row, e\.g\. \{"value":1,"occurrences":"2"\}/],
    ['accepted_values', `  - name: items\n    columns:\n      - name: name\n        tests: [{ accepted_values: { values: [APPLE, PEAR] } }]\n`, /accepted_values\(items\.name\): 1 failing row.*PLUM/],
    ['relationships', `  - name: orders\n    columns:\n      - name: item_id\n        tests: [{ relationships: { to: items, field: id } }]\n`, /relationships\(orders\.item_id -> items\.id\): 1 failing row.*"value":99/],
    ['row_count', `  - name: items\n    tests: [{ row_count: { min: 5 } }]\n`, /row_count\(items: min=5\): 1 failing row.*"row_count":"4"/],
  ];
  for (const [kind, yaml, expected] of failing) {
    test(`a failing ${kind} test fails the build and keeps the old database`, async () => {
      await build();
      const before = await readFile(target);
      // New raw rows that break each test: an item without a name, an order of an unknown item.
      await makeDatabase(rawDb, "INSERT INTO items VALUES (4, NULL); INSERT INTO orders VALUES (13, 4), (14, 99)");
      await p.write({ 'shop/orders.sql': "SELECT o.id, o.item_id, i.name FROM {{ source('raw', 'orders') }} o LEFT JOIN {{ ref('items') }} i ON i.id = o.item_id", 'shop/schema.yml': `${SCHEMA}models:\n${yaml}` });
      const err = await rejection(build());
      assert.equal(err.code, 'ERR_MODEL_TEST');
      assert.match(err.message, expected);
      assert.match(err.message, /models\/shop\/schema\.yml/);
      assert.deepEqual(await readFile(target), before);
    });
  }

  test('a test on a missing column names the test and schema.yml, not the temporary build file', async () => {
    await p.write({ 'shop/schema.yml': `${SCHEMA}models:\n  - name: items\n    columns:\n      - name: nmae\n        tests: [not_null]\n` });
    const err = await rejection(build());
    assert.equal(err.code, 'ERR_MODEL_TEST');
    assert.match(err.message, /^test not_null\(items\.nmae\) \(models\/shop\/schema\.yml\) could not run: Binder Error: .*nmae/);
    assert.doesNotMatch(err.message, /building/);
    assert.deepEqual((await readdir(path.dirname(target))).sort(), []);
  });

  test('the shrink guard fails a build that lost too many rows, unless allowed', async () => {
    const previousCounts = { items: 3, orders: 30 };
    const err = await rejection(build('shop', { previousCounts }));
    assert.equal(err.code, 'ERR_SHRINK');
    assert.match(err.message, /shop: orders 30 -> 3 rows \(-90\.0%\): more than the 10% allowed/);
    const ok = await build('shop', { previousCounts, allowShrink: true });
    assert.deepEqual(ok.shrinks.map((s) => s.table), ['orders']);
    const within = await build('shop', { previousCounts: { orders: 3, items: 3 } });
    assert.deepEqual(within.shrinks, []);
  });

  test('a partial selection rebuilds only those models on a copy of the previous database', async () => {
    await build();
    await makeDatabase(rawDb, "INSERT INTO orders VALUES (13, 2)");
    await p.write({ 'shop/items.sql': "SELECT id, lower(name) AS name FROM {{ source('raw', 'items') }}" });
    const result = await build('orders+');
    assert.deepEqual(result.models.map((m) => m.name), ['orders', 'order_count']);
    assert.deepEqual(await query(target, 'SELECT name FROM items ORDER BY id'), [{ name: 'APPLE' }, { name: 'PEAR' }, { name: 'PLUM' }]);
    assert.deepEqual(await query(target, 'SELECT n FROM order_count'), [{ n: '4' }]);
  });

  test('a partial selection without a previous database fails on the missing ref, naming the model', async () => {
    const err = await rejection(build('orders'));
    assert.equal(err.code, 'ERR_MODEL_FAILED');
    assert.match(err.message, /model orders failed \(models\/shop\/orders\.sql(:\d+)?\): Catalog Error: Table with name items does not exist/);
  });

  test('a missing source artifact is named before anything is built', async () => {
    const { project, selection } = await p.select('shop');
    const err = await rejection(buildModelDatabase({ project, selection, target, sources: {}, shrinkTolerance: 0.1, allowShrink: false }));
    assert.equal(err.code, 'ERR_MISSING_SOURCE');
    assert.match(err.message, /models\/shop\/items\.sql:2: source 'raw'/);
  });
});
