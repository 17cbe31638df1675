/**
 * Atomic file writes: content goes to a temp file in the same directory, then is renamed
 * into place, so a reader (or a later run) sees the old file or the whole new one, never a
 * part. A process killed at any instant leaves at most a `.<name>.<pid>.<n>.partial` file,
 * which no target ever takes for its output.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /**
   * fsync the file and its directory before returning, so the write survives a power cut.
   * Engine tasks may leave it off: the receipt journal syncs the file system once per batch
   * before it records any task as complete (group commit).
   */
  durable?: boolean;
  mode?: number;
}

let counter = 0;
const processTag = randomBytes(3).toString('hex');

/** A temp path beside `finalPath`, unique in this process and across processes. */
export function partialPathFor(finalPath: string): string {
  counter += 1;
  const dir = path.dirname(finalPath);
  const base = path.basename(finalPath);
  return `${dir}${path.sep}.${base}.${process.pid}.${counter}${processTag}.partial`;
}

/** Is this a temp file left by an atomic write? */
export function isPartialPath(file: string): boolean {
  return /^\..+\.\d+\.\d+[0-9a-f]{6}\.partial$/.test(path.basename(file));
}

/** Writes `data` to `finalPath` atomically (creating parent directories). */
export function writeFileAtomicSync(finalPath: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const tmp = partialPathFor(finalPath);
  const fd = openCreatingParents(tmp, options.mode ?? 0o666);
  try {
    fs.writeFileSync(fd, data);
    if (options.durable !== false) fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, finalPath);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (options.durable !== false) fsyncDirectorySync(path.dirname(finalPath));
}

export async function writeFileAtomic(finalPath: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await withAtomicPath(finalPath, (tmp) => fs.promises.writeFile(tmp, data, { mode: options.mode ?? 0o666 }), options);
}

/**
 * Lets `produce` write a temp path however it likes (a stream, DuckDB, a child process),
 * then fsyncs it and renames it over `finalPath`. If `produce` throws, the temp file is
 * removed, `finalPath` is untouched, and the error is rethrown.
 */
export async function withAtomicPath<T>(
  finalPath: string,
  produce: (tmpPath: string) => Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  await fs.promises.mkdir(path.dirname(finalPath), { recursive: true });
  const tmp = partialPathFor(finalPath);
  try {
    const result = await produce(tmp);
    if (options.mode !== undefined) await fs.promises.chmod(tmp, options.mode);
    if (options.durable !== false) await fsyncPath(tmp);
    await fs.promises.rename(tmp, finalPath);
    if (options.durable !== false) await fsyncPath(path.dirname(finalPath));
    return result;
  } catch (err) {
    await fs.promises.rm(tmp, { force: true, recursive: true });
    throw err;
  }
}

/** Opens for writing; creates missing parent directories only when the open says they are missing. */
function openCreatingParents(file: string, mode: number): number {
  try {
    return fs.openSync(file, 'w', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, 'w', mode);
  }
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.promises.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function fsyncDirectorySync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
