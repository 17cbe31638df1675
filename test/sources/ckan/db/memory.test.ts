/** Issue #10: the CKAN load in bounded memory (duckdb.memoryLimit), and a clear error when packages are too large for it. */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MallardError } from '../../../../src/engine/errors.js';
import { buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import { estimateLineBytes, loadThreadsFor, rowGroupSizeFor, parseMemoryLimit } from '../../../../src/sources/ckan/db/memory.js';
import { iteratePackages, writePageFiles } from '../../../support/ckan-corpus.js';
import { readDb } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

/** Three pages of 1,000 packages made by `pkg`, and their mean line size as the load estimates it. */
async function writeThreePages(dir: string, pkg: (n: number) => string): Promise<{ files: string[]; lineBytes: number }> {
  const files: string[] = [];
  for (let p = 0; p < 3; p += 1) {
    const file = path.join(dir, `page_${String(p * 1000).padStart(9, '0')}.ndjson`);
    await writeFile(file, Array.from({ length: 1000 }, (_, i) => pkg(p * 1000 + i)).join('\n') + '\n');
    files.push(file);
  }
  const lineBytes = await estimateLineBytes(await Promise.all(files.map(async (file) => ({ file, bytes: (await stat(file)).size }))));
  return { files, lineBytes };
}

describe('the CKAN load inside a memory limit', () => {
  test('one 300 MB page loads at a 256 MB memory limit', async () => {
    await withTempDir(async (dir) => {
      const files = await writePageFiles(path.join(dir, 'pages'), iteratePackages(43_000, 7), 43_000);
      assert.equal(files.length, 1);
      assert.ok((await stat(files[0] as string)).size > 300e6, 'a page of over 300 MB');
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files, { memoryLimit: '256MB' });
      assert.equal(summary.datasets, 43_000);
      await readDb(target, async (db) => {
        assert.deepEqual(await db.all('SELECT count(*)::INT AS n FROM datasets'), [{ n: 43_000 }]);
      });
    });
  });

  test('packages of ~25 KB (many resources) load at a 256 MB memory limit, on fewer threads', async () => {
    await withTempDir(async (dir) => {
      // Each thread's JSON parsing holds a vector of 2,048 packages a few times over: on two
      // threads these ran out of memory at 256 MB (DuckDB 1.5.5), well under the per-record limit.
      const pkg = (n: number) => {
        const resources = Array.from({ length: 60 }, (_, j) => ({ id: `r-${n}-${j}`, url: `https://data.example.org/dataset/${n}/resource/${j}/download/file-${j}.csv`, format: 'CSV', name: `Resource ${j} of dataset ${n}`, description: 'Monthly figures for the area, published by the council. '.repeat(3) }));
        return JSON.stringify({ id: `d-${n}`, name: `dataset-${n}`, title: `Dataset ${n}`, notes: 'Some notes. '.repeat(20), metadata_modified: '2020-01-01T00:00:00', num_resources: resources.length, num_tags: 1, resources, tags: [{ name: 'a' }] });
      };
      const { files, lineBytes } = await writeThreePages(dir, pkg);
      assert.ok(lineBytes > 20_000 && lineBytes < 30_000, `packages of ${lineBytes} bytes`);
      assert.equal(loadThreadsFor(parseMemoryLimit('256MB'), lineBytes, 2), 1);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files, { memoryLimit: '256MB' });
      assert.equal(summary.datasets, 3000);
      assert.equal(summary.resources, 180_000);
    });
  });

  test('packages of ~10 KB without num_resources and num_tags load at a 256 MB memory limit, their counts taken from the lists', async () => {
    await withTempDir(async (dir) => {
      // The counts were once taken by parsing each raw line again (json_type, json_array_length):
      // that ran out of memory here at 256 MB, even on one thread (DuckDB 1.5.5).
      const pkg = (n: number) => JSON.stringify({
        id: `d-${n}`, name: `dataset-${n}`, notes: 'Some notes. '.repeat(20), metadata_modified: '2020-01-01T00:00:00', tags: [{ name: 'a' }, { name: 'b' }],
        resources: Array.from({ length: 30 }, (_, j) => ({ id: `r-${n}-${j}`, url: `https://data.example.org/dataset/${n}/resource/${j}/download/file-${j}.csv`, format: 'CSV', name: `Resource ${j} of dataset ${n}`, description: 'Monthly figures for the area, published by the council. '.repeat(3) })),
      });
      const { files, lineBytes } = await writeThreePages(dir, pkg);
      assert.ok(lineBytes > 9_000 && lineBytes < 12_000, `packages of ${lineBytes} bytes`);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files, { memoryLimit: '256MB' });
      assert.equal(summary.datasets, 3000);
      await readDb(target, async (db) => {
        assert.deepEqual(await db.all('SELECT num_resources, num_tags, count(*)::INT AS n FROM datasets GROUP BY ALL'), [{ num_resources: 30, num_tags: 2, n: 3000 }]);
      });
    });
  });

  test('load threads: every core for the usual packages, fewer as packages grow, at least one', () => {
    assert.equal(loadThreadsFor(256e6, 7_000, 2), 2, 'the usual crawl at 256 MB');
    assert.equal(loadThreadsFor(700e6, 7_000, 16), 12);
    assert.equal(loadThreadsFor(256e6, 16_000, 2), 1);
    assert.equal(loadThreadsFor(256e6, 200_000, 8), 1);
    assert.equal(loadThreadsFor(undefined, 7_000, 4), 4);
    assert.equal(loadThreadsFor(256e6, 0, 4), 4);
  });

  test('packages too large for the limit: ERR_CKAN_LOAD_MEMORY naming duckdb.memoryLimit, before DuckDB runs out', async () => {
    await withTempDir(async (dir) => {
      const big = 'x'.repeat(100_000);
      const lines = Array.from({ length: 120 }, (_, i) => JSON.stringify({ id: `p${i}`, notes: big, resources: [], tags: [] }));
      const file = path.join(dir, 'page_000000000.ndjson');
      await writeFile(file, lines.join('\n') + '\n');
      const err = await buildCkanApiDatabase(path.join(dir, 'ckan_api.db'), [file], { memoryLimit: '16MB' }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof MallardError, String(err));
      assert.equal(err.code, 'ERR_CKAN_LOAD_MEMORY');
      assert.match(err.message, /packages of ~\d+ KB on average, more than a memory limit of 16MB can load/);
      assert.match(err.suggestions.join(' '), /duckdb\.memoryLimit/);
    });
  });

  test('row groups shrink with large packages and small limits, within DuckDB bounds', async () => {
    assert.equal(parseMemoryLimit('256MB'), 256e6);
    assert.equal(parseMemoryLimit('1GiB'), 1024 ** 3);
    assert.equal(parseMemoryLimit('lots'), undefined);
    assert.equal(rowGroupSizeFor(400e6, 7_000), 8_192);
    assert.equal(rowGroupSizeFor(256e6, 7_000), 4_096);
    assert.equal(rowGroupSizeFor(256e6, 60_000), 2_048);
    assert.equal(rowGroupSizeFor(800e6, 20_000), 6_144);
    assert.equal(rowGroupSizeFor(4e9, 7_000), 16_384);
    assert.equal(rowGroupSizeFor(8e9, 1_000), 16_384);
    assert.equal(rowGroupSizeFor(undefined, 7_000), 16_384);
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'p.ndjson');
      await writeFile(file, `${'a'.repeat(99)}\n`.repeat(1000));
      assert.equal(await estimateLineBytes([{ file, bytes: 100_000 }]), 100);
    });
  });
});
