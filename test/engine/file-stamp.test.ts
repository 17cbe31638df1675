/** A receipt's stamp of a file output: the previous receipt's while the file's stat is as recorded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileHasher, statFile } from '../../src/engine/file-hash.js';
import { formatFileStamp, noteWritten, receiptFileStamp, REMEMBERED_DIGEST_BYTES } from '../../src/engine/file-stamp.js';
import { FileTarget, runSession, Task } from '../../src/engine/index.js';

test('receiptFileStamp keeps the previous receipt\'s stamp while the stat matches, and hashes a file changed since', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-stamp-'));
  try {
    const file = path.join(root, 'result.json');
    fs.writeFileSync(file, 'first');
    const st = statFile(file);
    assert.ok(st);
    // A recorded digest that is not this content's: taken as is, so the file was not read.
    const recorded = formatFileStamp(st, 'f'.repeat(64));
    assert.equal(await receiptFileStamp(file, recorded), recorded);
    fs.rmSync(file);
    fs.writeFileSync(file, 'second, longer');
    const now = statFile(file);
    assert.ok(now);
    assert.equal(await receiptFileStamp(file, recorded), formatFileStamp(now, createHash('sha256').update('second, longer').digest('hex')));
    assert.equal(await receiptFileStamp(path.join(root, 'gone'), recorded), undefined);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a file written through noteWritten is stamped from the bytes in memory: UTF-8 size and sha256, strings and bytes alike', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-stamp-'));
  try {
    const sha = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
    const text = path.join(root, 'text.txt');
    // The disk holds other bytes of the same size: a stamp of the noted content proves the file was not read.
    const noted = 'héllo ✓'; // 7 characters, 10 bytes
    const onDisk = 'x'.repeat(Buffer.byteLength(noted));
    fs.writeFileSync(text, onDisk);
    noteWritten(text, noted);
    const st = statFile(text);
    assert.ok(st);
    assert.equal(await receiptFileStamp(text), formatFileStamp(st, sha(Buffer.from(noted, 'utf8'))));
    // Noted once: the next stamp reads the file.
    assert.equal(await receiptFileStamp(text), formatFileStamp(st, sha(onDisk)));

    const bytes = path.join(root, 'bytes.bin');
    const data = new Uint8Array([0, 255, 1, 254]);
    fs.writeFileSync(bytes, data);
    noteWritten(bytes, data);
    const bst = statFile(bytes);
    assert.ok(bst);
    assert.equal(await receiptFileStamp(bytes), formatFileStamp(bst, sha(data)));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a run keeps the digests its receipts took of file outputs of 1 MiB or more in the directory\'s hash cache, and no smaller ones', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-stamp-'));
  try {
    const big = Buffer.alloc(REMEMBERED_DIGEST_BYTES + 512 * 1024, 7);
    const files = { streamed: path.join(root, 'raw', 'page.ndjson'), written: path.join(root, 'raw', 'written.bin'), small: path.join(root, 'raw', 'small.ndjson') };
    // One streamed into its temp path (hashed for its receipt), one written from memory (noteWritten), one small.
    class Streamed extends Task<{ name: string }> {
      readonly family: string = 'Streamed';
      constructor(readonly file: string, readonly data: Buffer) {
        super({ name: path.basename(file) });
      }
      outputs(): FileTarget[] {
        return [new FileTarget(this.file)];
      }
      async run(): Promise<void> {
        await new FileTarget(this.file).writeVia(async (tmp) => fs.promises.writeFile(tmp, this.data));
      }
    }
    class Written extends Streamed {
      override readonly family = 'Written';
      override async run(): Promise<void> {
        await new FileTarget(this.file).write(this.data);
      }
    }
    const tasks = [new Streamed(files.streamed, big), new Written(files.written, big.subarray(1)), new Streamed(files.small, Buffer.alloc(1000, 1))];
    const { summary } = await runSession(tasks, { artifactsDir: root, scope: 'demo', workers: 1 });
    assert.equal(summary.status, 'success');
    const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
    // The cache as a later process loads it from disk: it answers for the large files, so they are not read again.
    const later = await FileHasher.load(root);
    for (const [file, data] of [[files.streamed, big], [files.written, big.subarray(1)]] as const) {
      const st = statFile(file);
      assert.ok(st);
      assert.equal(later.lookup(file, st)?.sha256, sha(data), file);
    }
    const small = statFile(files.small);
    assert.ok(small);
    assert.equal(later.lookup(files.small, small), undefined);
    assert.equal(await later.sha256(files.streamed), sha(big));
    assert.equal(later.hashed, 0);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
