import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MallardError } from '../../../src/engine/errors.js';
import { createHttpClient, type HttpClient } from '../../../src/http/index.js';
import { fetchSearchPage, pageFileName, type SearchPageParams } from '../../../src/sources/ckan/index.js';
import { PACKAGE_SEARCH_PATH, startCkanServer } from '../../support/ckan-server.js';
import { RETRY_TIMEOUT_MS } from '../../support/http-test-server.js';
import { readPage, useCkanHarness } from './harness.js';

describe('responses that are not the CKAN envelope are errors and leave no file', () => {
  const h = useCkanHarness();

  const expectFailure = async (p: SearchPageParams, check: (err: MallardError) => void, c: HttpClient = h.client): Promise<void> => {
    const dest = path.join(h.dir, pageFileName(p.start));
    await assert.rejects(fetchSearchPage(c, p, dest), (err: unknown) => {
      assert.ok(err instanceof MallardError, String(err));
      check(err);
      return true;
    });
    assert.deepEqual(await readdir(h.dir), [], 'no page file and no temp file');
  };

  test('an HTML page with status 200', async () => {
    h.server.schedule({ kind: 'html' });
    await expectFailure(h.params(), (err) => {
      assert.equal(err.code, 'ERR_CKAN_RESPONSE');
      assert.match(err.message, /HTML page/);
      assert.equal(err.retryable, false);
    });
    assert.deepEqual(h.clock.sleeps, [], 'not retried');
  });

  test('a truncated body, when retries run out', async () => {
    h.server.schedule({ fault: { kind: 'truncate' }, times: 4 });
    await expectFailure(h.params(), (err) => {
      assert.equal(err.code, 'ERR_CKAN_RESPONSE');
      assert.match(err.message, /cut short/);
      assert.equal(err.retryable, false, 'retried to exhaustion by the client: no layer above tries again');
      assert.equal(err.context.attempts, 4);
    });
  });

  test('a connection dropped mid-body, retries off', async () => {
    h.server.schedule({ kind: 'drop' });
    await expectFailure(h.params(), (err) => {
      assert.equal(err.code, 'ERR_HTTP');
      assert.equal(err.retryable, true);
    }, createHttpClient({ clock: h.clock, retries: 0 }));
  });

  test('success:false with status 200 reports error.__type and the message', async () => {
    h.server.schedule({ kind: 'raw', status: 200, body: JSON.stringify({ help: 'h', success: false, error: { __type: 'Search Error', message: 'Solr is down' } }) });
    await expectFailure(h.params(), (err) => {
      assert.equal(err.code, 'ERR_CKAN_API');
      assert.equal(err.context.ckanErrorType, 'Search Error');
      assert.match(err.message, /Search Error: Solr is down/);
    });
  });

  test('a 409 validation error envelope (errors per field, no message)', async () => {
    const body = JSON.stringify({ help: 'h', success: false, error: { __type: 'Validation Error', rows: ['Invalid integer'] } });
    h.server.schedule({ kind: 'raw', status: 409, body });
    await expectFailure(h.params(), (err) => {
      assert.equal(err.code, 'ERR_CKAN_API');
      assert.equal(err.context.status, 409);
      assert.equal(err.context.ckanErrorType, 'Validation Error');
      assert.match(err.message, /rows: \["Invalid integer"\]/);
      assert.equal(err.retryable, false);
    });
  });

  test('an invalid sort: CKAN 400 Search Query Error, not retried', async () => {
    const before = h.server.count(PACKAGE_SEARCH_PATH);
    await expectFailure(h.params({ sort: 'nonsense asc' }), (err) => {
      assert.equal(err.code, 'ERR_CKAN_API');
      assert.equal(err.context.ckanErrorType, 'Search Query Error');
      assert.equal(err.retryable, false);
    });
    assert.equal(h.server.count(PACKAGE_SEARCH_PATH) - before, 1);
  });

  test('a 500 envelope is retried, then reported with its __type', async () => {
    h.server.schedule({ fault: { kind: 'ckan-error', status: 500, type: 'Search Index Error', message: 'index broken' }, times: 2 });
    await expectFailure(h.params(), (err) => {
      assert.equal(err.code, 'ERR_CKAN_API');
      assert.equal(err.context.ckanErrorType, 'Search Index Error');
      assert.equal(err.retryable, false, 'retried to exhaustion by the client');
      assert.equal(err.context.attempts, 2);
    }, createHttpClient({ clock: h.clock, retries: 1, random: () => 0, retryBaseMs: 1 }));
  });

  test('an unknown action: the 404 envelope', async () => {
    const portal = await startCkanServer({ packages: h.packages, disabledActions: ['package_search'] });
    try {
      await expectFailure(h.params({ baseUrl: portal.actionUrl }), (err) => {
        assert.equal(err.code, 'ERR_CKAN_API');
        assert.equal(err.context.status, 404);
        assert.equal(err.context.ckanErrorType, 'Not Found Error');
        assert.equal(err.retryable, false);
        assert.ok(err.suggestions.some((s) => s.includes('ckan.url')));
      });
      assert.equal(portal.count(PACKAGE_SEARCH_PATH), 1);
    } finally {
      await portal.close();
    }
  });

  test("an unknown action: CKAN 2.9's 400 with a bare JSON string", async () => {
    const portal = await startCkanServer({ packages: h.packages, disabledActions: ['package_search'], unknownAction: 'bad-request-string' });
    try {
      await expectFailure(h.params({ baseUrl: portal.actionUrl }), (err) => {
        assert.equal(err.code, 'ERR_CKAN_API');
        assert.equal(err.context.status, 400);
        assert.match(err.message, /Action name not known: package_search/);
      });
    } finally {
      await portal.close();
    }
  });

  test('a wrong base URL answering an HTML 404', async () => {
    await expectFailure(h.params({ baseUrl: `${h.server.url}/not-the-api` }), (err) => {
      assert.equal(err.code, 'ERR_HTTP');
      assert.equal(err.context.status, 404);
    });
  });

  test('JSON that is not the envelope, and h.packages that are not objects or lack an id', async () => {
    const bodies = [
      JSON.stringify({ success: true, result: [] }),
      JSON.stringify({ success: true, result: { results: [] } }),
      JSON.stringify({ result: { count: 1, results: [{ id: 'a' }] } }),
      JSON.stringify({ success: true, result: { count: 2, results: [{ id: 'a' }, 'b'] } }),
      JSON.stringify({ success: true, result: { count: 1, results: [{ name: 'no-id' }] } }),
      '{"success": true, "result": {"count": 2, "results": [{"id": "a"} {"id": "b"}]}}',
      '{"success": true, "result": {"count": 2, "results": [{"id": "a"},, {"id": "b"}]}}',
      '{"success": true, "result": {"count": 1, "results": [, {"id": "a"}]}}',
      '{"success": true, "result": {"count": 1, "results": [{"id": "a"},]}}',
      '{"success": true, "result": {"count": 1, "results": [{"id": "a"}]}} trailing',
      '[1, 2, 3]',
    ];
    for (const body of bodies) {
      h.server.schedule({ kind: 'raw', status: 200, body });
      await expectFailure(h.params(), (err) => {
        assert.equal(err.code, 'ERR_CKAN_RESPONSE', `${body}: ${err.message}`);
        assert.equal(err.retryable, false, body);
      });
    }
  });

  // The server never finishes these answers (it holds them until the client closes the
  // socket), so only the client's timeout can end them: no server timer races it.
  test('a response slower than the timeout is a retryable ERR_HTTP', async () => {
    h.server.schedule({ kind: 'hang' });
    await expectFailure(h.params(), (err) => {
      assert.equal(err.code, 'ERR_HTTP');
      assert.equal(err.retryable, true);
      assert.match(err.message, /timed out/);
    }, createHttpClient({ clock: h.clock, timeoutMs: 30, retries: 0 }));
  });

  test('a body stalled mid-way beyond the timeout is retried and then succeeds', async () => {
    h.server.schedule({ kind: 'stall' });
    const dest = path.join(h.dir, pageFileName(0));
    const before = h.server.count(PACKAGE_SEARCH_PATH);
    await fetchSearchPage(createHttpClient({ clock: h.clock, timeoutMs: RETRY_TIMEOUT_MS, retries: 1, random: () => 0, retryBaseMs: 1 }), h.params(), dest);
    assert.deepEqual(await readPage(dest), h.byId.slice(0, 10));
    assert.equal(h.server.count(PACKAGE_SEARCH_PATH) - before, 2, 'the stalled try, then the retry');
    await rm(dest);
  });

  test('a failure leaves an existing page file untouched', async () => {
    const sub = path.join(h.dir, 'keep');
    await mkdir(sub);
    const dest = path.join(sub, pageFileName(0));
    await writeFile(dest, '{"id":"old"}\n');
    h.server.schedule({ kind: 'html' });
    await assert.rejects(fetchSearchPage(h.client, h.params(), dest), /HTML/);
    assert.equal(await readFile(dest, 'utf8'), '{"id":"old"}\n');
    assert.deepEqual(await readdir(sub), [pageFileName(0)]);
    await rm(sub, { recursive: true });
  });
});
