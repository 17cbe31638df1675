/** A tiny programmable HTTP server on 127.0.0.1 (port 0) for tests of the HTTP layer. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The client timeout for tests where one request is never answered (the server holds it
 * until the client gives up) and the retry must then succeed. The unanswered try always
 * times out, whatever this value, because no server-side timer can answer it first; the
 * healthy retry has this long to answer, which a loopback request meets with a wide margin
 * even on a loaded 2-core machine (50 ms did not: a fast retry once timed out too).
 */
export const RETRY_TIMEOUT_MS = 1000;

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, requestNumber: number) => void;

export interface TestServer {
  readonly url: string;
  /** Requests received, in order. */
  readonly requests: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export async function startTestServer(handler: Handler): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '/', headers: req.headers });
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `body` against a server answering with `handler`, and closes the server whatever happens. */
export async function withServer(handler: Handler, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(handler);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}
