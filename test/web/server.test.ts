import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { startUiServer, type UiServer } from '../../src/web/index.js';
import { withTempDir } from '../support/temp-dir.js';
import { writeSyntheticLog } from '../report/synthetic-log.js';

/** A raw request: the path goes out exactly as given (no URL normalisation of `..`). */
function get(server: UiServer, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer(fn: (server: UiServer, dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (root) => {
    const dir = path.join(root, 'artifacts');
    fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'secret.txt'), 'outside the artifacts directory');
    const server = await startUiServer({ artifactsDir: dir, port: 0 });
    try {
      await fn(server, dir);
    } finally {
      await server.close();
    }
  });
}

test('ui: loopback only, runs list and run pages, nothing outside the artifacts directory', async () => {
  await withServer(async (server, dir) => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const log = writeSyntheticLog(path.join(dir, 'runs', '20261201T100000Z-abc123.jsonl'), { tasks: 200 });
    const index = await get(server, '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /20261201T100000Z-abc123/);
    const api = JSON.parse((await get(server, '/api/runs')).body) as { runs: Array<{ runId: string; status: string; families: Record<string, { ran: number }> }> };
    assert.equal(api.runs[0]?.runId, '20261201T100000Z-abc123');
    assert.equal(api.runs[0]?.families.CkanPage?.ran, log.byFamily.CkanPage?.done);
    assert.equal((await get(server, '/runs/20261201T100000Z-abc123')).status, 200);
    const latest = await get(server, '/runs/latest');
    assert.equal(latest.status, 302);
    assert.equal(latest.headers.location, '/runs/20261201T100000Z-abc123');
    const file = await get(server, '/files/runs/20261201T100000Z-abc123.jsonl');
    assert.equal(file.status, 200);
    assert.equal(file.body, fs.readFileSync(log.file, 'utf8'));
    for (const bad of [
      '/files/../secret.txt', '/files/runs/../../secret.txt', '/files/%2e%2e/secret.txt', '/files/runs%2f..%2f..%2fsecret.txt', '/files//etc/passwd',
      '/files/%2fetc%2fpasswd', '/files/..%5csecret.txt', `/files/${encodeURIComponent(path.join(dir, '..', 'secret.txt'))}`, '/runs/..', '/runs/..%2f..%2fsecret',
      '/api/runs/..%2fsecret/data', '/files/runs', '/nothing-here',
    ]) {
      const r = await get(server, bad);
      assert.equal(r.status, 404, bad);
      assert.ok(!r.body.includes('outside the artifacts'), bad);
    }
    fs.symlinkSync(path.join(dir, '..', 'secret.txt'), path.join(dir, 'runs', 'link.txt'));
    assert.equal((await get(server, '/files/runs/link.txt')).status, 404, 'a symlink out of the directory');
    assert.equal((await get(server, '/', { host: 'evil.example:80' })).status, 403, 'DNS rebinding');
    assert.equal((await get(server, '/', { host: `localhost:${server.port}` })).status, 200);
  });
});

/** Reads server-sent events until `count` have arrived; returns them with their ids, then disconnects. */
function readEvents(server: UiServer, rawPath: string, count: number, headers: Record<string, string> = {}, onOpen?: () => void): Promise<Array<{ id: string; data: string }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ id: string; data: string }> = [];
    const req = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, headers }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      onOpen?.();
      let buf = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined && data !== undefined) got.push({ id, data });
          if (got.length >= count) {
            req.destroy();
            resolve(got);
            return;
          }
        }
      });
    });
    req.on('error', (err) => (got.length >= count ? undefined : reject(err)));
    req.end();
  });
}

test('ui: events tail the log and resume after a reconnect from Last-Event-ID', async () => {
  await withServer(async (server, dir) => {
    const file = path.join(dir, 'runs', '20261201T120000Z-live00.jsonl');
    const line = (i: number): string => JSON.stringify({ type: 'task_done', id: `T(i=${i})`, family: 'T', at: 1000 + i, attempt: 1, durationMs: 1 }) + '\n';
    fs.writeFileSync(file, line(0) + line(1) + line(2));
    const first = await readEvents(server, '/api/runs/20261201T120000Z-live00/events?from=0', 2);
    assert.deepEqual(first.map((e) => JSON.parse(e.data).id), ['T(i=0)', 'T(i=1)']);
    assert.equal(Number(first[1]!.id), Buffer.byteLength(line(0) + line(1)));
    // New lines appended while nobody listens (one half-written) ...
    fs.appendFileSync(file, line(3) + line(4) + '{"type":"task_do');
    const resumed = await readEvents(server, '/api/runs/20261201T120000Z-live00/events?from=0', 3, { 'last-event-id': first[1]!.id });
    assert.deepEqual(resumed.map((e) => JSON.parse(e.data).id), ['T(i=2)', 'T(i=3)', 'T(i=4)']);
    // ... and lines written while connected arrive, the cut one once it is complete.
    const rest = line(5).slice('{"type":"task_do'.length);
    const live = await readEvents(server, '/api/runs/20261201T120000Z-live00/events', 2, { 'last-event-id': resumed[2]!.id }, () => fs.appendFileSync(file, rest + line(6)));
    assert.deepEqual(live.map((e) => JSON.parse(e.data).id), ['T(i=5)', 'T(i=6)']);
    assert.equal(Number(live[1]!.id), fs.statSync(file).size);
  });
});
