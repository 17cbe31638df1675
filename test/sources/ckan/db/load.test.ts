import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableRowCounts } from '../../../../src/duckdb/index.js';
import { CHUNK_FILES, buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import { generatePackages, writePageFiles, type CkanPackage } from '../../../support/ckan-corpus.js';
import { dumpTables, expectedCounts, readDb } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

const clock = (): Date => new Date('2024-05-06T07:08:09.123Z');

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

describe('loadCkanPages over generated packages', () => {
  const packages = generatePackages(1500, 11);
  const pages = chunk(packages, 100);

  test('loads every package once with exact counts, raw kept verbatim, in crawl order', async () => {
    await withTempDir(async (dir) => {
      const files = await writePageFiles(path.join(dir, 'pages'), packages, 100);
      const target = path.join(dir, 'work', 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files, { now: clock });
      const expected = expectedCounts(pages);
      assert.deepEqual(summary, { ...expected, packages: 1500, invalid: 0, duplicates: 0 });
      await readDb(target, async (db) => {
        const { coerced: _none, deleted: _zero, ...tables } = expected;
        assert.deepEqual(await tableRowCounts(db), tables);
        const lines = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).flatMap((t) => t.split('\n').filter((l) => l !== ''));
        const stored = await db.all('SELECT id, raw, page_file FROM datasets');
        assert.deepEqual(stored.map((r) => r['id']), packages.map((p) => p.id));
        assert.ok(stored.every((r, i) => r['raw'] === lines[i]), 'raw is the line as written');
        assert.equal(stored[250]?.['page_file'], files[2]);
        const resources = await db.all('SELECT dataset_id, position, id FROM resources');
        const expectedResources = packages.flatMap((p) => (p.resources ?? []).map((r, i) => ({ dataset_id: p.id, position: i, id: r['id'] })));
        assert.deepEqual(resources, expectedResources);
        const pagesRows = await db.all('SELECT file, start, rows, bytes, loaded_at FROM pages');
        assert.equal(pagesRows.length, 15);
        assert.deepEqual(pagesRows[3], { file: files[3], start: '300', rows: 100, bytes: String((await readFile(files[3] as string)).length), loaded_at: '2024-05-06 07:08:09.123' });
      });
    });
  });

  test('typed columns agree with the packages', async () => {
    await withTempDir(async (dir) => {
      const files = await writePageFiles(path.join(dir, 'pages'), packages, 100);
      const target = path.join(dir, 'ckan_api.db');
      await buildCkanApiDatabase(target, files, { now: clock });
      await readDb(target, async (db) => {
        const rows = await db.all("SELECT id, name, title, organization_id, num_resources, strftime(metadata_modified, '%Y-%m-%dT%H:%M:%S.%f') AS metadata_modified, private FROM datasets");
        for (const [i, pkg] of packages.entries()) {
          const row = rows[i] as Record<string, unknown>;
          const title = pkg['title'];
          const text = typeof title === 'string' ? title : ((title as Record<string, string>)['en'] ?? Object.values(title as Record<string, string>)[0]);
          assert.equal(row['title'], text, `title of ${pkg.id}`);
          assert.equal(row['name'], pkg['name']);
          assert.equal(row['organization_id'], (pkg['organization'] as { id: string } | null)?.id ?? null);
          assert.equal(row['num_resources'], (pkg.resources ?? []).length);
          assert.equal(row['metadata_modified'], pkg['metadata_modified']);
          assert.equal(row['private'], false);
        }
        const sizes = await db.all('SELECT size, size_raw FROM resources');
        const sourceSizes = packages.flatMap((p) => (p.resources ?? []).map((r) => r['size']));
        for (const [i, source] of sourceSizes.entries()) {
          const row = sizes[i] as Record<string, unknown>;
          const numeric = typeof source === 'number' || (typeof source === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(source));
          assert.equal(row['size'] === null ? null : Number(row['size']), numeric ? Math.round(Number(source)) : null, `size ${JSON.stringify(source)}`);
          assert.equal(row['size_raw'], source === null ? null : String(source));
        }
      });
    });
  });

  test('the same pages give the same tables row for row, in one chunk or many', async () => {
    await withTempDir(async (dir) => {
      const files = await writePageFiles(path.join(dir, 'pages'), packages, 100);
      const pageBytes = (await readFile(files[0] as string)).length;
      const dumps = [];
      // one chunk twice; chunks of about three pages; a chunk per page
      for (const [name, chunkBytes] of [['a.db', undefined], ['b.db', undefined], ['c.db', 3 * pageBytes], ['d.db', 1]] as const) {
        await buildCkanApiDatabase(path.join(dir, name), files, { now: clock, chunkBytes });
        dumps.push(await readDb(path.join(dir, name), dumpTables));
      }
      for (const dump of dumps.slice(1)) assert.deepEqual(dump, dumps[0]);
      assert.equal(dumps[0]?.['datasets']?.length, 1500);
    });
  });

  test('many small pages: more pages than one chunk takes', async () => {
    await withTempDir(async (dir) => {
      const small: CkanPackage[] = packages.slice(0, 400);
      const files = await writePageFiles(path.join(dir, 'pages'), small, 3);
      assert.ok(files.length > CHUNK_FILES);
      const summary = await buildCkanApiDatabase(path.join(dir, 'ckan_api.db'), files, { now: clock });
      assert.deepEqual(summary, { ...expectedCounts(chunk(small, 3)), packages: 400, invalid: 0, duplicates: 0 });
      await readDb(path.join(dir, 'ckan_api.db'), async (db) => {
        assert.deepEqual((await db.all('SELECT id FROM datasets')).map((r) => r['id']), small.map((p) => p.id));
      });
    });
  });
});
