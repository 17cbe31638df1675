import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MallardError } from '../../../src/engine/errors.js';
import { fetchSearchPage, pageFileName, planPages, searchPageUrl } from '../../../src/sources/ckan/index.js';
import { PACKAGE_SEARCH_PATH, startCkanServer, type CkanPackage } from '../../support/ckan-server.js';
import { readPage, useCkanHarness } from './harness.js';

describe('fetchSearchPage against the local CKAN server', () => {
  const h = useCkanHarness();

  test('writes the page as NDJSON: one package per line, equal to what was served', async () => {
    const dest = path.join(h.dir, pageFileName(0));
    const result = await fetchSearchPage(h.client, h.params(), dest);
    const lines = await readPage(dest);
    assert.deepEqual(lines, h.byId.slice(0, 10));
    assert.equal(result.count, 25);
    assert.equal(result.received, 10);
    assert.equal(result.start, 0);
    assert.equal(result.firstId, h.byId[0]!.id);
    assert.equal(result.lastId, h.byId[9]!.id);
    assert.equal(result.bytes, (await readFile(dest)).length);
    assert.deepEqual(await readdir(h.dir), ['page_000000000.ndjson']);
    const req = h.server.requests.at(-1)!;
    assert.equal(req.query.get('sort'), 'id asc');
    assert.equal(req.query.get('rows'), '10');
    assert.equal(req.query.get('start'), '0');
  });

  test('the rows cap: ask for 50, get 10, and planPages advances by what was received', async () => {
    const first = await fetchSearchPage(h.client, h.params({ rows: 50 }), path.join(h.dir, pageFileName(0)));
    assert.equal(first.received, 10);
    const starts = [...planPages(first.count, first.received)];
    assert.deepEqual(starts, [0, 10, 20]);
    const all: unknown[] = [];
    for (const start of starts) {
      const dest = path.join(h.dir, pageFileName(start));
      if (start > 0) await fetchSearchPage(h.client, h.params({ rows: 50, start }), dest);
      all.push(...(await readPage(dest)));
    }
    assert.deepEqual(all, h.byId);
    assert.deepEqual((await readdir(h.dir)).sort(), ['page_000000000.ndjson', 'page_000000010.ndjson', 'page_000000020.ndjson']);
  });

  test('q and fq are sent and honoured', async () => {
    const result = await fetchSearchPage(h.client, h.params({ q: 'Water', fq: 'organization:org-0' }), path.join(h.dir, 'p.ndjson'));
    const expected = h.byId.filter((p) => JSON.stringify(p.title).includes('Water') && (p.organization as { name?: string } | null)?.name === 'org-0');
    assert.ok(expected.length > 0);
    assert.equal(result.count, expected.length);
    assert.deepEqual(await readPage(path.join(h.dir, 'p.ndjson')), expected);
  });

  test('sorts: name asc and metadata_modified desc', async () => {
    await fetchSearchPage(h.client, h.params({ sort: 'metadata_modified desc', rows: 25 }), path.join(h.dir, 'a.ndjson'));
    const modified = (await readPage(path.join(h.dir, 'a.ndjson'))).map((p) => (p as CkanPackage).metadata_modified!);
    assert.deepEqual(modified, [...modified].sort().reverse());
    await fetchSearchPage(h.client, h.params({ sort: 'name asc', rows: 5 }), path.join(h.dir, 'b.ndjson'));
    const names = (await readPage(path.join(h.dir, 'b.ndjson'))).map((p) => (p as CkanPackage).name);
    assert.deepEqual(names, h.packages.map((p) => p.name!).sort().slice(0, 5));
  });

  test('a start past the end gives an empty page file', async () => {
    const result = await fetchSearchPage(h.client, h.params({ start: 100 }), path.join(h.dir, pageFileName(100)));
    assert.equal(result.received, 0);
    assert.equal(result.firstId, undefined);
    assert.equal(await readFile(path.join(h.dir, pageFileName(100)), 'utf8'), '');
  });

  test('500 then success: retried with backoff, page written', async () => {
    h.server.schedule({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const before = h.server.count(PACKAGE_SEARCH_PATH);
    const result = await fetchSearchPage(h.client, h.params(), path.join(h.dir, pageFileName(0)));
    assert.equal(result.received, 10);
    assert.equal(h.server.count(PACKAGE_SEARCH_PATH) - before, 3);
    assert.deepEqual(h.clock.sleeps, [100, 200]);
  });

  test('429 with Retry-After: the h.client waits what the h.server asked', async () => {
    h.server.schedule({ kind: 'rate-limit', retryAfter: '3' });
    await fetchSearchPage(h.client, h.params(), path.join(h.dir, pageFileName(0)));
    assert.deepEqual(h.clock.sleeps, [3000]);
  });

  test('a dropped connection and a cut body are retried; the page is whole', async () => {
    h.server.schedule({ kind: 'drop', fraction: 0.3 }, { kind: 'truncate', fraction: 0.6 });
    const dest = path.join(h.dir, pageFileName(0));
    await fetchSearchPage(h.client, h.params(), dest);
    assert.deepEqual(await readPage(dest), h.byId.slice(0, 10));
    assert.deepEqual(h.clock.sleeps, [100, 200]);
  });

  test('pretty-printed responses still give one package per line', async () => {
    const pretty = await startCkanServer({ packages: h.packages, pretty: true, gzip: false });
    try {
      const dest = path.join(h.dir, 'pretty.ndjson');
      await fetchSearchPage(h.client, h.params({ baseUrl: `${pretty.actionUrl}/` }), dest);
      const text = await readFile(dest, 'utf8');
      assert.equal(text.split('\n').length, 11);
      assert.deepEqual(await readPage(dest), h.byId.slice(0, 10));
    } finally {
      await pretty.close();
    }
  });

  test('searchPageUrl builds the Action API URL whatever the trailing slash', () => {
    const url = searchPageUrl({ baseUrl: 'https://x.org/api/3/action/', rows: 1000, start: 2000, sort: 'id asc', q: 'a b', fq: '' });
    assert.equal(url, 'https://x.org/api/3/action/package_search?rows=1000&start=2000&sort=id+asc&q=a+b');
  });
});

describe('pageFileName and planPages', () => {
  test('page file names are zero-padded to 9 digits', () => {
    assert.equal(pageFileName(0), 'page_000000000.ndjson');
    assert.equal(pageFileName(123_000), 'page_000123000.ndjson');
    assert.throws(() => pageFileName(-1), RangeError);
    assert.throws(() => pageFileName(1.5), RangeError);
  });

  test('planPages steps by the rows received', () => {
    assert.deepEqual([...planPages(0, 0)], [0]);
    assert.deepEqual([...planPages(1, 1)], [0]);
    assert.deepEqual([...planPages(1000, 1000)], [0]);
    assert.deepEqual([...planPages(1001, 1000)], [0, 1000]);
    assert.deepEqual([...planPages(2500, 1000)], [0, 1000, 2000]);
    assert.deepEqual([...planPages(7, 3)], [0, 3, 6]);
    assert.throws(() => [...planPages(5, 0)], (err: unknown) => err instanceof MallardError && err.code === 'ERR_CKAN_RESPONSE');
    assert.throws(() => [...planPages(-1, 10)], RangeError);
    assert.deepEqual([...planPages(10_000, 1000, 2500)], [0, 1000, 2000], 'a limit below the count caps the plan');
    const huge = planPages(1_000_000_000, 1);
    assert.equal(huge.next().value, 0, 'planned lazily: a claimed count of 10^9 costs nothing up front');
  });
});
