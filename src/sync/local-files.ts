/**
 * The local side of a sync: files under the chosen top-level folders of an artifacts
 * directory, as paths relative to it with forward slashes. Hidden entries (`.cache/`, the
 * locks, the store's `.x.partial` temp files) are never synced; the one hidden folder
 * synced is `.mallard/receipts/`, the run state.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { mapPool } from './pool.js';

/** A local file under the artifacts directory, with the stat its cached hash is keyed on. */
export interface FileStamp {
  relPath: string;
  absPath: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface LocalFile extends FileStamp {
  mode: number;
}

/** The run state synced with the artifacts: the receipt journals (never locks or caches). */
export const RECEIPTS_ROOT = '.mallard/receipts';

/**
 * The folders synced: read_only/, runs/ and the receipts, plus raw/ and work/ (the crawl
 * state, raw pages and the databases being built: what a run needs to resume elsewhere)
 * when asked.
 */
export function syncRoots(includeRaw: boolean): string[] {
  return includeRaw ? ['read_only', 'runs', RECEIPTS_ROOT, 'raw', 'work'] : ['read_only', 'runs', RECEIPTS_ROOT];
}

export function isUnderRoots(relPath: string, roots: readonly string[]): boolean {
  return roots.some((root) => relPath.startsWith(`${root}/`));
}

/** True for a relative path that stays inside its root and has no hidden part (but the receipts' own folder). */
export function isSafeRelativePath(relPath: string): boolean {
  const parts = (relPath.startsWith(`${RECEIPTS_ROOT}/`) ? relPath.slice(RECEIPTS_ROOT.length + 1) : relPath).split('/');
  return parts.every((p) => p !== '' && p !== '.' && p !== '..' && !p.startsWith('.')) && !relPath.includes('\\') && !relPath.includes('\0');
}

export async function listLocalFiles(root: string, roots: readonly string[]): Promise<LocalFile[]> {
  const found: string[] = [];
  for (const top of roots) {
    const dir = path.join(root, top);
    let entries;
    try {
      entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const e of entries) {
      if (!e.isFile()) continue;
      const rel = path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
      if (isSafeRelativePath(rel)) found.push(rel);
    }
  }
  found.sort();
  return mapPool(found, 32, async (relPath) => {
    const absPath = path.join(root, ...relPath.split('/'));
    const st = await fsp.stat(absPath);
    return { relPath, absPath, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777 };
  });
}

/** Manifests go last (an artifact without its manifest is incomplete, never the reverse). */
export function isManifest(relPath: string): boolean {
  return relPath.endsWith('.manifest.json');
}

export function contentTypeFor(relPath: string): string {
  if (relPath.endsWith('.json')) return 'application/json';
  if (relPath.endsWith('.jsonl') || relPath.endsWith('.ndjson')) return 'application/x-ndjson';
  return 'application/octet-stream';
}
