import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { compileModel, getModel, parseModel, parseSchemaFile, selectModels, orderModels } from '../../src/sql/index.js';
import { rejection } from '../support/expect-error.js';
import { tempProject, type TempProject } from './helpers.js';

describe('parseModel', () => {
  test('finds refs and sources with their lines, table by default', () => {
    const m = parseModel("-- a comment\nSELECT *\nFROM {{ ref('a') }}\nJOIN {{source( \"raw\" , 'items' )}} USING (id)\n", 'm.sql');
    assert.equal(m.materialization, 'table');
    assert.deepEqual(m.refs, [{ kind: 'ref', name: 'a', line: 3 }]);
    assert.deepEqual(m.sources, [{ kind: 'source', db: 'raw', table: 'items', line: 4 }]);
  });

  test('a header comment or config() sets the materialization', () => {
    assert.equal(parseModel('-- doc line\n-- materialized: view\nSELECT 1', 'm.sql').materialization, 'view');
    assert.equal(parseModel("{{ config(materialized='view') }}\nSELECT 1", 'm.sql').materialization, 'view');
    assert.equal(parseModel('SELECT 1\n-- materialized: view', 'm.sql').materialization, 'table');
  });

  test('unknown templates and materializations are errors naming file and line', () => {
    assert.throws(() => parseModel("SELECT 1\nFROM {{ refs('a') }}", 'models/g/m.sql'), /models\/g\/m\.sql:2: cannot read the template/);
    assert.throws(() => parseModel('-- materialized: ephemeral\nSELECT 1', 'm.sql'), /m\.sql:1: unknown materialization 'ephemeral'/);
    assert.throws(() => parseModel("SELECT {{ ref('a', 'b') }}", 'm.sql'), /ref\(\) takes one name/);
    assert.throws(() => parseModel('SELECT 1 {{ oops', 'm.sql'), /'\{\{' without a closing/);
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
      const a = compileModel(getModel(project, 'a'));
      assert.equal(a.sql, 'CREATE VIEW "a" AS\n-- materialized: view\nSELECT *\nFROM "b"');
      assert.equal(compileModel(getModel(project, 'b'), { site: "o'k" }).select, `SELECT *\nFROM "raw"."items" WHERE site = 'o''k'`);
      assert.throws(() => compileModel(getModel(project, 'b')), /models\/g\/b\.sql:2: var\('site'\) has no value/);
      assert.throws(() => compileModel(getModel(project, 'v')), /a view cannot read source/);
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
