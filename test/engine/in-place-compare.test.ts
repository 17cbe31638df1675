/**
 * The comparisons a noop makes per output without making strings (statMatchesStamp,
 * isOutputKey, FileTarget's resolved-path check) answer exactly what the text they stand for would: checked against that text
 * over the cases that differ by a digit, a leading zero, a sign, a separator or a length.
 */
import assert from 'node:assert/strict';
import path, { sep } from 'node:path';
import { test } from 'node:test';
import type { FileStat } from '../../src/engine/file-hash.js';
import { statMatchesStamp } from '../../src/engine/file-stamp.js';
import { isOutputKey, outputKey, type ReceiptStore } from '../../src/engine/receipts.js';
import { FileTarget } from '../../src/engine/target.js';

const SHA = 'ab'.repeat(32);
/** What statMatchesStamp answered before it read digits in place. */
const asText = (st: FileStat, recorded: string): boolean => recorded.startsWith(`f:${st.size}:${Math.trunc(st.mtimeMs)}:${st.ino}:`);

test('statMatchesStamp: the same answer as comparing the text f:<size>:<mtime>:<ino>:', () => {
  const stats: FileStat[] = [
    { size: 2, mtimeMs: 1764705123456.789, ino: 1234567 },
    { size: 0, mtimeMs: 0, ino: 0 },
    { size: 12, mtimeMs: 1764705123456, ino: 7 },
    { size: 2, mtimeMs: -1500.5, ino: 3 },
    { size: 2, mtimeMs: 1764705123456, ino: 2 ** 60 },
    { size: 2, mtimeMs: 1764705123456, ino: Number.MAX_SAFE_INTEGER },
  ];
  const stamps = [
    `f:2:1764705123456:1234567:${SHA}`,
    `f:2:1764705123457:1234567:${SHA}`, // touched: mtime one ms later
    `f:3:1764705123456:1234567:${SHA}`, // another size
    `f:2:1764705123456:1234568:${SHA}`, // another inode
    `f:02:1764705123456:1234567:${SHA}`, // a leading zero
    `f:2:1764705123456:123456:${SHA}`, // a digit short
    `f:2:1764705123456:12345678:${SHA}`, // a digit more
    `f:2:1764705123456:1234567`, // no ':' after the inode
    `f:0:0:0:${SHA}`,
    `f:00:0:0:${SHA}`,
    `f:12:1764705123456:7:${SHA}`,
    `f:1:1764705123456:7:${SHA}`,
    `f:2:-1500:3:${SHA}`,
    `f:2:1764705123456:${2 ** 60}:${SHA}`,
    `f:2:1764705123456:${Number.MAX_SAFE_INTEGER}:${SHA}`,
    `f:2:1764705123456:${Number.MAX_SAFE_INTEGER + 1}:${SHA}`,
    '2:1764705123456', // the older form: never this fast path
    `g:2:1764705123456:1234567:${SHA}`,
    'f:',
    '',
  ];
  let matched = 0;
  for (const st of stats) {
    for (const stamp of stamps) {
      assert.equal(statMatchesStamp(st, stamp), asText(st, stamp), `${JSON.stringify(st)} against ${stamp}`);
      if (asText(st, stamp)) matched += 1;
    }
  }
  assert.equal(matched, 6, 'each stat matches its own stamp only');
});

test('isOutputKey: the same answer as comparing with outputKey, under a root and outside it', () => {
  const root = `${sep}data${sep}artifacts`;
  const store = { root } as ReceiptStore;
  const descriptions = [
    `${root}${sep}leaves${sep}leaf_000001.txt`,
    `${root}${sep}leaves${sep}leaf_000002.txt`,
    `${root}${sep}a`,
    `${root}x${sep}leaves${sep}leaf_000001.txt`, // a sibling directory whose name starts like the root
    `${sep}elsewhere${sep}leaf_000001.txt`,
    root,
    'mem:key',
  ];
  const keys = [...descriptions.map((d) => outputKey(store, d)), './leaves/leaf_000001.tx', '.leaves/leaf_000001.txt', 'x/leaves/leaf_000001.txt', '', '.'];
  let matched = 0;
  for (const d of descriptions) {
    for (const key of keys) {
      assert.equal(isOutputKey(key, root, d), key === outputKey(store, d), `${key} for ${d}`);
      if (key === outputKey(store, d)) matched += 1;
    }
    assert.equal(isOutputKey(d, undefined, d), true, 'a store without a root keys outputs by description');
    assert.equal(isOutputKey(`${d}x`, undefined, d), false);
  }
  assert.equal(matched, descriptions.length);
});

test('a FileTarget keeps a path that is already resolved and resolves any other, as path.resolve does', () => {
  const paths = [
    '/a/b/c.txt', '/a//b', '/a/b/', '/a/./b', '/a/../b', '/a/.', '/a/..', '/.', '/..', '/', '//',
    '/a/.b', '/a/..b', '/a/...', '/a/.../b', '/a/b.', '/a/b..', '/.hidden', '/a/b/.', 'rel/x', './x', '../x', '',
  ];
  for (const p of paths) assert.equal(new FileTarget(p).path, path.resolve(p), JSON.stringify(p));
});
