/**
 * Content hashes of local files, once: sha256 (hex; receipts, the artifact trust check,
 * manifests) and, only where asked for, md5 (base64, as GCS reports it; sync and the shard
 * store), cached by size, mtime and inode, so a file that did not change is never re-hashed.
 * md5 is not taken with every sha256: on this machine class it costs 1.6 s per GB against
 * sha256's 0.7 s, and only an upload needs it (a publish of a 1.2 GB database took 2.7 s of
 * hashing; now 0.8 s, and the md5 is taken when the file is first synced). The
 * cache of an artifacts directory lives in `<root>/.cache/file-hashes.json` (local: inodes
 * mean nothing on another machine, so it is never synced), keyed by path relative to root.
 */
import { createHash } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

const CACHE_VERSION = 2;
export const FILE_HASH_CACHE = path.join('.cache', 'file-hashes.json');
const CHUNK_BYTES = 4 * 1024 * 1024;

/** What a cache entry is keyed on besides the path: any change of these means re-hashing. */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface FileDigest extends FileStat {
  /** hex */
  sha256: string;
  /** base64 (GCS's md5Hash), when it was asked for */
  md5?: string;
}

/** A digest with its md5 (what an upload needs). */
export type Md5Digest = FileDigest & { md5: string };

/** sha256 of a file, with the stat it had when opened. */
export async function digestFile(file: string): Promise<FileDigest> {
  return hashFile(file, false);
}

/** sha256 and md5 of a file in one read, with the stat it had when opened. */
export async function digestFileWithMd5(file: string): Promise<Md5Digest> {
  return (await hashFile(file, true)) as Md5Digest;
}

async function hashFile(file: string, withMd5: boolean): Promise<FileDigest> {
  const handle = await fsp.open(file, 'r');
  try {
    const st = await handle.stat();
    const sha = createHash('sha256');
    const md5 = withMd5 ? createHash('md5') : undefined;
    // Two buffers: the next chunk is read (on libuv's thread pool) while this one is hashed, so a
    // large file costs about its hashing time, not its reading time plus its hashing time (an
    // 870 MB ckan_api: 1.17 -> ~0.7 s).
    const size = Math.min(CHUNK_BYTES, Math.max(st.size, 1));
    const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    let position = 0;
    const readAt = (buffer: Buffer) => handle.read(buffer, 0, buffer.length, position).then(({ bytesRead }) => {
      position += bytesRead;
      return bytesRead;
    });
    let current = 0;
    let reading = readAt(buffers[0] as Buffer);
    for (;;) {
      const bytesRead = await reading;
      if (bytesRead === 0) break;
      const chunk = (buffers[current] as Buffer).subarray(0, bytesRead);
      current = 1 - current;
      reading = readAt(buffers[current] as Buffer);
      sha.update(chunk);
      md5?.update(chunk);
    }
    const digest: FileDigest = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256: sha.digest('hex') };
    if (md5 !== undefined) digest.md5 = md5.digest('base64');
    return digest;
  } finally {
    await handle.close();
  }
}

const sameStat = (a: FileStat, b: FileStat): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

export class FileHasher {
  /** Files hashed (not answered from the cache) since load. */
  hashed = 0;
  private dirty = false;

  private constructor(
    readonly root: string,
    private readonly file: string | undefined,
    private readonly entries: Map<string, FileDigest>,
  ) {}

  /** A hasher without a cache file (it still caches in memory). */
  static inMemory(root: string): FileHasher {
    return new FileHasher(path.resolve(root), undefined, new Map());
  }

  /**
   * The process's one hasher of `root` with its cache file, loaded once: the engine's receipts
   * (large file outputs, see file-stamp.ts) and the store's trust checks and manifests share it,
   * so what one hashed the other does not read again. Saved by `saveSharedHashers`.
   */
  static shared(root: string): Promise<FileHasher> {
    const key = path.resolve(root);
    let hasher = sharedHashers.get(key);
    if (hasher === undefined) {
      hasher = FileHasher.load(key);
      sharedHashers.set(key, hasher);
    }
    return hasher;
  }

  /** The hasher of `root`, with its cache file; a missing or damaged cache starts empty. */
  static async load(root: string): Promise<FileHasher> {
    const file = path.join(root, FILE_HASH_CACHE);
    const entries = new Map<string, FileDigest>();
    try {
      const json = JSON.parse(await fsp.readFile(file, 'utf8')) as { version?: number; entries?: Record<string, FileDigest> };
      if (json.version === CACHE_VERSION && json.entries !== undefined) {
        for (const [key, e] of Object.entries(json.entries)) if (isDigest(e)) entries.set(key, e);
      }
    } catch {
      // absent or damaged: start over (it is only a cache)
    }
    return new FileHasher(path.resolve(root), file, entries);
  }

  private key(file: string): string {
    const rel = path.relative(this.root, path.resolve(this.root, file));
    return rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(file) : rel.split(path.sep).join('/');
  }

  /** The cached digest while `stat` matches the one it was made from. */
  lookup(file: string, stat: FileStat): FileDigest | undefined {
    const e = this.entries.get(this.key(file));
    return e !== undefined && sameStat(e, stat) ? e : undefined;
  }

  /** The digest of a file (stat given or taken now), hashing it only when the cache cannot answer. */
  async digest(file: string, stat?: FileStat): Promise<FileDigest> {
    return this.cachedOrHashed(file, stat, false);
  }

  /** The digest with its md5: hashed again when the cache knows only the sha256 of this state. */
  async digestWithMd5(file: string, stat?: FileStat): Promise<Md5Digest> {
    return (await this.cachedOrHashed(file, stat, true)) as Md5Digest;
  }

  private async cachedOrHashed(file: string, stat: FileStat | undefined, withMd5: boolean): Promise<FileDigest> {
    const st = stat ?? (await fsp.stat(file));
    const cached = this.lookup(file, st);
    if (cached !== undefined && (!withMd5 || cached.md5 !== undefined)) return cached;
    const digest = await hashFile(file, withMd5);
    this.hashed += 1;
    this.remember(file, digest);
    return digest;
  }

  async sha256(file: string): Promise<string> {
    return (await this.digest(file)).sha256;
  }

  /** Records a digest known otherwise (a file just written or downloaded and checked). */
  remember(file: string, digest: FileDigest): void {
    const entry: FileDigest = { size: digest.size, mtimeMs: digest.mtimeMs, ino: digest.ino, sha256: digest.sha256 };
    // A sha256-only digest of the state the cache already has an md5 of keeps that md5.
    const md5 = digest.md5 ?? this.lookup(file, digest)?.md5;
    if (md5 !== undefined) entry.md5 = md5;
    this.entries.set(this.key(file), entry);
    this.dirty = true;
  }

  /** Writes the cache (atomically) when it changed; a no-op for an in-memory hasher. */
  async save(): Promise<void> {
    if (!this.dirty || this.file === undefined) return;
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify({ version: CACHE_VERSION, entries: Object.fromEntries(this.entries) }), { durable: false });
    this.dirty = false;
  }
}

const sharedHashers = new Map<string, Promise<FileHasher>>();

/** Writes the cache of every shared hasher that changed (FileHasher.shared). */
export async function saveSharedHashers(): Promise<void> {
  for (const hasher of sharedHashers.values()) await (await hasher).save();
}

function isDigest(e: unknown): e is FileDigest {
  const d = e as Partial<FileDigest> | null;
  return d !== null && typeof d === 'object' && typeof d.sha256 === 'string' && (d.md5 === undefined || typeof d.md5 === 'string')
    && typeof d.size === 'number' && typeof d.mtimeMs === 'number' && typeof d.ino === 'number';
}

/** A synchronous stat as a FileStat (the fs.Stats itself: no copy), or undefined when the file is missing. */
export function statFile(file: string): FileStat | undefined {
  return fs.statSync(file, STAT_OPTIONS);
}

/** One options object for every statFile (a noop of 100,000 tasks calls it 100,000 times). */
const STAT_OPTIONS = Object.freeze({ throwIfNoEntry: false, bigint: false }) as fs.StatSyncOptions & { throwIfNoEntry: false; bigint: false };
