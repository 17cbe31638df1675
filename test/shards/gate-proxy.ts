/**
 * A loopback HTTP proxy in front of a test server that holds the requests a predicate picks
 * (they are in flight for the client, and never reach the server) until `open()`; everything
 * else is forwarded as is. Lets a test kill a process exactly while one request is outstanding.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GateProxy {
  readonly url: string;
  /** URLs (path + query) of the requests held so far. */
  readonly held: string[];
  /** Decides, per request URL, whether it is held (until open()). */
  hold: (url: URL) => boolean;
  /** Forwards every request from now on. */
  open(): void;
  close(): Promise<void>;
}

export async function startGateProxy(target: string): Promise<GateProxy> {
  const upstream = new URL(target);
  let gated = true;
  const held: string[] = [];
  const proxy: GateProxy = {
    url: '',
    held,
    hold: () => false,
    open: () => void (gated = false),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', upstream);
    if (gated && proxy.hold(url)) {
      held.push(`${url.pathname}${url.search}`);
      req.resume();
      return; // answered never: the client sees a request in flight
    }
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(proxy, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return proxy;
}
