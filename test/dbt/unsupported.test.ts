/** What dbt projects may hold that mallard does not run yet: one clear error naming the file and what to do. */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { rejection } from '../support/expect-error.js';
import { dbtProject, type DbtProject } from './helpers.js';

describe('dbt features not supported yet', () => {
  let p: DbtProject;
  afterEach(() => p?.cleanup());

  const cases: Array<{ what: string; files: Record<string, string>; file: RegExp; todo: RegExp }> = [
    {
      what: 'packages.yml dependencies',
      files: { 'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n' },
      file: /^models\/demo\/packages\.yml: dbt packages are not supported yet$/,
      todo: /copy the macros you use from the packages into macros\/ and remove packages\.yml/,
    },
    {
      what: 'snapshots',
      files: { 'snapshots/orders_snapshot.sql': "{% snapshot orders_snapshot %}\nselect 1\n{% endsnapshot %}" },
      file: /^models\/demo\/snapshots\/orders_snapshot\.sql: snapshots are not supported yet$/,
      todo: /incremental model/,
    },
    {
      what: 'run hooks',
      files: { 'dbt_project.yml': "name: shop\non-run-end:\n  - \"grant select on all tables in schema main to reporter\"\n" },
      file: /^models\/demo\/dbt_project\.yml: hooks \(on-run-end\) are not supported yet$/,
      todo: /remove on-run-end/,
    },
    {
      what: 'model hooks in folder configs',
      files: { 'dbt_project.yml': "name: shop\nmodels:\n  shop:\n    +post-hook: \"analyze {{ this }}\"\n" },
      file: /^models\/demo\/dbt_project\.yml: hooks \(post-hook\) are not supported yet$/,
      todo: /remove post-hook/,
    },
    {
      what: 'model hooks in config()',
      files: { 'models/h.sql': "{{ config(pre_hook='set x = 1') }}\nselect 1" },
      file: /^models\/demo\/models\/h\.sql: hooks \(pre_hook\) are not supported yet$/,
      todo: /remove pre_hook/,
    },
    {
      what: 'Python models',
      files: { 'models/staging/score.py': 'def model(dbt, session):\n    return dbt.ref("a")\n' },
      file: /^models\/demo\/models\/staging\/score\.py: Python models are not supported yet$/,
      todo: /rewrite the model in SQL/,
    },
  ];

  for (const c of cases) {
    test(c.what, async () => {
      p = await dbtProject({ 'models/a.sql': 'select 1 as id', ...c.files });
      const err = await rejection(p.build());
      assert.equal(err.code, 'ERR_DBT_UNSUPPORTED');
      assert.match(err.message, c.file);
      assert.match(err.suggestions.join('\n'), c.todo);
    });
  }

  test('an empty packages.yml is fine', async () => {
    p = await dbtProject({ 'models/a.sql': 'select 1 as id', 'packages.yml': 'packages: []\n' });
    assert.deepEqual((await p.build()).models.map((m) => m.name), ['a']);
  });
});
