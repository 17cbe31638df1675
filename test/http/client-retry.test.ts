import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpClient } from '../../src/http/index.js';
import { rejection } from '../support/expect-error.js';
import { fakeClock } from '../support/fake-clock.js';
import { RETRY_TIMEOUT_MS, startTestServer, withServer } from '../support/http-test-server.js';

describe('createHttpClient: retries', () => {
  test('retries 500s with exponential backoff, then succeeds', async () => {
    await withServer(
      (_req, res, n) => {
        res.writeHead(n <= 2 ? 500 : 200, { 'content-type': 'text/plain' });
        res.end(n <= 2 ? 'boom' : 'ok');
      },
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock, random: () => 0, retryBaseMs: 100 });
        const res = await client.getText(`${server.url}/x`);
        assert.equal(res.body, 'ok');
        assert.equal(server.requests.length, 3);
        assert.deepEqual(clock.sleeps, [100, 200]);
      },
    );
  });

  test('jitter takes up to half off the backoff', async () => {
    await withServer(
      (_req, res, n) => {
        res.writeHead(n === 1 ? 503 : 200);
        res.end('x');
      },
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock, random: () => 0.999, retryBaseMs: 1000 });
        await client.getText(server.url);
        assert.equal(clock.sleeps.length, 1);
        assert.ok(clock.sleeps[0]! >= 500 && clock.sleeps[0]! < 1000, `delay ${clock.sleeps[0]}`);
      },
    );
  });

  test('429 with Retry-After in seconds waits exactly that long', async () => {
    await withServer(
      (_req, res, n) => {
        if (n === 1) res.writeHead(429, { 'retry-after': '7' }).end('slow down');
        else res.writeHead(200).end('ok');
      },
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock });
        assert.equal((await client.getText(server.url)).body, 'ok');
        assert.deepEqual(clock.sleeps, [7000]);
      },
    );
  });

  test('429 with Retry-After as an HTTP date waits until then, by the injected clock', async () => {
    const clock = fakeClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    await withServer(
      (_req, res, n) => {
        if (n === 1) res.writeHead(429, { 'retry-after': new Date(clock.now() + 5000).toUTCString() }).end();
        else res.writeHead(200).end('ok');
      },
      async (server) => {
        const client = createHttpClient({ clock });
        await client.getText(server.url);
        assert.deepEqual(clock.sleeps, [5000]);
      },
    );
  });

  test('a Retry-After beyond maxRetryAfterMs is not waited for', async () => {
    await withServer(
      (_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end(),
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock, maxRetryAfterMs: 60_000 });
        const err = await rejection(client.getText(server.url));
        assert.equal(err.code, 'ERR_HTTP');
        assert.equal(err.context.status, 429);
        assert.equal(err.retryAfterMs, 3_600_000);
        assert.equal(err.retryable, true);
        assert.deepEqual(clock.sleeps, []);
        assert.equal(server.requests.length, 1);
      },
    );
  });

  test('gives up after the configured retries and says so', async () => {
    await withServer(
      (_req, res) => res.writeHead(502).end('bad gateway'),
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock, retries: 2, random: () => 0, retryBaseMs: 10 });
        const err = await rejection(client.getText(`${server.url}/page`));
        assert.equal(server.requests.length, 3);
        assert.deepEqual(clock.sleeps, [10, 20]);
        assert.match(err.message, /answered HTTP 502/);
        assert.match(err.message, /gave up after 3 attempts/);
        assert.equal(err.context.attempts, 3);
        assert.equal(err.retryable, false, 'retried to exhaustion: no layer above tries again');
      },
    );
  });

  test('404 is not retried', async () => {
    await withServer(
      (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing'),
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock });
        const err = await rejection(client.getText(`${server.url}/missing`));
        assert.equal(err.code, 'ERR_HTTP');
        assert.equal(err.context.status, 404);
        assert.equal(err.context.body, 'no such thing');
        assert.equal(err.retryable, false);
        assert.equal(server.requests.length, 1);
        assert.deepEqual(clock.sleeps, []);
      },
    );
  });

  test('408 is retried, 400 and 501 are not', async () => {
    for (const [status, expected] of [[408, 2], [400, 1], [501, 1]] as const) {
      await withServer(
        (_req, res, n) => res.writeHead(n === 1 ? status : 200).end('x'),
        async (server) => {
          const client = createHttpClient({ clock: fakeClock() });
          await client.getText(server.url).catch(() => undefined);
          assert.equal(server.requests.length, expected, `status ${status}`);
        },
      );
    }
  });
});

describe('createHttpClient: timeouts and network errors', () => {
  // The server never answers the timed-out requests (it holds them until the client closes
  // the socket), so a timeout is the only way they can end: no server timer races the client.
  test('a response slower than the timeout is a retryable ERR_HTTP', async () => {
    await withServer(
      () => undefined,
      async (server) => {
        const client = createHttpClient({ clock: fakeClock(), timeoutMs: 40, retries: 0 });
        const err = await rejection(client.getText(server.url));
        assert.equal(err.code, 'ERR_HTTP');
        assert.equal(err.retryable, true);
        assert.match(err.message, /timed out/);
        assert.equal(server.requests.length, 1);
      },
    );
  });

  test('a timeout is retried, and the retry can succeed', async () => {
    await withServer(
      (_req, res, n) => {
        if (n > 1) res.writeHead(200).end('fast');
      },
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock, timeoutMs: RETRY_TIMEOUT_MS, retries: 1 });
        assert.equal((await client.getText(server.url)).body, 'fast');
        assert.equal(server.requests.length, 2);
        assert.equal(clock.sleeps.length, 1, 'one backoff, on the injected clock');
      },
    );
  });

  test('a socket idle mid-body beyond the timeout is a retryable error', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first half…');
      },
      async (server) => {
        const client = createHttpClient({ clock: fakeClock(), timeoutMs: 40, retries: 0 });
        const err = await rejection(client.getText(server.url));
        assert.equal(err.code, 'ERR_HTTP');
        assert.equal(err.retryable, true);
      },
    );
  });

  test('a refused connection is a retryable ERR_HTTP', async () => {
    const server = await startTestServer((_req, res) => res.end());
    const url = server.url;
    await server.close();
    const clock = fakeClock();
    const client = createHttpClient({ clock, retries: 1, random: () => 0, retryBaseMs: 5 });
    const err = await rejection(client.getText(url));
    assert.equal(err.code, 'ERR_HTTP');
    assert.equal(err.retryable, false, 'retried to exhaustion');
    assert.equal(err.context.attempts, 2);
    assert.equal(err.context.code, 'ECONNREFUSED');
    assert.deepEqual(clock.sleeps, [5]);
  });
});
