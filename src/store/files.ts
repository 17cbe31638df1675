/**
 * The store's file helpers: existence, copy-and-hash (or link-and-hash) for publishing, sha256 for verifying.
 * Atomic writes (temp name, fsync, rename or create-only move) are the engine's
 * atomic-file module; this file only reads and copies.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
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
 * waits (disk flush, hashing from the page cache) overlap. sha256 with the copy's stat, as the
 * file hasher caches it (publish remembers it: the next reader does not hash it again). No md5:
 * only an upload needs it (sync takes it then, once); at 1.6 s per GB here against sha256's
 * 0.7 s it was most of a large publish.
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
  const [digest] = await Promise.all([digestFile(file), fsyncFile(file)]);
  return digest;
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
