import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { compileModel, getModel, JinjaEnv, parseModel, parseSchemaFile, selectModels, orderModels } from '../../src/sql/index.js';
import { rejection } from '../support/expect-error.js';
import { tempProject, type TempProject } from './helpers.js';

describe('parseModel', () => {
  const jinja = new JinjaEnv();
  const parse = (text: string, file: string) => parseModel(jinja, text, file);

  test('finds refs and sources with their lines; the materialization only when config() sets it', () => {
    const m = parse("-- a comment\nSELECT *\nFROM {{ ref('a') }}\nJOIN {{source( \"raw\" , 'items' )}} USING (id)\n", 'm.sql');
    assert.equal(m.materialization, undefined);
    assert.deepEqual(m.refs, [{ kind: 'ref', name: 'a', line: 3 }]);
    assert.deepEqual(m.sources, [{ kind: 'source', db: 'raw', table: 'items', line: 4 }]);
  });

  test('refs inside Jinja control flow are found too', () => {
    const m = parse("{% set names = ['a', 'b'] %}\n{% for n in names %}SELECT * FROM {{ ref(n) }}{% if not loop.last %} UNION ALL {% endif %}{% endfor %}", 'm.sql');
    assert.deepEqual(m.refs.map((r) => r.name), ['a', 'b']);
  });

  test('config() sets the materialization', () => {
    assert.equal(parse("{{ config(materialized='view') }}\nSELECT 1", 'm.sql').materialization, 'view');
    assert.equal(parse("{{ config(materialized='incremental', unique_key='id') }}\nSELECT 1", 'm.sql').config['unique_key'], 'id');
  });

  test('template errors and unknown materializations name file and line', () => {
    assert.throws(() => parse("SELECT 1\nFROM {{ refs('a') }}", 'models/g/m.sql'), /models\/g\/m\.sql:2: /);
    assert.throws(() => parse("SELECT 1\n{{ config(materialized='snapshot') }}", 'm.sql'), /m\.sql:2: unknown materialization 'snapshot'/);
    assert.throws(() => parse("SELECT {{ ref('a', 'b', 'c') }}", 'm.sql'), /ref\(\) takes one model name/);
    assert.throws(() => parse('SELECT 1\n {{ oops', 'm.sql'), (e: Error & { code?: string }) => e.code === 'ERR_MODEL_PARSE' && /^m\.sql:2: /.test(e.message));
  });
});

describe('parseSchemaFile', () => {
  test('normalises column and model tests', () => {
    const s = parseSchemaFile(
      `database: clean
sources:
  - name: raw
    tables: [items]
models:
  - name: a
    tests: [{ row_count: { min: 1, max: 10 } }]
    columns:
      - name: id
        tests: [not_null, unique, { accepted_values: { values: [x, 1] } }, { relationships: { to: "ref('b')", field: bid } }]
`,
      'schema.yml',
    );
    assert.equal(s.database, 'clean');
    assert.deepEqual(s.sources, [{ name: 'raw', artifact: 'raw', tables: ['items'] }]);
    assert.deepEqual(s.tests.map((t) => t.id), ['row_count(a: min=1, max=10)', 'not_null(a.id)', 'unique(a.id)', 'accepted_values(a.id)', 'relationships(a.id -> b.bid)']);
  });

  test('typos are config errors naming the file', () => {
    assert.throws(() => parseSchemaFile('models:\n  - name: a\n    colums: []\n', 'g/schema.yml'), (e: Error & { code?: string }) => e.code === 'ERR_CONFIG' && /g\/schema\.yml/.test(e.message));
    assert.throws(() => parseSchemaFile('models:\n  - name: a\n    columns: [{ name: id, tests: [uniq] }]\n', 's.yml'), /unknown test 'uniq'/);
  });
});

describe('model graph and selectors', () => {
  let p: TempProject;
  after(() => p?.cleanup());

  test('orders by refs, selects like dbt', async () => {
    p = await tempProject({
      'g/a.sql': 'SELECT 1 AS id',
      'g/b.sql': "SELECT * FROM {{ ref('a') }}",
      'g/c.sql': "SELECT * FROM {{ ref('b') }}",
      'g/d.sql': "SELECT * FROM {{ ref('a') }}",
      'h/x.sql': 'SELECT 2 AS id',
    });
    const project = await p.load();
    assert.deepEqual(orderModels(project), ['a', 'b', 'c', 'd', 'x']);
    assert.deepEqual(selectModels(project, 'c'), ['c']);
    assert.deepEqual(selectModels(project, '+c'), ['a', 'b', 'c']);
    assert.deepEqual(selectModels(project, 'b+'), ['b', 'c']);
    assert.deepEqual(selectModels(project, 'a+'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(selectModels(project, 'g'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(selectModels(project, 'd, h'), ['d', 'x']);
    assert.throws(() => selectModels(project, 'bb'), (e: Error & { code?: string }) => e.code === 'ERR_USAGE' && /no model or group named 'bb'/.test(e.message));
  });

  test('a missing ref names the file and line, with a hint', async () => {
    const q = await tempProject({ 'g/a.sql': 'SELECT 1 AS id', 'g/b.sql': "SELECT *\nFROM {{ ref('aa') }}" });
    try {
      const project = await q.load();
      const err = await rejection(Promise.resolve().then(() => orderModels(project)));
      assert.equal(err.code, 'ERR_MODEL_REF');
      assert.match(err.message, /models\/g\/b\.sql:2: ref\('aa'\)/);
      assert.deepEqual(err.suggestions, ["did you mean ref('a')?"]);
    } finally {
      await q.cleanup();
    }
  });

  test('a cycle names the chain and the files', async () => {
    const q = await tempProject({ 'g/a.sql': "SELECT * FROM {{ ref('b') }}", 'g/b.sql': "SELECT * FROM {{ ref('a') }}", 'g/c.sql': 'SELECT 1' });
    try {
      const project = await q.load();
      const err = await rejection(Promise.resolve().then(() => selectModels(project, 'c')));
      assert.equal(err.code, 'ERR_CYCLE');
      assert.match(err.message, /a -> b -> a \(models\/g\/a\.sql, models\/g\/b\.sql\)/);
    } finally {
      await q.cleanup();
    }
  });

  test('compile keeps lines, quotes refs and sources, and refuses views over sources', async () => {
    const q = await tempProject({
      'g/schema.yml': 'sources: [{ name: raw }]',
      'g/a.sql': "-- materialized: view\nSELECT *\nFROM {{ ref('b') }};\n",
      'g/b.sql': "SELECT *\nFROM {{ source('raw', 'items') }} WHERE site = {{ var('site') }}",
      'g/v.sql': "-- materialized: view\nSELECT * FROM {{ source('raw', 'items') }}",
    });
    try {
      const project = await q.load();
      const a = compileModel(project, getModel(project, 'a'));
      assert.equal(a.sql, 'CREATE VIEW "a" AS\n-- materialized: view\nSELECT *\nFROM "b"');
      assert.equal(a.headerLines, 1);
      assert.equal(compileModel(project, getModel(project, 'b'), { vars: { site: "o'k" } }).select, `SELECT *\nFROM "raw"."items" WHERE site = 'o''k'`);
      assert.throws(() => compileModel(project, getModel(project, 'b')), /models\/g\/b\.sql:2: var\('site'\) has no value/);
      assert.throws(() => compileModel(project, getModel(project, 'v')), /a view cannot read source/);
    } finally {
      await q.cleanup();
    }
  });

  test('selecting a group without models (e.g. a dbt project lacking dbt_project.yml) is a usage error, not "nothing to do"', async () => {
    const q = await tempProject({ 'jaffle/models/staging/stg.sql': 'select 1', 'g/a.sql': 'SELECT 1' });
    try {
      const project = await q.load();
      const err = await rejection(Promise.resolve().then(() => selectModels(project, 'jaffle')));
      assert.equal(err.code, 'ERR_USAGE');
      assert.match(err.message, /--select jaffle: group 'jaffle' has no models/);
      assert.match(err.suggestions.join(' '), /dbt_project\.yml/);
    } finally {
      await q.cleanup();
    }
  });

  test('an undeclared source is a config error', async () => {
    const q = await tempProject({ 'g/schema.yml': 'sources: [{ name: raw, tables: [items] }]', 'g/b.sql': "SELECT 1\nFROM {{ source('raw', 'itemz') }}" });
    try {
      const err = await rejection(q.load());
      assert.equal(err.code, 'ERR_CONFIG');
      assert.match(err.message, /models\/g\/b\.sql:2: source\('raw', 'itemz'\) is not declared/);
    } finally {
      await q.cleanup();
    }
  });
});
