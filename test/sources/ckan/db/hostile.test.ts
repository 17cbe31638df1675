/** Issue #16: what a load coerces is counted, multilingual resource texts are flattened, stored paths are relative. */
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import { readDb, writePackagePages } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

const base = { metadata_created: '2020-01-01T00:00:00.000000', metadata_modified: '2021-01-01T00:00:00.000000', resources: [], tags: [] };

describe('hostile input in the CKAN load', () => {
  test('every silent coercion is counted by kind and field (none is "invalid: 0" and nothing else)', async () => {
    await withTempDir(async (dir) => {
      const pages = [[
        { ...base, id: 'ts', metadata_modified: 'yesterday', resources: [{ id: 'r1', created: 'not a date', last_modified: '2020-02-02T00:00:00' }] },
        { ...base, id: 'strings', tags: ['water', 'air'], resources: ['http://example.org/a.csv'] },
        { ...base, id: 'objects', extras: { theme: 'water' }, organization: 'org-as-a-string' },
        { ...base, id: 'list-as-text', resources: 'none' },
        { ...base, id: 'fine', metadata_created: '', tags: [{ name: 'ok' }] },
      ]];
      const files = await writePackagePages(path.join(dir, 'pages'), pages);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files);
      assert.equal(summary.invalid, 0);
      assert.equal(summary.datasets, 5);
      assert.deepEqual(summary.coerced, {
        timestamps: 2,
        nonObjectItems: 3,
        nonListValues: 3,
        byField: { metadata_modified: 1, 'resources[].created': 1, 'tags[]': 2, 'resources[]': 1, extras: 1, resources: 1, organization: 1 },
      });
      await readDb(target, async (db) => {
        assert.deepEqual(await db.all("SELECT count(*)::INT AS n FROM tags WHERE dataset_id = 'strings' AND name IS NULL"), [{ n: 2 }], 'the empty rows the counts describe');
        assert.deepEqual(await db.all("SELECT count(*)::INT AS n FROM extras WHERE dataset_id = 'objects'"), [{ n: 0 }]);
      });
    });
  });

  test('a clean load counts nothing', async () => {
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), [[{ ...base, id: 'a', tags: [{ name: 'x' }] }]]);
      const summary = await buildCkanApiDatabase(path.join(dir, 'ckan_api.db'), files);
      assert.deepEqual(summary.coerced, { timestamps: 0, nonObjectItems: 0, nonListValues: 0, byField: {} });
    });
  });

  test('multilingual resource name and description are flattened like titles (English first); plain strings stay', async () => {
    await withTempDir(async (dir) => {
      const resources = [
        { id: 'r0', name: { fr: '', de: 'Reisen …', en: '', it: '' }, description: { fr: 'Voyages', en: 'Travel' } },
        { id: 'r1', name: 'Plain name', description: '{not json' },
        { id: 'r2', name: null, description: { de: '', fr: '' } },
      ];
      const files = await writePackagePages(path.join(dir, 'pages'), [[{ ...base, id: 'a', resources }]]);
      const target = path.join(dir, 'ckan_api.db');
      await buildCkanApiDatabase(target, files);
      await readDb(target, async (db) => {
        assert.deepEqual(await db.all('SELECT name, description FROM resources ORDER BY position'), [
          { name: 'Reisen …', description: 'Travel' },
          { name: 'Plain name', description: '{not json' },
          { name: null, description: null },
        ]);
      });
    });
  });

  test('page paths inside the artifacts directory are stored relative to it', async () => {
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'raw', 'site', 'ckan'), [[{ ...base, id: 'a' }], [{ ...base, id: 'b' }]]);
      const target = path.join(dir, 'work', 'ckan_api.db');
      await buildCkanApiDatabase(target, files, { relativeTo: dir });
      await readDb(target, async (db) => {
        const stored = [...(await db.all('SELECT file FROM pages')), ...(await db.all('SELECT page_file AS file FROM datasets'))].map((r) => r['file']);
        const names = files.map((f) => path.relative(dir, f));
        assert.deepEqual(stored, [...names, ...names]);
        assert.ok(stored.every((f) => typeof f === 'string' && !path.isAbsolute(f) && f.startsWith('raw/site/ckan/')), JSON.stringify(stored));
      });
    });
  });
});
