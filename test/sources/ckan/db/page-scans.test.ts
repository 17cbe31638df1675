import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkPages } from '../../../../src/sources/ckan/db/page-scans.js';

const pages = (...sizes: number[]) => sizes.map((bytes, i) => ({ file: `/p/page_${i}.ndjson`, name: `page_${i}.ndjson`, start: i * 10, bytes }));
const shape = (chunks: ReturnType<typeof chunkPages>) => chunks.map((c) => [c.firstPage, c.files.length]);

describe('chunkPages', () => {
  test('fills chunks up to the byte bound, in page order, first page index kept', () => {
    assert.deepEqual(shape(chunkPages(pages(40, 40, 20, 50, 50), 100, 10)), [[0, 3], [3, 2]]);
    const files = chunkPages(pages(40, 40, 20, 50, 50), 100, 10).flatMap((c) => c.files);
    assert.deepEqual(files, pages(40, 40, 20, 50, 50).map((p) => p.file));
  });

  test('a page larger than the bound is a chunk of its own; empty pages ride along', () => {
    assert.deepEqual(shape(chunkPages(pages(10, 500, 0, 10), 100, 10)), [[0, 1], [1, 1], [2, 2]]);
  });

  test('the file bound holds however small the pages', () => {
    assert.deepEqual(shape(chunkPages(pages(1, 1, 1, 1, 1, 1, 1), 1000, 3)), [[0, 3], [3, 3], [6, 1]]);
  });

  test('no pages, no chunks', () => {
    assert.deepEqual(chunkPages([], 100, 10), []);
  });
});
