/**
 * What a dead run left: temp files of atomic writes (`.<name>.<pid>.<n><hex>.partial`, see
 * partialPathFor) and their companions (a DuckDB build's `.partial.wal`, its spill folder
 * `.partial.tmp/`). The session removes them under its lock before a run, from the folders
 * of its scope — only those whose owner pid is gone: the temp names carry the pid.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pidAlive } from './lock.js';

const LITTER_RE = /^\..+\.(\d+)\.\d+[0-9a-f]{6}\.partial(?:\.wal|\.tmp)?$/;

/** The owner pid of a temp file left by an atomic write, or undefined for any other name. */
export function litterOwner(name: string): number | undefined {
  const m = LITTER_RE.exec(name);
  return m === null ? undefined : Number(m[1]);
}

export interface LitterReport {
  /** Removed files and folders (absolute). */
  removed: string[];
  bytes: number;
}

/**
 * Removes, under each of `dirs` (recursively; missing ones are skipped), the temp files
 * whose owner process is gone. `isAlive` is injectable for tests; this process counts alive.
 */
export async function removeDeadLitter(dirs: readonly string[], isAlive: (pid: number) => boolean = pidAlive): Promise<LitterReport> {
  const report: LitterReport = { removed: [], bytes: 0 };
  const alive = (pid: number): boolean => pid === process.pid || isAlive(pid);
  for (const dir of dirs) {
    let entries;
    try {
      entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw err;
    }
    for (const e of entries) {
      const owner = litterOwner(e.name);
      if (owner === undefined || alive(owner)) continue;
      const file = path.join(e.parentPath, e.name);
      const st = await fsp.lstat(file).catch(() => undefined);
      if (st === undefined) continue; // inside a folder removed already
      await fsp.rm(file, { recursive: true, force: true });
      report.removed.push(file);
      report.bytes += st.isFile() ? st.size : 0;
    }
  }
  return report;
}
