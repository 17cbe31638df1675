/** A receipt's stamp of a file output: the previous receipt's while the file's stat is as recorded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statFile } from '../../src/engine/file-hash.js';
import { formatFileStamp, receiptFileStamp } from '../../src/engine/file-stamp.js';

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
