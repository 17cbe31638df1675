import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { MallardError } from '../../src/engine/errors.js';
import { createHttpClient, downloadToFile } from '../../src/http/index.js';
import { fakeClock } from '../support/fake-clock.js';
import { startTestServer, type TestServer } from '../support/http-test-server.js';

const BIG = Buffer.alloc(3 * 1024 * 1024 + 17, 'abcdefghij');

describe('downloadToFile', () => {
  let dir: string;
  let server: TestServer;
  /** What the server does for the request number n, by path. */
  let behaviour: (path: string, n: number) => 'ok' | 'drop' | '404';

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-download-'));
    server = await startTestServer((req, res, n) => {
      const what = behaviour(req.url ?? '/', n);
      if (what === '404') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('gone');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let offset = 0;
      const step = 64 * 1024;
      const pump = (): void => {
        while (offset < BIG.length) {
          if (what === 'drop' && offset >= BIG.length / 2) {
            res.socket?.destroy();
            return;
          }
          const ok = res.write(BIG.subarray(offset, offset + step));
          offset += step;
          if (!ok) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('streams a body of several MB to the file, leaving no temp file', async () => {
    behaviour = () => 'ok';
    const dest = path.join(dir, 'ok', 'big.bin');
    const client = createHttpClient({ clock: fakeClock() });
    const result = await downloadToFile(client, `${server.url}/big`, dest);
    assert.equal(result.bytesWritten, BIG.length);
    assert.equal(result.attempts, 1);
    assert.ok((await readFile(dest)).equals(BIG));
    assert.deepEqual(await readdir(path.dirname(dest)), ['big.bin']);
  });

  test('a connection dropped mid-body leaves nothing when retries are off', async () => {
    behaviour = () => 'drop';
    const sub = path.join(dir, 'drop');
    const client = createHttpClient({ clock: fakeClock(), retries: 0 });
    await assert.rejects(downloadToFile(client, `${server.url}/big`, path.join(sub, 'big.bin')), (err: unknown) => {
      assert.ok(err instanceof MallardError);
      assert.equal(err.code, 'ERR_HTTP');
      assert.equal(err.retryable, true);
      return true;
    });
    assert.deepEqual(await readdir(sub), []);
  });

  test('a dropped connection is retried and the second try writes the whole file', async () => {
    const start = server.requests.length;
    behaviour = (_p, n) => (n === start + 1 ? 'drop' : 'ok');
    const dest = path.join(dir, 'retry', 'big.bin');
    const clock = fakeClock();
    const client = createHttpClient({ clock, random: () => 0, retryBaseMs: 50 });
    const result = await downloadToFile(client, `${server.url}/big`, dest);
    assert.equal(result.attempts, 2);
    assert.deepEqual(clock.sleeps, [50]);
    assert.ok((await readFile(dest)).equals(BIG));
    assert.deepEqual(await readdir(path.dirname(dest)), ['big.bin']);
  });

  test('a 404 leaves an older file at the destination untouched', async () => {
    behaviour = () => '404';
    const sub = path.join(dir, 'keep');
    const dest = path.join(sub, 'file.bin');
    const client = createHttpClient({ clock: fakeClock() });
    await mkdir(sub, { recursive: true });
    await writeFile(dest, 'older');
    await assert.rejects(downloadToFile(client, `${server.url}/x`, dest), /answered HTTP 404/);
    assert.equal(await readFile(dest, 'utf8'), 'older');
    assert.deepEqual(await readdir(sub), ['file.bin']);
  });

  test('a stage transforms the body, and a retryable failure of its check is retried', async () => {
    behaviour = () => 'ok';
    const dest = path.join(dir, 'stage', 'upper.bin');
    const clock = fakeClock();
    const client = createHttpClient({ clock, random: () => 0, retryBaseMs: 10 });
    let tries = 0;
    const result = await downloadToFile(client, `${server.url}/big`, dest, {
      through: (response) => {
        tries++;
        let seen = 0;
        const transform = new Transform({
          transform(chunk: Buffer, _enc, done) {
            seen += chunk.length;
            done(null, Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'));
          },
        });
        return {
          transform,
          finish: () => {
            if (tries === 1) throw new MallardError('ERR_TEST', 'first try rejected', { retryable: true });
            return { seen, status: response.status };
          },
        };
      },
    });
    assert.equal(tries, 2);
    assert.deepEqual(clock.sleeps, [10]);
    assert.deepEqual(result.value, { seen: BIG.length, status: 200 });
    assert.equal((await readFile(dest, 'latin1')).slice(0, 10), 'ABCDEFGHIJ');
    assert.deepEqual(await readdir(path.dirname(dest)), ['upper.bin']);
  });

  test('a check that fails for good leaves no file and is not retried', async () => {
    behaviour = () => 'ok';
    const sub = path.join(dir, 'bad');
    const client = createHttpClient({ clock: fakeClock() });
    let tries = 0;
    await assert.rejects(
      downloadToFile(client, `${server.url}/big`, path.join(sub, 'f.bin'), {
        through: () => {
          tries++;
          return { transform: new Transform({ transform: (c, _e, d) => d(null, c) }), finish: () => { throw new MallardError('ERR_TEST', 'invalid', { retryable: false }); } };
        },
      }),
      /invalid/,
    );
    assert.equal(tries, 1);
    assert.deepEqual(await readdir(sub), []);
  });
});
