/** The one cached file hasher: sha256, and md5 with it in one read where asked for, cached by size, mtime and inode. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestFileWithMd5, FILE_HASH_CACHE, FileHasher } from '../../src/engine/file-hash.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const md5 = (s: string): string => createHash('md5').update(s).digest('base64');

describe('FileHasher', () => {
  test('hashes once, survives a reload, re-hashes when size, mtime or inode change', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-hash-'));
    try {
      const file = path.join(root, 'runs', 'a');
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, 'hello');
      const h1 = await FileHasher.load(root);
      const d = await h1.digest(file);
      assert.equal(d.sha256, sha('hello'));
      assert.equal(d.md5, undefined, 'md5 only where asked for');
      assert.equal((await h1.digest(file)).sha256, sha('hello'));
      assert.equal(h1.hashed, 1);
      assert.equal((await h1.digestWithMd5(file)).md5, md5('hello'));
      assert.equal(h1.hashed, 2, 'the cache knew no md5 of it: hashed again');
      assert.equal((await h1.digestWithMd5(file)).md5, md5('hello'));
      assert.equal((await h1.digest(file)).md5, md5('hello'), 'a later sha256 lookup keeps the md5');
      assert.equal(h1.hashed, 2);
      await h1.save();
      const h2 = await FileHasher.load(root);
      assert.equal(await h2.sha256(file), sha('hello'));
      assert.equal(h2.hashed, 0, 'an unchanged file is answered from the saved cache');
      fs.writeFileSync(file, 'HELLO');
      fs.utimesSync(file, new Date(), new Date(d.mtimeMs)); // same size and mtime: only the inode could tell...
      // ...and it is the same inode (written in place), so change the mtime as an edit would
      fs.utimesSync(file, new Date(), new Date(d.mtimeMs + 5000));
      assert.equal(await h2.sha256(file), sha('HELLO'));
      assert.equal(h2.hashed, 1);
      // same size and mtime, new inode (a file replaced by rename, e.g. restored): re-hashed
      const st = fs.statSync(file);
      const other = path.join(root, 'runs', 'b');
      fs.writeFileSync(other, 'WORLD');
      fs.renameSync(other, file);
      fs.utimesSync(file, st.atime, st.mtime);
      assert.equal(await h2.sha256(file), sha('WORLD'));
      assert.equal(h2.hashed, 2);
      fs.writeFileSync(path.join(root, FILE_HASH_CACHE), '{ damaged');
      assert.equal((await FileHasher.load(root)).lookup(file, fs.statSync(file)), undefined);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a file read in two alternating buffers hashes as one piece, at every size around the 4 MiB chunk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-hash-sizes-'));
    try {
      const chunk = 4 * 1024 * 1024;
      const pattern = Buffer.from(Array.from({ length: 251 }, (_, i) => i));
      for (const size of [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, Math.floor(2.5 * chunk)]) {
        const data = Buffer.alloc(size);
        for (let i = 0; i < size; i += pattern.length) pattern.copy(data, i);
        const file = path.join(dir, `f-${size}`);
        fs.writeFileSync(file, data);
        const digest = await digestFileWithMd5(file);
        assert.equal(digest.size, size);
        assert.equal(digest.sha256, createHash('sha256').update(data).digest('hex'), `sha256 of ${size} bytes`);
        assert.equal(digest.md5, createHash('md5').update(data).digest('base64'), `md5 of ${size} bytes`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
