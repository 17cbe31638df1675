import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import { generatePackages, type CkanPackage } from '../../../support/ckan-corpus.js';
import { dumpTables, expectedCounts, keptPackages, readDb, writePackagePages } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

const pkg = (id: string, modified: string | null, extra: Record<string, unknown> = {}): CkanPackage => ({
  id, name: id, title: `${id} ${modified}`, metadata_modified: modified, metadata_created: '2019-01-01T00:00:00.000000',
  resources: [], tags: [], ...extra,
});
const res = (n: number, prefix: string): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}` }));
const org = (title: string): Record<string, unknown> => ({ id: 'org-x', name: 'x', title });

describe('dedupe by id', () => {
  test('keeps the latest metadata_modified, then the later page, then the later line; children of the kept copy only', async () => {
    const pages: CkanPackage[][] = [
      [
        pkg('A', '2020-01-01T00:00:00.000000', { resources: res(3, 'A-old'), organization: org('older title') }),
        pkg('B', '2021-06-01T00:00:00.000000', { resources: res(1, 'B-new'), tags: [{ name: 'b' }] }),
        pkg('C', '2021-01-01T00:00:00.000000', { title: 'C first page' }),
        pkg('D', '2021-01-01T00:00:00.000000', { title: 'D first line' }),
        pkg('D', '2021-01-01T00:00:00.000000', { title: 'D second line' }),
        pkg('E', '2020-01-01T00:00:00.000000', { title: 'E dated' }),
      ],
      [
        pkg('B', '2020-06-01T00:00:00.000000', { resources: res(5, 'B-old'), tags: [{ name: 'x' }, { name: 'y' }] }),
        pkg('C', '2021-01-01T00:00:00.000000', { title: 'C second page' }),
        pkg('E', null, { title: 'E undated' }),
        pkg('F', '2020-01-01T00:00:00.000000'),
      ],
      [pkg('A', '2022-01-01T00:00:00.000000', { resources: res(2, 'A-new'), extras: [{ key: 'k', value: 'v' }], organization: org('newer title') })],
    ];
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), pages);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files);
      assert.deepEqual(summary, { ...expectedCounts(pages), packages: 11, invalid: 0, duplicates: 5 });
      assert.deepEqual(keptPackages(pages).map((p) => p.id), ['B', 'D', 'E', 'C', 'F', 'A']);
      await readDb(target, async (db) => {
        assert.deepEqual(await db.all('SELECT id, title, page_file FROM datasets'), [
          { id: 'B', title: 'B 2021-06-01T00:00:00.000000', page_file: files[0] },
          { id: 'D', title: 'D second line', page_file: files[0] },
          { id: 'E', title: 'E dated', page_file: files[0] },
          { id: 'C', title: 'C second page', page_file: files[1] },
          { id: 'F', title: 'F 2020-01-01T00:00:00.000000', page_file: files[1] },
          { id: 'A', title: 'A 2022-01-01T00:00:00.000000', page_file: files[2] },
        ]);
        assert.deepEqual((await db.all('SELECT id FROM resources')).map((r) => r['id']), ['B-new-0', 'A-new-0', 'A-new-1']);
        assert.deepEqual(await db.all('SELECT dataset_id, name FROM tags'), [{ dataset_id: 'B', name: 'b' }]);
        assert.deepEqual(await db.all('SELECT dataset_id, key FROM extras'), [{ dataset_id: 'A', key: 'k' }]);
        assert.deepEqual(await db.all('SELECT id, title FROM organizations'), [{ id: 'org-x', title: 'newer title' }]);
        assert.deepEqual(await db.all('SELECT rows FROM pages'), [{ rows: 6 }, { rows: 4 }, { rows: 1 }]);
      });
    });
  });

  test('a crawl whose pages overlap (drift) still gives each dataset once with exact counts', async () => {
    const packages = generatePackages(600, 5);
    // pages of 100 that each repeat the last 20 packages of the previous page, some of them modified since
    const pages: CkanPackage[][] = [];
    for (let start = 0; start < packages.length; start += 100) {
      const overlap = packages.slice(Math.max(0, start - 20), start).map((p, i) => (i % 2 === 0 ? { ...p, metadata_modified: '2030-01-01T00:00:00.000000', resources: [] } : p));
      pages.push([...overlap, ...packages.slice(start, start + 100)]);
    }
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), pages);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files);
      assert.deepEqual(summary, { ...expectedCounts(pages), packages: 700, invalid: 0, duplicates: 100 });
      assert.equal(summary.datasets, 600);
      await readDb(target, async (db) => {
        const ids = (await db.all('SELECT id FROM datasets')).map((r) => r['id']);
        assert.deepEqual(ids, keptPackages(pages).map((p) => p.id));
        assert.equal(new Set(ids).size, 600);
      });
    });
  });

  test('chunks with duplicates (paired with the keys) and without (read in parallel) give the tables one chunk gives', async () => {
    const packages = generatePackages(500, 11);
    // five pages of 100; the third repeats ten packages of the first (five of them modified since), and itself twice
    const pages: CkanPackage[][] = [0, 1, 2, 3, 4].map((i) => packages.slice(i * 100, i * 100 + 100));
    const again = (pages[0] as CkanPackage[]).slice(0, 10).map((p, i) => (i < 5 ? { ...p, metadata_modified: '2030-01-01T00:00:00.000000', tags: [] } : p));
    const twice = (pages[2] as CkanPackage[])[7] as CkanPackage;
    pages[2] = [...again, ...(pages[2] as CkanPackage[]), { ...twice, title: 'the later line' }];
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), pages);
      const dumps = [];
      // one chunk (every dataset paired with its key); a chunk per page (pages 0 and 2 paired, the others not)
      for (const [name, chunkBytes] of [['one.db', undefined], ['each.db', 1]] as const) {
        const summary = await buildCkanApiDatabase(path.join(dir, name), files, { now: () => new Date('2024-01-01T00:00:00Z'), chunkBytes });
        assert.deepEqual(summary, { ...expectedCounts(pages), packages: 511, invalid: 0, duplicates: 11 });
        dumps.push(await readDb(path.join(dir, name), dumpTables));
      }
      assert.deepEqual(dumps[1], dumps[0]);
      const datasets = dumps[0]?.['datasets'] ?? [];
      assert.deepEqual(datasets.map((r) => r['id']), keptPackages(pages).map((p) => p.id));
      assert.equal(datasets.find((r) => r['id'] === twice.id)?.['title'], 'the later line');
    });
  });
});
