/**
 * The md5 half of digestAtOnce (files.ts), on its own thread: reads the file descriptor it is
 * given (shared with the main thread, read by position, so the two readers never move each
 * other's offset) and posts the md5 in base64, as GCS reports it.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { fd, size, chunk } = workerData as { fd: number; size: number; chunk: number };
const md5 = createHash('md5');
const buffer = Buffer.allocUnsafe(chunk);
for (let position = 0; position < size;) {
  const n = readSync(fd, buffer, 0, Math.min(chunk, size - position), position);
  if (n === 0) break;
  md5.update(buffer.subarray(0, n));
  position += n;
}
parentPort?.postMessage(md5.digest('base64'));
