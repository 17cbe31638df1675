/**
 * The store's file helpers: existence, copy-and-hash (or link-and-hash) for publishing, sha256 for verifying.
 * Atomic writes (temp name, fsync, rename or create-only move) are the engine's
 * atomic-file module; this file only reads and copies.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fsyncFile } from '../engine/atomic-file.js';
import { digestFile, type FileDigest } from '../engine/file-hash.js';

export async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Bytes read per call when hashing: large reads keep hashing near memory speed. */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Copies `source` into a new file `dest` (in-kernel copy; fails if `dest` exists), then hashes
 * the copy's bytes while it is fsynced: the digest is of the file as published, and the two
 * waits (disk flush, hashing from the page cache) overlap. sha256 and md5 with the copy's stat,
 * as the file hasher caches them (publish remembers it: the next reader does not hash it again).
 */
export async function copyAndHash(source: string, dest: string): Promise<FileDigest> {
  await fsp.copyFile(source, dest, fsConstants.COPYFILE_EXCL);
  return syncAndHash(dest);
}

/** Hard links fail with these where the file system has no links, or `dest` is on another one. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Makes `dest` (which must not exist) a second name of `source`'s inode, no byte copied, and
 * hashes it as copyAndHash does; copies where no hard link can be made. The fsync is the
 * copy's durability; on a source already fsynced (every build is) it has nothing to write.
 */
export async function linkAndHash(source: string, dest: string): Promise<FileDigest & { linked: boolean }> {
  try {
    await fsp.link(source, dest);
  } catch (err) {
    if (!NO_LINK.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    return { ...(await copyAndHash(source, dest)), linked: false };
  }
  return { ...(await syncAndHash(dest)), linked: true };
}

async function syncAndHash(file: string): Promise<FileDigest> {
  const [digest] = await Promise.all([digestAtOnce(file), fsyncFile(file)]);
  return digest;
}

/**
 * From this size on, md5 is computed on a worker thread while this one computes sha256: at once,
 * not one after the other in one loop (md5 is the slower: 1.2 GB takes about 2 s of it here, sha256
 * with SHA-NI under 1 s). Smaller files are not worth a thread's start (~30 ms).
 */
export const PARALLEL_DIGEST_BYTES = 64 * 1024 * 1024;

/** The engine's digestFile (sha256 + md5 with the file's stat), the two hashes on two threads for a large file. */
export async function digestAtOnce(file: string): Promise<FileDigest> {
  const handle = await fsp.open(file, 'r');
  try {
    const st = await handle.stat();
    if (st.size < PARALLEL_DIGEST_BYTES) return await digestFile(file);
    // A worker that cannot start (or dies) costs the parallelism, not the publish.
    const md5 = md5OnWorker(handle.fd, st.size).catch(() => hashByPosition(handle, st.size, 'md5', 'base64'));
    let sha256: string;
    try {
      sha256 = await hashByPosition(handle, st.size, 'sha256', 'hex');
    } catch (err) {
      // The worker reads the same descriptor: it must be done before the descriptor is closed.
      await md5.catch(() => undefined);
      throw err;
    }
    return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256, md5: await md5 };
  } finally {
    await handle.close();
  }
}

/** Hashes bytes [0, size) by positional reads (the descriptor's offset is shared with the worker). */
async function hashByPosition(handle: fsp.FileHandle, size: number, algorithm: string, encoding: 'hex' | 'base64'): Promise<string> {
  const hash = createHash(algorithm);
  const buffer = Buffer.allocUnsafe(Math.min(HASH_CHUNK_BYTES, Math.max(size, 1)));
  for (let position = 0; position < size;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest(encoding);
}

function md5OnWorker(fd: number, size: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./md5-worker.js', import.meta.url), { workerData: { fd, size, chunk: HASH_CHUNK_BYTES } });
    worker.once('message', (md5: string) => resolve(md5));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the md5 worker exited (${code}) before answering`)));
  });
}

/** sha256 (hex) and size of a file, read in large chunks. */
export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const handle = await fsp.open(file, 'r');
  const buffer = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}
