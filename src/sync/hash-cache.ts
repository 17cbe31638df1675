/**
 * md5 (base64, as GCS reports it) of local files, cached under `<root>/.cache/sync-md5.json`
 * keyed by relative path + size + mtime, so a file that did not change is never re-hashed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const CACHE_VERSION = 1;
export const HASH_CACHE_FILE = path.join('.cache', 'sync-md5.json');

interface Entry {
  size: number;
  mtimeMs: number;
  md5: string;
}

export interface FileStamp {
  relPath: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

export async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(file), hash);
  return hash.digest('base64');
}

export class HashCache {
  /** How many files were hashed (not found in the cache) since load. */
  hashed = 0;
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Loads the cache of `root`; a missing or unreadable cache starts empty. */
  static async load(root: string): Promise<HashCache> {
    const file = path.join(root, HASH_CACHE_FILE);
    const entries = new Map<string, Entry>();
    try {
      const json = JSON.parse(await fsp.readFile(file, 'utf8')) as { version?: number; entries?: Record<string, Entry> };
      if (json.version === CACHE_VERSION && json.entries) {
        for (const [key, e] of Object.entries(json.entries)) {
          if (typeof e?.md5 === 'string' && typeof e.size === 'number' && typeof e.mtimeMs === 'number') entries.set(key, e);
        }
      }
    } catch {
      // absent or damaged: start over (it is only a cache)
    }
    return new HashCache(file, entries);
  }

  /** The cached md5 when size and mtime still match, else undefined. */
  lookup(stamp: FileStamp): string | undefined {
    const e = this.entries.get(stamp.relPath);
    return e && e.size === stamp.size && e.mtimeMs === stamp.mtimeMs ? e.md5 : undefined;
  }

  /** The md5 of a file, hashing it only when the cache has no matching entry. */
  async md5(stamp: FileStamp): Promise<string> {
    const cached = this.lookup(stamp);
    if (cached !== undefined) return cached;
    const md5 = await md5File(stamp.absPath);
    this.hashed++;
    this.remember(stamp, md5);
    return md5;
  }

  remember(stamp: FileStamp, md5: string): void {
    this.entries.set(stamp.relPath, { size: stamp.size, mtimeMs: stamp.mtimeMs, md5 });
    this.dirty = true;
  }

  /** Writes the cache (atomically) when it changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fsp.writeFile(tmp, JSON.stringify({ version: CACHE_VERSION, entries: Object.fromEntries(this.entries) }));
    await fsp.rename(tmp, this.file);
    this.dirty = false;
  }
}
