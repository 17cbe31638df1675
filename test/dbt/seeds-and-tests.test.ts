/** dbt seeds (type inference, column_types) and tests (generic names, severity, singular tests, data_tests). */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { dbtTestName } from '../../src/sql/index.js';
import { rejection } from '../support/expect-error.js';
import { dbtProject, query, type DbtProject } from './helpers.js';

describe('dbt seeds', () => {
  let p: DbtProject;
  afterEach(() => p?.cleanup());

  test("types are inferred as dbt does: integer, float, date, timestamp, boolean, else text; '' is NULL", async () => {
    p = await dbtProject({
      'seeds/nested/kinds.csv': [
        'i,big,f,d,ts,b,t,one_int,empty,mixed,quoted',
        '1,3000000000,1.5,2024-01-31,2024-01-31 10:00:00,true,abc,1,,1,"a, b"',
        '-2,,2,2024-02-29,2024-02-29T23:59:59,False,,2.0,,x,"say ""hi"""',
        ',1,,,,,xyz,,,2024-01-01,',
      ].join('\n'),
    });
    await p.build();
    const types = await query(p.target, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'kinds' ORDER BY ordinal_position");
    assert.deepEqual(Object.fromEntries(types.map((r) => [r['column_name'], r['data_type']])), {
      i: 'INTEGER', big: 'BIGINT', f: 'DOUBLE', d: 'DATE', ts: 'TIMESTAMP', b: 'BOOLEAN', t: 'VARCHAR', one_int: 'DOUBLE', empty: 'INTEGER', mixed: 'VARCHAR', quoted: 'VARCHAR',
    });
    const rows = await query(p.target, 'SELECT i, f, d::VARCHAR AS d, b, t, quoted FROM kinds ORDER BY i NULLS LAST');
    assert.deepEqual(rows, [
      { i: -2, f: 2, d: '2024-02-29', b: false, t: null, quoted: 'say "hi"' },
      { i: 1, f: 1.5, d: '2024-01-31', b: true, t: 'abc', quoted: 'a, b' },
      { i: null, f: null, d: null, b: null, t: 'xyz', quoted: null },
    ]);
  });

  test('column_types (project folder config or property file) win over inference; a wrong column is named', async () => {
    p = await dbtProject({
      'dbt_project.yml': 'name: shop\nseeds:\n  shop:\n    codes:\n      +column_types: { code: varchar }\n',
      'seeds/codes.csv': 'code,n\n007,1\n010,2\n',
      'seeds/props.yml': 'version: 2\nseeds:\n  - name: codes\n    config:\n      column_types: { code: varchar, n: bigint }\n',
    });
    await p.build();
    assert.deepEqual(await query(p.target, 'SELECT code, n, typeof(n) AS t FROM codes ORDER BY code'), [{ code: '007', n: '1', t: 'BIGINT' }, { code: '010', n: '2', t: 'BIGINT' }]);
    await p.write({ 'seeds/props.yml': 'version: 2\nseeds:\n  - name: codes\n    config:\n      column_types: { kode: varchar }\n' });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_FAILED');
    assert.match(err.message, /^seed codes failed \(models\/demo\/seeds\/codes\.csv\): column_types names kode/);
  });
});

describe('dbt tests', () => {
  let p: DbtProject;
  afterEach(() => p?.cleanup());

  test('generic test names follow dbt (long names included)', () => {
    assert.equal(dbtTestName('unique', 'orders', { column_name: 'order_id' }).name, 'unique_orders_order_id');
    assert.equal(dbtTestName('accepted_values', 'orders', { column_name: 'status', values: ['placed', 'shipped'] }).name, 'accepted_values_orders_status__placed__shipped');
    assert.equal(dbtTestName('relationships', 'orders', { column_name: 'customer_id', to: "ref('customers')", field: 'customer_id' }).name, 'relationships_orders_customer_id__customer_id__ref_customers_');
    const long = dbtTestName('accepted_values', 'orders', { column_name: 'status', values: ['placed', 'shipped', 'completed', 'return_pending', 'returned'] });
    assert.equal(long.name, 'accepted_values_orders_status__placed__shipped__completed__return_pending__returned');
    assert.match(long.shortName, /^accepted_values_orders_[0-9a-f]{32}$/);
  });

  const failing = {
    'seeds/orders.csv': 'id,status,customer_id\n1,placed,1\n2,lost,9\n2,shipped,1\n',
    'seeds/customers.csv': 'id\n1\n',
    'seeds/schema.yml': `version: 2
seeds:
  - name: orders
    columns:
      - name: id
        tests: [unique, not_null]
      - name: status
        data_tests:
          - accepted_values:
              values: [placed, shipped]
      - name: customer_id
        tests:
          - relationships: { to: ref('customers'), field: id, severity: warn }
`,
  };

  test('failures are named as dbt names them, all reported together; severity warn only warns', async () => {
    p = await dbtProject(failing);
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_TEST');
    assert.match(err.message, /^2 tests failed:\n {2}unique_orders_id: 1 failing row/);
    assert.match(err.message, /\n {2}accepted_values_orders_status__placed__shipped: 1 failing row, e\.g\. \{"value":"lost","occurrences":"1"\}/);
    assert.doesNotMatch(err.message, /relationships/);
    await p.write({ 'seeds/orders.csv': 'id,status,customer_id\n1,placed,1\n2,shipped,9\n' });
    const result = await p.build();
    assert.deepEqual(result.warnings, ['warning: relationships_orders_customer_id__id__ref_customers_: 1 failing row, e.g. {"value":9} (models/demo/seeds/schema.yml)']);
    assert.deepEqual(result.tests.map((t) => [t.id, t.severity, t.failures]), [
      ['unique_orders_id', 'error', 0],
      ['not_null_orders_id', 'error', 0],
      ['accepted_values_orders_status__placed__shipped', 'error', 0],
      ['relationships_orders_customer_id__id__ref_customers_', 'warn', 1],
    ]);
  });

  test('singular tests in test-paths pass with no rows and fail naming their file; config(severity) and where', async () => {
    p = await dbtProject({
      'dbt_project.yml': 'name: shop\ntest-paths: [checks]\n',
      'models/amounts.sql': "{{ config(materialized='table') }}\nselect * from (values (1, 10), (2, -5)) t(id, amount)",
      'models/props.yml': "version: 2\nmodels:\n  - name: amounts\n    columns:\n      - name: amount\n        tests:\n          - not_null\n          - accepted_values: { values: [10], config: { where: 'id = 1' } }\n",
      'checks/no_negative_amounts.sql': "select * from {{ ref('amounts') }} where amount < 0",
      'checks/sub/few_rows.sql': "{{ config(severity='warn') }}\nselect count(*) as n from {{ ref('amounts') }} having count(*) > 1",
      'checks/passes.sql': "select * from {{ ref('amounts') }} where id > 100",
    });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_TEST');
    assert.match(err.message, /^test no_negative_amounts: 1 failing row, e\.g\. \{"id":2,"amount":-5\} \(models\/demo\/checks\/no_negative_amounts\.sql\)$/);
    await p.write({ 'checks/no_negative_amounts.sql': "select * from {{ ref('amounts') }} where amount < -100" });
    const result = await p.build();
    assert.deepEqual(result.warnings, ['warning: few_rows: 1 failing row, e.g. {"n":"2"} (models/demo/checks/sub/few_rows.sql)']);
    assert.equal(result.tests.length, 5);
  });

  test('a test on a missing column names the test and its property file, not the build file', async () => {
    p = await dbtProject({
      'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: idd\n        tests: [not_null]\n',
    });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_TEST');
    assert.match(err.message, /^test not_null_a_idd \(models\/demo\/models\/schema\.yml\) could not run: Binder Error: .*idd/);
    assert.doesNotMatch(err.message, /building/);
  });

  test('an unknown test kind lists the known ones (row_count included) and points package tests to singular tests', async () => {
    p = await dbtProject({ 'models/a.sql': 'select 1 as id', 'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        tests: [dbt_utils.at_least_one]\n' });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_CONFIG');
    assert.match(err.message, /schema\.yml: a\.id: unknown test 'dbt_utils\.at_least_one' \(known: not_null, unique, accepted_values, relationships \(on columns\), row_count \(on models\)\)\. Tests from dbt packages/);
  });
});
