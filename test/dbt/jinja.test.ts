/** dbt projects: paths, folder configs, and each Jinja construct dbt projects use, built for real. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { compileModel, getModel } from '../../src/sql/index.js';
import { rejection } from '../support/expect-error.js';
import { dbtProject, query, relations, type DbtProject } from './helpers.js';

describe('dbt project: discovery and configs', () => {
  let p: DbtProject;
  afterEach(() => p?.cleanup());

  test('models are found recursively under model-paths; folder configs apply, deepest wins; config() beats them; default view', async () => {
    p = await dbtProject({
      'dbt_project.yml': `name: shop
model-paths: [transform]
models:
  shop:
    marts:
      +materialized: table
      finance:
        materialized: view
`,
      'transform/base.sql': 'select 1 as id',
      'transform/marts/wide.sql': "select * from {{ ref('base') }}",
      'transform/marts/finance/revenue.sql': "select * from {{ ref('wide') }}",
      'transform/marts/finance/forced.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('revenue') }}",
      'models/ignored.sql': 'select 2 as id',
    });
    const result = await p.build();
    assert.deepEqual(result.models.map((m) => `${m.name}:${m.materialization}`), ['base:view', 'wide:table', 'revenue:view', 'forced:table']);
    assert.deepEqual(await relations(p.target), { base: 'VIEW', forced: 'BASE TABLE', revenue: 'VIEW', wide: 'BASE TABLE' });
  });

  test('a property file config: sits between the folder and config()', async () => {
    p = await dbtProject({
      'dbt_project.yml': 'name: shop\nmodels:\n  shop:\n    +materialized: view\n',
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "{{ config(materialized='view') }}\nselect 1 as id",
      'models/props.yml': 'version: 2\nmodels:\n  - name: a\n    config: { materialized: table }\n  - name: b\n    config: { materialized: table }\n',
    });
    const result = await p.build();
    assert.deepEqual(result.models.map((m) => `${m.name}:${m.materialization}`), ['a:table', 'b:view']);
  });

  test('enabled: false leaves a model out', async () => {
    p = await dbtProject({
      'dbt_project.yml': 'name: shop\nmodels:\n  shop:\n    legacy:\n      +enabled: false\n',
      'models/a.sql': 'select 1 as id',
      'models/legacy/old.sql': 'select broken sql',
    });
    assert.deepEqual((await p.build()).models.map((m) => m.name), ['a']);
  });
});

describe('dbt project: Jinja', () => {
  let p: DbtProject;
  afterEach(() => p?.cleanup());

  test('set, for with loop.last, if/else, whitespace control and filters', async () => {
    p = await dbtProject({
      'models/pivoted.sql': `{%- set methods = ['card', 'coupon', 'bank'] -%}
{%- set label = 'Total' | lower -%}
select
{%- for m in methods %}
  {% if m == 'coupon' %}2{% else %}1{% endif %} as {{ m | upper }}_n{% if not loop.last %},{% endif %}
{%- endfor %},
  '{{ label }}' as label, {{ methods | length }} as n, '{{ methods | join("-") }}' as joined`,
    });
    await p.build();
    assert.deepEqual(await query(p.target, 'SELECT * FROM pivoted'), [{ CARD_n: 1, COUPON_n: 2, BANK_n: 1, label: 'total', n: 3, joined: 'card-coupon-bank' }]);
    const { project } = await p.select('pivoted');
    const sql = compileModel(project, getModel(project, 'pivoted')).select;
    assert.match(sql, /^select\n  1 as CARD_n,\n  2 as COUPON_n,\n  1 as BANK_n,\n  'total'/);
  });

  test('macros from macro-paths: arguments, defaults, keyword arguments, return(), calls between macros, do, adapter.dispatch', async () => {
    p = await dbtProject({
      'dbt_project.yml': `name: shop\nmacro-paths: [lib]\n`,
      'lib/money.sql': `{% macro cents_to_dollars(column_name, scale=2) -%}
    round({{ column_name }} / 100, {{ scale }})
{%- endmacro %}

{% macro methods() %}
  {% set names = base_methods() %}
  {% do names.append('gift_card') %}
  {{ return(names) }}
{% endmacro %}`,
      'lib/base.sql': "{% macro base_methods() %}{{ return(['card', 'coupon']) }}{% endmacro %}\n{% macro default__as_int(x) %}cast({{ x }} as integer){% endmacro %}",
      'models/amounts.sql': `select
  {{ cents_to_dollars('1234') }} as a,
  {{ cents_to_dollars('1234', scale=0) }} as b,
  {{ cents_to_dollars('1234', 1) }} as c,
  '{{ methods() | join(',') }}' as m,
  {{ methods() | length }} as n,
  {{ adapter.dispatch('as_int')("'7'") }} as i`,
    });
    await p.build();
    assert.deepEqual(await query(p.target, 'SELECT a::VARCHAR AS a, b::VARCHAR AS b, c::VARCHAR AS c, m, n, i FROM amounts'), [{ a: '12.34', b: '12.0', c: '12.3', m: 'card,coupon,gift_card', n: 3, i: 7 }]);
  });

  test('var() from dbt_project.yml vars (global and project-scoped), --vars over them, defaults; this; target', async () => {
    p = await dbtProject({
      'dbt_project.yml': "name: shop\nvars:\n  start: '2024-01-01'\n  shop:\n    limit_n: 2\n",
      'models/v.sql': `{{ config(materialized='table') }}
select '{{ var("start") }}' as start, {{ var('limit_n') }} as limit_n, '{{ var('missing', 'dflt') }}' as d,
  '{{ this }}' as me, '{{ this.name }}' as name, '{{ target.name }}' as target, '{{ target.type }}' as type`,
    });
    await p.build();
    assert.deepEqual(await query(p.target, 'SELECT * FROM v'), [{ start: '2024-01-01', limit_n: 2, d: 'dflt', me: '"v"', name: 'v', target: 'dev', type: 'duckdb' }]);
    await p.build({ vars: { limit_n: 5 } });
    assert.deepEqual(await query(p.target, 'SELECT limit_n FROM v'), [{ limit_n: 5 }]);
  });

  test('compiled templates are kept in target/mallard_templates.json; a changed model or a damaged cache compiles again', async () => {
    p = await dbtProject({ 'models/a.sql': "{{ config(materialized='table') }}\nselect {{ 1 + 1 }} as n" });
    await p.build();
    const cacheFile = path.join(p.modelsDir, 'demo', 'target', 'mallard_templates.json');
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { templates: Record<string, string> };
    assert.equal(Object.keys(cached.templates).length, 1);
    await p.write({ 'models/a.sql': "{{ config(materialized='table') }}\nselect {{ 2 + 2 }} as n" });
    await p.build();
    assert.deepEqual(await query(p.target, 'SELECT n FROM a'), [{ n: 4 }]);
    await writeFile(cacheFile, '{"format": broken');
    await p.build();
    assert.deepEqual(await query(p.target, 'SELECT n FROM a'), [{ n: 4 }]);
    assert.equal(Object.keys((JSON.parse(await readFile(cacheFile, 'utf8')) as { templates: object }).templates).length, 1);
  });

  test('a var without a value names the model file and line, and the vars known', async () => {
    p = await dbtProject({ 'dbt_project.yml': 'name: shop\nvars: { a: 1 }\n', 'models/v.sql': "select\n  {{ var('nope') }} as x" });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_PARSE');
    assert.match(err.message, /^models\/demo\/models\/v\.sql:2: var\('nope'\) has no value/);
    assert.deepEqual(err.suggestions, ['vars of this run: a']);
  });

  test('a Jinja syntax error names the file and line', async () => {
    p = await dbtProject({ 'models/bad.sql': 'select 1\n{% if x %}\nfrom t\n' });
    const err = await rejection(p.build());
    assert.equal(err.code, 'ERR_MODEL_PARSE');
    assert.match(err.message, /^models\/demo\/models\/bad\.sql:2: .*not closed/);
  });

  test('doc() blocks from .md files become descriptions, written with COMMENT ON for tables, views and columns', async () => {
    p = await dbtProject({
      'models/docs.md': '{% docs status_doc %}\nOne of placed, shipped.\n{% enddocs %}',
      'models/orders.sql': "{{ config(materialized='table') }}\nselect 1 as id, 'placed' as status",
      'models/v_orders.sql': "select * from {{ ref('orders') }}",
      'models/schema.yml': `version: 2
models:
  - name: orders
    description: "One row per order's latest state"
    columns:
      - name: status
        description: '{{ doc("status_doc") }}'
      - name: not_a_column
        description: ignored
  - name: v_orders
    description: The orders, as a view.
`,
    });
    await p.build();
    assert.deepEqual(await query(p.target, "SELECT table_name, comment FROM duckdb_tables() UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1"), [
      { table_name: 'orders', comment: "One row per order's latest state" },
      { table_name: 'v_orders', comment: 'The orders, as a view.' },
    ]);
    assert.deepEqual(await query(p.target, "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'orders' ORDER BY column_index"), [
      { column_name: 'id', comment: null },
      { column_name: 'status', comment: 'One of placed, shipped.' },
    ]);
  });
});
