/** dbt materializations: table, view, ephemeral (a CTE, no relation) and incremental across builds. */
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { compileModel, getModel } from '../../src/sql/index.js';
import { rejection } from '../support/expect-error.js';
import { makeDatabase } from '../sql/helpers.js';
import { dbtProject, query, relations, type DbtProject } from './helpers.js';

describe('dbt materializations', () => {
  let p: DbtProject;
  afterEach(() => p?.cleanup());

  test('ephemeral models are inlined as __dbt__cte__<name> (nested too) and leave no relation', async () => {
    p = await dbtProject({
      'models/base.sql': "{{ config(materialized='ephemeral') }}\nselect * from (values (1, 'a'), (2, 'b'), (3, 'c')) t(id, name)",
      'models/evens.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('base') }} where id % 2 = 0",
      'models/report.sql': "{{ config(materialized='table') }}\nwith x as (select * from {{ ref('evens') }})\nselect x.id, b.name from x join {{ ref('base') }} b using (id)",
      'models/report_view.sql': "select count(*) as n from {{ ref('base') }}",
    });
    const { project } = await p.select('demo');
    const sql = compileModel(project, getModel(project, 'report')).sql;
    assert.match(sql, /^CREATE TABLE "report" AS\nWITH __dbt__cte__base AS \(\n[\s\S]*\),\n__dbt__cte__evens AS \(\n[\s\S]*from __dbt__cte__base where/);
    const result = await p.build();
    assert.deepEqual(result.models.map((m) => `${m.name}:${m.materialization}`), ['base:ephemeral', 'evens:ephemeral', 'report:table', 'report_view:view']);
    assert.deepEqual(await relations(p.target), { report: 'BASE TABLE', report_view: 'VIEW' });
    assert.deepEqual(await query(p.target, 'SELECT * FROM report'), [{ id: 2, name: 'b' }]);
    assert.deepEqual(await query(p.target, 'SELECT n FROM report_view'), [{ n: '3' }]);
  });

  test('a model error keeps the file line, also after an ephemeral CTE was put in front', async () => {
    p = await dbtProject({
      'models/base.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as id",
      'models/broken.sql': "{{ config(materialized='table') }}\nselect\n  id,\n  no_such_column\nfrom {{ ref('base') }}",
    });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_FAILED');
    assert.match(err.message, /^model broken failed \(models\/demo\/models\/broken\.sql:4\): Binder Error: .*no_such_column/);
  });

  test('selecting one table that reads a source through an ephemeral model attaches that source', async () => {
    p = await dbtProject({
      'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables: [{ name: items }]\n',
      'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ source('raw', 'items') }}",
      'models/t.sql': "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('eph') }}",
      'models/other.sql': "{{ config(materialized='table') }}\nselect 1 as x",
    });
    const raw = await makeDatabase(path.join(p.root, 'raw.db'), 'CREATE TABLE items AS SELECT range AS id FROM range(4)');
    await p.build({ sources: { raw } });
    const result = await p.build({ selector: 't', sources: { raw } });
    assert.deepEqual(result.models.map((m) => m.name), ['eph', 't']);
    assert.deepEqual(result.sources, { raw });
    assert.deepEqual(await query(p.target, 'SELECT n FROM t'), [{ n: '4' }]);
    assert.deepEqual(await relations(p.target), { other: 'BASE TABLE', t: 'BASE TABLE' });
  });

  test('a view over other models still works when the published file is opened on its own', async () => {
    p = await dbtProject({
      'models/t.sql': "{{ config(materialized='table') }}\nselect range as id from range(5)",
      'models/v.sql': "select sum(id) as s from {{ ref('t') }}",
    });
    await p.build();
    const copy = path.join(p.root, 'read_only', 'demo_20260101T000000Z.db');
    await mkdir(path.dirname(copy));
    await copyFile(p.target, copy);
    assert.deepEqual(await query(copy, 'SELECT s FROM v'), [{ s: '10' }]);
  });

  test('a view reading a source (even through an ephemeral model) is refused', async () => {
    p = await dbtProject({
      'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables: [{ name: items }]\n',
      'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ source('raw', 'items') }}",
      'models/v.sql': "select * from {{ ref('eph') }}",
    });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_PARSE');
    assert.match(err.message, /eph\.sql:2: a view cannot read source\('raw', 'items'\) \(through the ephemeral model eph, inlined in the view v\)/);
  });

  test('incremental: a full first build, then delete+insert on unique_key with late and updated rows; append without a key; --full-refresh rebuilds', async () => {
    const events = (rows: string): Record<string, string> => ({ 'seeds/events.csv': `id,value,updated_at\n${rows}` });
    const model = (key: string): string => `{{ config(materialized='incremental'${key}) }}
select id, value, updated_at from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}`;
    p = await dbtProject({ ...events('1,10,2024-01-01\n2,20,2024-01-02\n'), 'models/merged.sql': model(", unique_key='id'"), 'models/appended.sql': model('') });
    const first = await p.build();
    assert.deepEqual(first.models.filter((m) => m.materialization === 'incremental').map((m) => m.incremental), [false, false]);
    // id 2 updated (newer updated_at), id 3 new, id 1 resent with an old date (filtered out by is_incremental()).
    await p.write(events('1,99,2023-12-31\n2,21,2024-01-05\n3,30,2024-01-06\n'));
    const second = await p.build();
    assert.deepEqual(second.models.filter((m) => m.materialization === 'incremental').map((m) => m.incremental), [true, true]);
    const rows = (t: string) => query(p.target, `SELECT id, value, updated_at::VARCHAR AS d FROM ${t} ORDER BY id, value`);
    assert.deepEqual(await rows('merged'), [{ id: 1, value: 10, d: '2024-01-01' }, { id: 2, value: 21, d: '2024-01-05' }, { id: 3, value: 30, d: '2024-01-06' }]);
    assert.deepEqual(await rows('appended'), [
      { id: 1, value: 10, d: '2024-01-01' },
      { id: 2, value: 20, d: '2024-01-02' },
      { id: 2, value: 21, d: '2024-01-05' },
      { id: 3, value: 30, d: '2024-01-06' },
    ]);
    assert.deepEqual(await relations(p.target), { appended: 'BASE TABLE', events: 'BASE TABLE', merged: 'BASE TABLE' }, 'no __dbt_tmp relation is left');
    const refreshed = await p.build({ fullRefresh: true });
    assert.deepEqual(refreshed.models.filter((m) => m.materialization === 'incremental').map((m) => m.incremental), [false, false]);
    assert.deepEqual(await rows('appended'), [{ id: 1, value: 99, d: '2023-12-31' }, { id: 2, value: 21, d: '2024-01-05' }, { id: 3, value: 30, d: '2024-01-06' }]);
  });

  test('incremental with a composite unique_key, and selecting only the incremental model keeps the rest', async () => {
    p = await dbtProject({
      'seeds/s.csv': 'a,b,v\n1,x,1\n1,y,2\n',
      'models/m.sql': "{{ config(materialized='incremental', unique_key=['a', 'b']) }}\nselect * from {{ ref('s') }}",
      'models/other.sql': "{{ config(materialized='table') }}\nselect 42 as answer",
    });
    await p.build();
    await p.write({ 'seeds/s.csv': 'a,b,v\n1,y,3\n2,x,4\n' });
    await p.build({ selector: 's m' });
    assert.deepEqual(await query(p.target, 'SELECT a, b, v FROM m ORDER BY a, b'), [{ a: 1, b: 'x', v: 1 }, { a: 1, b: 'y', v: 3 }, { a: 2, b: 'x', v: 4 }]);
    assert.deepEqual(await query(p.target, 'SELECT answer FROM other'), [{ answer: 42 }]);
  });
  test("tombstone (mallard's extension): rows flagged true delete their key's rows and are not inserted; full builds drop them; a keyless model is refused", async () => {
    // Children of parents: a parent whose children all went must lose its old rows, which a
    // plain delete+insert cannot do (its new SELECT has no row with that key).
    const model = `{{ config(materialized='incremental', unique_key='parent', tombstone='_gone') }}
select parent, child, false as _gone from {{ ref('kids') }}
{% if is_incremental() %}
where parent in (select parent from {{ ref('changed') }})
union all by name
select parent, true as _gone from {{ ref('changed') }}
{% endif %}`;
    const files = (kids: string, changed: string): Record<string, string> => ({ 'seeds/kids.csv': `parent,child\n${kids}`, 'seeds/changed.csv': `parent\n${changed}` });
    p = await dbtProject({ ...files('1,a\n1,b\n2,c\n3,d\n', '0\n'), 'models/m.sql': model });
    await p.build();
    const rows = () => query(p.target, 'SELECT * FROM m ORDER BY ALL');
    assert.deepEqual(await rows(), [{ parent: 1, child: 'a' }, { parent: 1, child: 'b' }, { parent: 2, child: 'c' }, { parent: 3, child: 'd' }], 'no tombstone column in the table');
    // Parent 1 lost child a, parent 2 lost every child, parent 3 is unchanged (not sent again).
    await p.write(files('1,b\n3,d\n', '1\n2\n'));
    const second = await p.build();
    assert.equal(second.models.find((m) => m.name === 'm')?.incremental, true);
    assert.deepEqual(await rows(), [{ parent: 1, child: 'b' }, { parent: 3, child: 'd' }]);
    await p.build({ fullRefresh: true });
    assert.deepEqual(await rows(), [{ parent: 1, child: 'b' }, { parent: 3, child: 'd' }], 'the full refresh gives the same');

    await p.write({ 'models/m.sql': "{{ config(materialized='incremental', tombstone='_gone') }}\nselect 1 as parent, false as _gone" });
    const err = await rejection(p.build({ fullRefresh: true }));
    assert.equal(err.code, 'ERR_MODEL_PARSE');
    assert.match(err.message, /tombstone='_gone' needs materialized='incremental' and a unique_key/);
  });
  test('an incremental model whose columns changed since its previous table is built in full (a new version, an edited model), then merges again', async () => {
    p = await dbtProject({ 'models/m.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id" });
    await p.build();
    await p.write({ 'models/m.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, 2 as added_later" });
    const changed = await p.build();
    assert.deepEqual(changed.models.map((m) => [m.name, m.incremental, m.schemaChanged]), [['m', false, true]]);
    assert.deepEqual(await query(p.target, 'SELECT id, added_later FROM m'), [{ id: 1, added_later: 2 }]);
    await p.write({ 'models/m.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, 2::BIGINT as added_later" });
    const retyped = await p.build();
    assert.deepEqual(retyped.models.map((m) => [m.incremental, m.schemaChanged]), [[false, true]], 'a changed column type counts as a change too');
    const again = await p.build();
    assert.deepEqual(again.models.map((m) => [m.incremental, m.schemaChanged]), [[true, undefined]], 'same columns: merged');
  });

  test('an incremental merge that fails says --full-refresh rebuilds it', async () => {
    p = await dbtProject({ 'models/m.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id {% if is_incremental() %} where id > (select max(no_such_column) from {{ this }}) {% endif %}" });
    await p.build();
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_FAILED');
    assert.ok(err.suggestions.some((s) => /run-models --select m --full-refresh/.test(s)), err.suggestions.join('\n'));
    await p.build({ fullRefresh: true });
  });
});
