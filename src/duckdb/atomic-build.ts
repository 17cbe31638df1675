/**
 * Building a database file so that it appears complete or not at all: build a NEW file under
 * the engine's temp name in the same directory (partialPathFor: never `<final>.tmp`, which is
 * DuckDB's own spill directory for `<final>`), CHECKPOINT, close, then commit it with the
 * engine's commitPartial (fsync, rename over the final path, fsync the directory).
 */
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { commitPartial, partialPathFor } from '../engine/atomic-file.js';
import { databaseKey, defaultRegistry, openDatabase, type DatabaseRegistry, type DuckDbHandle } from './database.js';
import { MallardError, errorMessage } from '../engine/errors.js';
import { duckDbError } from './errors.js';

export interface AtomicBuildOptions {
  /** DuckDB configuration options for the build (memory_limit, threads...). */
  settings?: Readonly<Record<string, string>>;
  /** Rows per row group (see OpenDatabaseOptions.rowGroupSize). */
  rowGroupSize?: number;
  registry?: DatabaseRegistry;
  /**
   * Start from a copy of this database instead of an empty file (an incremental build): copied
   * with the kernel's copy (copy_file_range, a reflink where the filesystem has them) and made
   * writable; the original is only read.
   */
  startFrom?: string;
}

/** The files DuckDB may leave next to a database: its WAL and its spill directory. */
export function companionPaths(dbPath: string): string[] {
  return [`${dbPath}.wal`, `${dbPath}.tmp`];
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

async function removeBuild(tempPath: string): Promise<void> {
  await Promise.all([tempPath, ...companionPaths(tempPath)].map((f) => rm(f, { recursive: true, force: true })));
}

/**
 * Runs `build` on a new empty database (or a copy of `startFrom`) and, only when it succeeds, replaces `finalPath` with it.
 * On failure the temporary file, its WAL and spill directory are removed, any previous
 * `finalPath` is left untouched, and the error is rethrown. `build` must not close the handle.
 * Returns what `build` returned.
 */
export async function buildDatabaseAtomically<T>(
  finalPath: string,
  build: (db: DuckDbHandle) => Promise<T>,
  options: AtomicBuildOptions = {},
): Promise<T> {
  const target = databaseKey(finalPath);
  const registry = options.registry ?? defaultRegistry();
  if (registry.isOpen(target)) {
    throw duckDbError(`cannot replace ${target}: it is open in this process`, target, ['close it before rebuilding it']);
  }
  await mkdir(path.dirname(target), { recursive: true });
  const tempPath = partialPathFor(target);
  let db: DuckDbHandle | undefined;
  try {
    // Spill next to the build (under artifacts/work/ for every stage), removed with it.
    const settings = { temp_directory: `${tempPath}.tmp`, ...options.settings };
    if (options.startFrom !== undefined) {
      await copyFile(options.startFrom, tempPath, constants.COPYFILE_FICLONE);
      await chmod(tempPath, 0o644);
    }
    db = await openDatabase(tempPath, { settings, rowGroupSize: options.rowGroupSize, registry });
    const result = await build(db);
    await db.run('CHECKPOINT');
    await db.close();
    if (await exists(`${tempPath}.wal`)) {
      throw duckDbError(`DuckDB left a WAL next to ${tempPath} after CHECKPOINT and close`, tempPath);
    }
    await publish(tempPath, target);
    return result;
  } catch (err) {
    await db?.close().catch(() => undefined);
    await removeBuild(tempPath);
    throw err;
  }
}

async function publish(tempPath: string, target: string): Promise<void> {
  try {
    // A WAL left by an earlier crash of `target` would be replayed onto the new file.
    await rm(`${target}.wal`, { force: true });
    await commitPartial(tempPath, target);
    await rm(`${tempPath}.tmp`, { recursive: true, force: true });
  } catch (err) {
    throw new MallardError('ERR_DUCKDB', `could not move the new database into place at ${target}: ${errorMessage(err)}`, {
      cause: err,
      context: { file: target, built: tempPath },
    });
  }
}
