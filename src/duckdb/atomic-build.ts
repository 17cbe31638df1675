/**
 * Building a database file so that it appears complete or not at all: build a NEW file under a
 * temporary name in the same directory, CHECKPOINT, close, fsync, rename over the final path.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { databaseKey, defaultRegistry, openDatabase, type DatabaseRegistry, type DuckDbHandle } from './database.js';
import { MallardError, errorMessage } from '../engine/errors.js';
import { duckDbError } from './errors.js';

export interface AtomicBuildOptions {
  /** DuckDB configuration options for the build (memory_limit, threads...). */
  settings?: Readonly<Record<string, string>>;
  /** Rows per row group (see OpenDatabaseOptions.rowGroupSize). */
  rowGroupSize?: number;
  registry?: DatabaseRegistry;
}

/**
 * The temporary name of a build of `finalPath`: hidden, unique per process and call, and never
 * `<final>.tmp` (DuckDB's own spill directory for `<final>` is `<final>.tmp/`).
 */
export function buildingPath(finalPath: string): string {
  const dir = path.dirname(finalPath);
  const name = path.basename(finalPath);
  return path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.building.db`);
}

/** The files DuckDB may leave next to a database: its WAL and its spill directory. */
export function companionPaths(dbPath: string): string[] {
  return [`${dbPath}.wal`, `${dbPath}.tmp`];
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

async function fsyncPath(file: string, flags: string): Promise<void> {
  const handle = await open(file, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeBuild(tempPath: string): Promise<void> {
  await Promise.all([tempPath, ...companionPaths(tempPath)].map((f) => rm(f, { recursive: true, force: true })));
}

/**
 * Runs `build` on a new empty database and, only when it succeeds, replaces `finalPath` with it.
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
  const tempPath = buildingPath(target);
  let db: DuckDbHandle | undefined;
  try {
    // Spill next to the build (under artifacts/work/ for every stage), removed with it.
    const settings = { temp_directory: `${tempPath}.tmp`, ...options.settings };
    db = await openDatabase(tempPath, { settings, rowGroupSize: options.rowGroupSize, registry });
    const result = await build(db);
    await db.run('CHECKPOINT');
    await db.close();
    if (await exists(`${tempPath}.wal`)) {
      throw duckDbError(`DuckDB left a WAL next to ${tempPath} after CHECKPOINT and close`, tempPath);
    }
    await fsyncPath(tempPath, 'r+');
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
    await rename(tempPath, target);
    await rm(`${tempPath}.tmp`, { recursive: true, force: true });
    await fsyncPath(path.dirname(target), 'r');
  } catch (err) {
    throw new MallardError('ERR_DUCKDB', `could not move the new database into place at ${target}: ${errorMessage(err)}`, {
      cause: err,
      context: { file: target, built: tempPath },
    });
  }
}
