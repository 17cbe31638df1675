/**
 * A pulled output stamped `size:mtime` (a GitHub record, a search result) gets its recorded
 * mtime back exactly, in whole milliseconds as the stamp compares it: with `new Date(ms)` about
 * half of all millisecond values came back one millisecond early, and the final step of a
 * sharded run fetched those repositories again ("output changed since its run").
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setMtimeMs } from '../../src/shards/run-pull.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-pull-times-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('setMtimeMs: every millisecond of a second (at a 2026 epoch) reads back as Math.trunc(mtimeMs)', () => {
  const file = path.join(dir, 'record.json');
  fs.writeFileSync(file, '{}');
  const wrong: number[] = [];
  for (let ms = 1_796_222_319_000; ms < 1_796_222_320_000; ms++) {
    setMtimeMs(file, ms);
    if (Math.trunc(fs.statSync(file).mtimeMs) !== ms) wrong.push(ms);
  }
  assert.deepEqual(wrong, []);
});
