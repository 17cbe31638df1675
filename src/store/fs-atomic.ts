/**
 * Small file-system helpers for writes that are all-or-nothing: a temp file in the target
 * directory, fsync, then a move that never replaces an existing file.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { partialPathFor } from '../engine/atomic-file.js';

/** A hidden temp name beside `target` (the engine's; never `<x>.db.tmp`, DuckDB's spill dir). */
export const tempPathFor = partialPathFor;

/** fsync a directory so a rename or link in it is durable (ignored where unsupported). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Moves `temp` to `target` only if `target` does not exist (hard link, then unlink the temp).
 * Returns false, leaving `temp` in place, when `target` already exists.
 */
export async function moveNoReplace(temp: string, target: string): Promise<boolean> {
  try {
    await fsp.link(temp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    // No hard links on this file system: check, then rename (a small window, still atomic).
    if (await exists(target)) return false;
    await fsp.rename(temp, target);
    return true;
  }
  await fsp.unlink(temp);
  return true;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Writes a new file atomically with `mode`; throws EEXIST if `file` already exists. */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const temp = tempPathFor(file);
  try {
    await fsp.writeFile(temp, data, { flag: 'wx' });
    await fsyncFile(temp);
    await fsp.chmod(temp, mode);
    if (!(await moveNoReplace(temp, file))) {
      throw Object.assign(new Error(`EEXIST: file already exists, ${file}`), { code: 'EEXIST', path: file });
    }
    await fsyncDir(path.dirname(file));
  } finally {
    await fsp.rm(temp, { force: true });
  }
}

/** Bytes read per call when hashing: large reads keep hashing near memory speed. */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Copies `source` into a new file `dest` (in-kernel copy; fails if `dest` exists), then hashes
 * the copy's bytes while it is fsynced: the digest is of the file as published, and the two
 * waits (disk flush, hashing from the page cache) overlap.
 */
export async function copyAndHash(source: string, dest: string): Promise<{ sha256: string; size: number }> {
  await fsp.copyFile(source, dest, fsConstants.COPYFILE_EXCL);
  const [digest] = await Promise.all([sha256File(dest), fsyncFile(dest)]);
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
