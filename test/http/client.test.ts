import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync } from 'node:zlib';
import { createHttpClient, toolVersion } from '../../src/http/index.js';
import { rejection } from '../support/expect-error.js';
import { fakeClock } from '../support/fake-clock.js';
import { startTestServer, withServer } from '../support/http-test-server.js';

describe('createHttpClient: redaction', () => {
  test('tokens in the URL, the Authorization header and given secrets never reach a message', async () => {
    await withServer(
      (req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`you sent ${req.headers.authorization} and sk-live-SECRETVALUE`),
      async (server) => {
        const client = createHttpClient({
          clock: fakeClock(),
          retries: 0,
          headers: { Authorization: 'Bearer ghp_HEADERTOKEN123' },
          secrets: ['sk-live-SECRETVALUE'],
        });
        const err = await rejection(client.getText(`http://user:hunter22@127.0.0.1:${new URL(server.url).port}/api?access_token=URLTOKEN99&q=ok`));
        const everything = [err.message, JSON.stringify(err.context), String((err.cause as Error | undefined)?.stack ?? ''), err.stack ?? ''].join('\n');
        for (const secret of ['ghp_HEADERTOKEN123', 'URLTOKEN99', 'sk-live-SECRETVALUE', 'hunter22']) {
          assert.ok(!everything.includes(secret), `${secret} leaked into: ${everything}`);
        }
        assert.match(err.message, /access_token=\*\*\*/);
        assert.match(err.message, /q=ok/);
        assert.equal(err.context.body, 'you sent *** and ***');
      },
    );
  });

  test('a network error message and its cause carry no token', async () => {
    const server = await startTestServer((_req, res) => res.end());
    const port = new URL(server.url).port;
    await server.close();
    const client = createHttpClient({ clock: fakeClock(), retries: 0 });
    const err = await rejection(client.getText(`http://127.0.0.1:${port}/x?api_key=KEY12345`));
    const everything = [err.message, JSON.stringify(err.context), (err.cause as Error).stack ?? ''].join('\n');
    assert.ok(!everything.includes('KEY12345'), everything);
    assert.match(err.message, /api_key=\*\*\*/);
  });
});

describe('createHttpClient: what it sends and accepts', () => {
  test('sends the mallard user agent and asks for compressed bodies', async () => {
    await withServer(
      (_req, res) => res.writeHead(200).end('ok'),
      async (server) => {
        const client = createHttpClient({ clock: fakeClock() });
        await client.getText(server.url);
        const headers = server.requests[0]!.headers;
        assert.equal(headers['user-agent'], `mallard/${toolVersion()} (+https://github.com/mallard-data/mallard)`);
        assert.match(toolVersion(), /^\d+\.\d+\.\d+/);
        assert.match(String(headers['accept-encoding']), /gzip/);
        assert.match(String(headers['accept-encoding']), /br/);
      },
    );
  });

  test('decodes a brotli-compressed JSON body', async () => {
    await withServer(
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' }).end(brotliCompressSync(JSON.stringify({ hello: 'wörld' }))),
      async (server) => {
        const client = createHttpClient({ clock: fakeClock() });
        assert.deepEqual(await client.getJson(server.url), { hello: 'wörld' });
      },
    );
  });

  test('a 200 whose body is not JSON is an ERR_HTTP from getJson, not retried', async () => {
    await withServer(
      (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
      async (server) => {
        const client = createHttpClient({ clock: fakeClock() });
        const err = await rejection(client.getJson(server.url));
        assert.equal(err.code, 'ERR_HTTP');
        assert.equal(err.retryable, false);
        assert.equal(server.requests.length, 1);
      },
    );
  });
});

describe('createHttpClient: per-host limits', () => {
  test('requestsPerSecond spaces request starts, by the injected clock', async () => {
    await withServer(
      (_req, res) => res.writeHead(200).end('ok'),
      async (server) => {
        const clock = fakeClock();
        const client = createHttpClient({ clock, requestsPerSecond: 4 });
        for (let i = 0; i < 5; i++) await client.getText(`${server.url}/${i}`);
        assert.deepEqual(clock.sleeps, [250, 250, 250, 250]);
      },
    );
  });

  test('concurrent requests are spaced too, and another host has its own budget', async () => {
    const second = await startTestServer((_req, res) => res.writeHead(200).end('ok'));
    try {
      await withServer(
        (_req, res) => res.writeHead(200).end('ok'),
        async (server) => {
          const clock = fakeClock();
          const client = createHttpClient({ clock, requestsPerSecond: 2, concurrency: 10 });
          await Promise.all([1, 2, 3].map((i) => client.getText(`${server.url}/${i}`)));
          assert.deepEqual(clock.sleeps, [500, 500]);
          await client.getText(`${second.url}/first`);
          assert.deepEqual(clock.sleeps, [500, 500], 'the first request to another host does not wait');
          await client.getText(`${second.url}/second`);
          assert.deepEqual(clock.sleeps, [500, 500, 500]);
        },
      );
    } finally {
      await second.close();
    }
  });

  test('no more than `concurrency` requests are in flight to one host', async () => {
    for (const [concurrency, expectedMax] of [[2, 2], [6, 6]] as const) {
      let inFlight = 0;
      let maxInFlight = 0;
      const timers = new Set<NodeJS.Timeout>();
      await withServer(
        (_req, res) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          timers.add(setTimeout(() => {
            inFlight--;
            res.writeHead(200).end('ok');
          }, 30));
        },
        async (server) => {
          const client = createHttpClient({ clock: fakeClock(), concurrency });
          await Promise.all(Array.from({ length: 6 }, (_, i) => client.getText(`${server.url}/${i}`)));
        },
      );
      for (const t of timers) clearTimeout(t);
      assert.equal(maxInFlight, expectedMax, `concurrency ${concurrency}`);
    }
  });
});
