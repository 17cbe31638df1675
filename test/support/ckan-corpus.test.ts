import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePackages, iteratePackages, pageFileName, writePageFiles } from './ckan-corpus.js';
import { withTempDir } from './temp-dir.js';

describe('ckan-corpus', () => {
  test('the same seed gives the same packages, another seed others', () => {
    assert.deepEqual(generatePackages(50, 7), generatePackages(50, 7));
    assert.notDeepEqual(generatePackages(5, 7), generatePackages(5, 8));
    assert.deepEqual(generatePackages(30, 7).slice(0, 10), generatePackages(10, 7));
    const ids = generatePackages(2000, 1).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('has the variety of real portals', () => {
    const pkgs = generatePackages(2000, 3);
    const sizes = pkgs.flatMap((p) => (p.resources ?? []).map((r) => r['size']));
    assert.ok(pkgs.some((p) => typeof p['title'] === 'object' && p['title'] !== null), 'multilingual titles');
    assert.ok(pkgs.some((p) => typeof p['title'] === 'object' && !('en' in (p['title'] as object))), 'multilingual without en');
    assert.ok(pkgs.some((p) => !('extras' in p)), 'extras missing');
    assert.ok(pkgs.some((p) => Array.isArray(p['extras']) && (p['extras'] as unknown[]).length === 0), 'extras empty');
    assert.ok(pkgs.some((p) => p['organization'] === null), 'organization null');
    assert.ok(pkgs.some((p) => (p.resources ?? []).length === 0), 'no resources');
    assert.ok(pkgs.some((p) => (p.resources ?? []).length >= 15), 'many resources');
    assert.ok(sizes.includes(null) && sizes.some((s) => typeof s === 'number') && sizes.some((s) => typeof s === 'string' && /^\d+$/.test(s)));
    assert.ok(sizes.some((s) => typeof s === 'string' && / MB$/.test(s)), 'junk sizes');
    assert.ok(sizes.some((s) => typeof s === 'number' && s > 2 ** 32), 'sizes above 2^32');
    assert.ok(pkgs.every((p) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/.test(String(p['metadata_modified']))), 'zone-less timestamps');
    const bytes = pkgs.reduce((sum, p) => sum + JSON.stringify(p).length, 0) / pkgs.length;
    assert.ok(bytes > 3000 && bytes < 12000, `average package ${bytes} bytes`);
  });

  test('writes NDJSON pages named by their start', async () => {
    await withTempDir(async (dir) => {
      const files = await writePageFiles(dir, iteratePackages(25, 2), 10);
      assert.deepEqual(files.map((f) => path.basename(f)), ['page_000000000.ndjson', 'page_000000010.ndjson', 'page_000000020.ndjson']);
      assert.deepEqual((await readdir(dir)).sort(), files.map((f) => path.basename(f)));
      assert.equal(pageFileName(1234), 'page_000001234.ndjson');
      const lines = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).flatMap((t) => t.split('\n').filter((l) => l !== ''));
      assert.deepEqual(lines.map((l) => JSON.parse(l)), generatePackages(25, 2));
      await assert.rejects(writePageFiles(dir, [], 0), RangeError);
    });
  });
});
