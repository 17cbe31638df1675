import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCkanApiDatabase, createRawCkanSchema, loadCkanPages, type CkanLoadSummary } from '../../../../src/sources/ckan/db/index.js';
import { buildDatabaseAtomically } from '../../../../src/duckdb/index.js';
import { readDb, writePackagePages, writeRawPages } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';
import type { DuckDbHandle } from '../../../../src/duckdb/index.js';

const base = { metadata_created: '2020-01-01T00:00:00.000000', metadata_modified: '2021-01-01T00:00:00.000000', resources: [], tags: [] };

async function load(
  pages: readonly (readonly unknown[])[],
  check: (db: DuckDbHandle, summary: CkanLoadSummary) => Promise<void>,
  timeZone?: string,
  chunkBytes?: number,
): Promise<void> {
  await withTempDir(async (dir) => {
    const files = await writePackagePages(path.join(dir, 'pages'), pages);
    const target = path.join(dir, 'ckan_api.db');
    const summary = timeZone === undefined
      ? await buildCkanApiDatabase(target, files, { chunkBytes })
      : await buildDatabaseAtomically(target, async (db) => {
        await db.run(`SET TimeZone = '${timeZone}'`);
        await createRawCkanSchema(db);
        return loadCkanPages(db, files);
      });
    await readDb(target, (db) => check(db, summary));
  });
}

async function column(db: DuckDbHandle, sql: string): Promise<unknown[]> {
  return (await db.all(sql)).map((r) => Object.values(r)[0]);
}

describe('portal variance', () => {
  test('titles and notes keyed by language give a readable text; raw keeps every language', async () => {
    const pkgs = [
      { ...base, id: 'a', title: { fr: 'Bonjour', en: 'Hello' }, notes: { en: 'Notes', de: 'Notizen' } },
      { ...base, id: 'b', title: { de: '', fr: 'Salut', it: 'Ciao' }, notes: { 'pt-BR': 'Dados', es: 'Datos' } },
      { ...base, id: 'c', title: { en: '', de: 'Hallo' }, notes: {} },
      { ...base, id: 'd', title: 'Plain {not json}', notes: null },
      { ...base, id: 'e', title: 12, notes: 'São Paulo — ünïcödé' },
      { ...base, id: 'f' },
    ];
    await load([pkgs], async (db) => {
      assert.deepEqual(await column(db, 'SELECT title FROM datasets'), ['Hello', 'Salut', 'Hallo', 'Plain {not json}', '12', null]);
      assert.deepEqual(await column(db, 'SELECT notes FROM datasets'), ['Notes', 'Dados', null, null, 'São Paulo — ünïcödé', null]);
      assert.deepEqual(await column(db, "SELECT raw->>'$.title.it' FROM datasets WHERE id = 'b'"), ['Ciao']);
    });
  });

  test('counts the portal left out or gave as junk are the lengths of the lists, NULL where a list is missing or not a list, across chunks and a duplicate', async () => {
    const r = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, url: `https://x/${i}` }));
    const bare = { metadata_created: base.metadata_created, metadata_modified: base.metadata_modified };
    const pages = [
      [
        { ...bare, id: 'a', resources: r(3), tags: [{ name: 't' }] },
        { ...bare, id: 'b', resources: r(2), tags: [], num_resources: 'many', num_tags: 7 },
        { ...bare, id: 'c', num_resources: 5 },
        { ...bare, id: 'dup', resources: r(1), tags: [], metadata_modified: '2020-01-01T00:00:00' },
      ],
      [
        { ...bare, id: 'd', resources: 'not a list', tags: { name: 'not a list' } },
        { ...bare, id: 'dup', resources: r(4), tags: [{ name: 'x' }, { name: 'y' }] },
      ],
    ];
    await load(pages, async (db) => {
      assert.deepEqual(await db.all('SELECT id, num_resources, num_tags FROM datasets ORDER BY id'), [
        { id: 'a', num_resources: 3, num_tags: 1 },
        { id: 'b', num_resources: 2, num_tags: 7 },
        { id: 'c', num_resources: 5, num_tags: null },
        { id: 'd', num_resources: null, num_tags: null },
        { id: 'dup', num_resources: 4, num_tags: 2 },
      ]);
    }, undefined, 1);
  });

  test('resource size: a number or numeric string gives bytes, anything else NULL, size_raw keeps it', async () => {
    const sizes = [12, '12', ' 34 ', '391.4 MB', '', null, 10004794304, '1.5e3', 'null', -1, 99.6, { value: 1 }];
    await load([[{ ...base, id: 'a', resources: sizes.map((size, i) => ({ id: `r${i}`, url: `https://x/${i}`, size })) }]], async (db) => {
      const rows = await db.all('SELECT size, size_raw FROM resources');
      assert.deepEqual(rows.map((r) => (r['size'] === null ? null : Number(r['size']))), [12, 12, 34, null, null, null, 10004794304, 1500, null, -1, 100, null]);
      assert.deepEqual(rows.map((r) => r['size_raw']), ['12', '12', ' 34 ', '391.4 MB', '', null, '10004794304', '1.5e3', 'null', '-1', '99.6', '{"value":1}']);
    });
  });

  test('missing extras, null organization, odd scalars and timestamps', async () => {
    const pkgs = [
      { ...base, id: 'a', organization: null, owner_org: null, private: 'False', num_resources: '3', num_tags: null },
      { ...base, id: 'b', organization: null, owner_org: 'org-from-owner', extras: [], private: true },
      { ...base, id: 'c', organization: { id: 'o1', name: 'one', title: { en: 'One', fr: 'Un' }, created: '2014-01-02T03:04:05' }, owner_org: 'o1',
        extras: [{ key: 'n', value: 5 }, { key: 'o', value: { a: [1] } }, { key: 's', value: 'text' }],
        metadata_created: '2020-01-01T02:00:00+02:00', metadata_modified: '2020-01-01T00:00:00Z' },
      { ...base, id: 'd', metadata_created: 'not a date', metadata_modified: null, tags: [{ name: 't1' }, { name: 't2', vocabulary_id: 'v' }] },
      { ...base, id: 'e', metadata_created: '2020-06-30T23:30:00.250-05:00', metadata_modified: '2020-06-30' },
    ];
    await load([pkgs], async (db, summary) => {
      assert.equal(summary.extras, 3);
      assert.deepEqual(await db.all('SELECT id, organization_id, private, num_resources, num_tags FROM datasets'), [
        { id: 'a', organization_id: null, private: false, num_resources: 3, num_tags: 0 },
        { id: 'b', organization_id: 'org-from-owner', private: true, num_resources: 0, num_tags: 0 },
        { id: 'c', organization_id: 'o1', private: null, num_resources: 0, num_tags: 0 },
        { id: 'd', organization_id: null, private: null, num_resources: 0, num_tags: 2 },
        { id: 'e', organization_id: null, private: null, num_resources: 0, num_tags: 0 },
      ]);
      assert.deepEqual(await db.all("SELECT id, strftime(metadata_created, '%Y-%m-%d %H:%M:%S') AS c, strftime(metadata_modified, '%Y-%m-%d %H:%M:%S') AS m FROM datasets"), [
        { id: 'a', c: '2020-01-01 00:00:00', m: '2021-01-01 00:00:00' },
        { id: 'b', c: '2020-01-01 00:00:00', m: '2021-01-01 00:00:00' },
        { id: 'c', c: '2020-01-01 00:00:00', m: '2020-01-01 00:00:00' },
        { id: 'd', c: null, m: null },
        { id: 'e', c: '2020-07-01 04:30:00', m: '2020-06-30 00:00:00' },
      ]);
      assert.deepEqual(await db.all('SELECT dataset_id, position, key, value FROM extras'), [
        { dataset_id: 'c', position: 0, key: 'n', value: '5' },
        { dataset_id: 'c', position: 1, key: 'o', value: '{"a":[1]}' },
        { dataset_id: 'c', position: 2, key: 's', value: 'text' },
      ]);
      assert.deepEqual(await db.all("SELECT id, name, title, strftime(created, '%Y-%m-%d %H:%M:%S') AS created FROM organizations"), [
        { id: 'o1', name: 'one', title: 'One', created: '2014-01-02 03:04:05' },
      ]);
      assert.deepEqual(await db.all('SELECT dataset_id, position, name, vocabulary_id FROM tags'), [
        { dataset_id: 'd', position: 0, name: 't1', vocabulary_id: null },
        { dataset_id: 'd', position: 1, name: 't2', vocabulary_id: 'v' },
      ]);
    }, 'Asia/Kolkata'); // the session's time zone must not matter
  });

  test('a package whose structure does not fit the declared columns switches to the tolerant scan, losing nothing', async () => {
    const pkgs = [
      { ...base, id: 'a', organization: 'weird-string', owner_org: 'o9', resources: [{ id: 'r1', size: 5 }] },
      { ...base, id: 'b', organization: { id: 'o2', name: 'two' }, extras: [{ key: 'k', value: 'v' }], tags: [{ name: 'x' }] },
    ];
    await load([pkgs, [{ ...base, id: 'c', resources: [{ id: 'r2' }, { id: 'r3' }] }]], async (db, summary) => {
      assert.deepEqual({ d: summary.datasets, r: summary.resources, t: summary.tags, e: summary.extras, o: summary.organizations, i: summary.invalid }, { d: 3, r: 3, t: 1, e: 1, o: 1, i: 0 });
      assert.deepEqual(await column(db, 'SELECT organization_id FROM datasets'), ['o9', 'o2', null]);
      assert.deepEqual(await column(db, "SELECT raw->>'$.organization' FROM datasets WHERE id = 'a'"), ['weird-string']);
    });
  });

  test('an odd structure in a later chunk: the tables filled from earlier chunks are rolled back, nothing is loaded twice', async () => {
    const pages = [
      [{ ...base, id: 'a', organization: { id: 'o1', name: 'one' }, resources: [{ id: 'r1' }], tags: [{ name: 't' }] }],
      [{ ...base, id: 'b', resources: [{ id: 'r2' }] }],
      [{ ...base, id: 'c', resources: 'not-a-list', tags: [{ name: 'u' }] }],
    ];
    await load(pages, async (db, summary) => {
      assert.deepEqual({ d: summary.datasets, r: summary.resources, t: summary.tags, o: summary.organizations }, { d: 3, r: 2, t: 2, o: 1 });
      assert.deepEqual(await column(db, 'SELECT id FROM datasets'), ['a', 'b', 'c']);
      assert.deepEqual(await column(db, 'SELECT id FROM resources'), ['r1', 'r2']);
      assert.deepEqual(await column(db, "SELECT raw->>'$.resources' FROM datasets WHERE id = 'c'"), ['not-a-list']);
    }, undefined, 1);
  });

  test('lines that are not packages with an id are counted as invalid, blank lines and CRLF are fine', async () => {
    await withTempDir(async (dir) => {
      const good = (id: string): string => JSON.stringify({ ...base, id, resources: [{ id: `${id}-r` }] });
      const files = [
        ...(await writeRawPages(path.join(dir, 'p1'), [[good('a'), '[1,2]', 'null', '{}', good('b')]])),
        ...(await writeRawPages(path.join(dir, 'p2'), [[JSON.stringify({ ...base, id: '' }), '', good('c')]], '\r\n')),
      ];
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files);
      assert.deepEqual({ p: summary.packages, i: summary.invalid, d: summary.datasets, r: summary.resources, dup: summary.duplicates }, { p: 7, i: 4, d: 3, r: 3, dup: 0 });
      await readDb(target, async (db) => {
        assert.deepEqual(await column(db, 'SELECT rows FROM pages'), [5, 2]);
        assert.deepEqual(await column(db, 'SELECT raw FROM datasets'), [good('a'), good('b'), good('c')]);
      });
    });
  });

  test('an empty page file loads as a page of 0 rows', async () => {
    await withTempDir(async (dir) => {
      const files = await writeRawPages(path.join(dir, 'pages'), [[JSON.stringify({ ...base, id: 'a' })], []]);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files);
      assert.equal(summary.datasets, 1);
      await readDb(target, async (db) => assert.deepEqual(await column(db, 'SELECT rows FROM pages'), [1, 0]));
      assert.deepEqual((await readdir(dir)).sort(), ['ckan_api.db', 'pages']);
    });
  });
});
