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
 * Puts `source`'s bytes at `dest` (which must not exist) for publishing: with `link`, as a
 * second name of its inode, no byte copied (true); otherwise, or where no hard link can be
 * made, as an in-kernel copy (false). Then `hashPlaced` (the file as published).
 */
export async function placeCopy(source: string, dest: string, link: boolean): Promise<boolean> {
  if (link) {
    try {
      await fsp.link(source, dest);
      return true;
    } catch (err) {
      if (!NO_LINK.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
  await fsp.copyFile(source, dest, fsConstants.COPYFILE_EXCL);
  return false;
}

/** Hard links fail with these where the file system has no links, or `dest` is on another one. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * sha256 of a placed file with its stat, as the file hasher caches it (publish remembers it:
 * the next reader does not hash it again), taken while it is fsynced: the two waits (disk
 * flush, hashing from the page cache) overlap. The fsync is a copy's durability; a link's
 * source is already fsynced (every build is), so it has nothing to write. No md5: only an
 * upload needs it (sync takes it then, once); at 1.6 s per GB here against sha256's 0.7 s it
 * was most of a large publish.
 */
export async function hashPlaced(file: string): Promise<FileDigest> {
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
