/**
 * What a receipt records of a file output, so that it vouches by content, not by where or
 * when the file was made: `f:<size>:<mtimeMs>:<ino>:<sha256>`. Checking it costs one stat
 * while size, mtime and inode match (the fast path); otherwise, when the size matches, the
 * file is hashed once, and if the content is the same (a restored or copied file) the receipt
 * is given the new stat so the next check is fast again. `content(stamp)` is the part that
 * survives a move or a restore (size and hash): what downstream receipts record.
 *
 * The hash of a file written by `FileTarget.write` is taken from the bytes in memory
 * (`noteWritten`; a published artifact's from the hash its publish made, `noteWrittenDigest`),
 * so recording it opens nothing; other outputs are read once when the receipt is made.
 */
import { hash } from 'node:crypto';
import { digestFile, FileHasher, statFile, type FileDigest, type FileStat } from './file-hash.js';

const PREFIX = 'f:';

/** sha256 of content just written to `file`, by path, until its receipt is made. */
const written = new Map<string, { size: number; sha256: string }>();

export function noteWritten(file: string, data: string | Uint8Array): void {
  // One-shot hash (no Hash object per write): 100,000 small writes cost 40% less than createHash's.
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  noteWrittenDigest(file, size, hash('sha256', data, 'hex'));
}

/** The same for a file whose sha256 its writer computed from the bytes it wrote (a published artifact). */
export function noteWrittenDigest(file: string, size: number, sha256: string): void {
  written.set(file, { size, sha256 });
}

export function formatFileStamp(st: FileStat, sha256: string): string {
  return `${PREFIX}${st.size}:${Math.trunc(st.mtimeMs)}:${st.ino}:${sha256}`;
}

interface ParsedStamp {
  size: number;
  mtime: number;
  ino: number | undefined;
  sha256: string | undefined;
}

/** A file stamp (this format, or the older `<size>:<mtime>`), or undefined for another target's stamp. */
function parseFileStamp(stamp: string): ParsedStamp | undefined {
  const body = stamp.startsWith(PREFIX) ? stamp.slice(PREFIX.length) : stamp;
  const parts = body.split(':');
  if (stamp.startsWith(PREFIX) && parts.length === 4) {
    return { size: Number(parts[0]), mtime: Number(parts[1]), ino: Number(parts[2]), sha256: parts[3] };
  }
  if (parts.length === 2 && /^\d+$/.test(parts[0] ?? '') && /^\d+$/.test(parts[1] ?? '')) {
    return { size: Number(parts[0]), mtime: Number(parts[1]), ino: undefined, sha256: undefined };
  }
  return undefined;
}

/**
 * The part of a stamp that survives a move or a restore: size and content for files, the
 * whole stamp otherwise. (Cut out by index, not parsed: it runs once per input of every
 * task checked, 100,000 times for a wide aggregate.)
 */
export function contentOf(stamp: string): string {
  if (!stamp.startsWith(PREFIX)) return stamp;
  const sizeEnd = stamp.indexOf(':', PREFIX.length);
  const shaStart = stamp.lastIndexOf(':');
  return sizeEnd < 0 || shaStart <= sizeEnd ? stamp : stamp.slice(PREFIX.length, sizeEnd) + stamp.slice(shaStart);
}

/**
 * File outputs from this size on have their digest, once a receipt took it, kept in the hash
 * cache of the receipts' root (FileHasher.shared): a later stage that hashes such a file (the
 * CKAN load's page digests, 0.7 GB at 100,000 datasets) reads it no more. Smaller files are
 * cheaper to hash again than to keep in the cache (which every stage loads).
 */
export const REMEMBERED_DIGEST_BYTES = 1024 * 1024;

/**
 * The stamp of a file output for its receipt (hashing it unless it was just written by
 * FileTarget.write, or `recorded`, its previous receipt's stamp, still has its stat: the fast
 * path of a check, so an output a rerun left alone is not read again); undefined if missing.
 * A new digest of a large file goes to the hash cache of `root` (REMEMBERED_DIGEST_BYTES).
 */
export async function receiptFileStamp(file: string, recorded?: string, root?: string): Promise<string | undefined> {
  const st = statFile(file);
  if (st === undefined) return undefined;
  const memo = written.get(file);
  written.delete(file);
  if (memo !== undefined && memo.size === st.size) {
    if (root !== undefined && st.size >= REMEMBERED_DIGEST_BYTES) await remember(root, file, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256: memo.sha256 });
    return formatFileStamp(st, memo.sha256);
  }
  if (memo === undefined && recorded !== undefined && statMatchesStamp(st, recorded)) return recorded;
  const digest = await digestFile(file);
  if (root !== undefined && digest.size >= REMEMBERED_DIGEST_BYTES) await remember(root, file, digest);
  return formatFileStamp(digest, digest.sha256);
}

async function remember(root: string, file: string, digest: FileDigest): Promise<void> {
  (await FileHasher.shared(root)).remember(file, digest);
}

/**
 * The fast path of checkFileStamp: is `recorded` (this format) exactly the stamp of a file
 * with stat `st`, i.e. does it start with `f:<size>:<mtime>:<ino>:`? Read digit by digit in
 * place (no string made per check); anything else (a negative mtime, an inode past 2^53) is
 * compared as that text.
 */
export function statMatchesStamp(st: FileStat, recorded: string): boolean {
  if (recorded.charCodeAt(0) === 102 && recorded.charCodeAt(1) === 58) {
    const afterSize = digitsEqual(recorded, 2, st.size);
    const afterMtime = afterSize < 0 ? -1 : digitsEqual(recorded, afterSize, Math.trunc(st.mtimeMs));
    if (afterMtime >= 0 && digitsEqual(recorded, afterMtime, st.ino) >= 0) return true;
  }
  return recorded.startsWith(`${PREFIX}${st.size}:${Math.trunc(st.mtimeMs)}:${st.ino}:`);
}

/**
 * Where the text after `s[at...]` goes on when it is `String(n)` followed by ':', else -1.
 * Only for what is exact this way: digits without a leading zero, a value up to 2^53 - 1.
 */
function digitsEqual(s: string, at: number, n: number): number {
  let v = 0;
  let k = at;
  for (; k < s.length; k += 1) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    if (v > Number.MAX_SAFE_INTEGER) return -1;
  }
  if (k === at || s.charCodeAt(k) !== 58 || v !== n || (s.charCodeAt(at) === 48 && k - at > 1)) return -1;
  return k + 1;
}

export type FileCheck = { same: true; refreshed?: string } | { same: false };

/**
 * Does the file still hold what `recorded` vouches for? `st` is its stat now. Same stat:
 * yes, with nothing read. Same size, other stat, and a recorded hash: hashed once; when the
 * content is the same, `refreshed` is the stamp to record instead.
 */
export async function checkFileStamp(file: string, st: FileStat, recorded: string): Promise<FileCheck> {
  const p = parseFileStamp(recorded);
  if (p === undefined || p.size !== st.size) return { same: false };
  if (p.mtime === Math.trunc(st.mtimeMs) && (p.ino === undefined || p.ino === st.ino)) return { same: true };
  if (p.sha256 === undefined) return { same: false };
  const digest = await digestFile(file);
  if (digest.sha256 !== p.sha256) return { same: false };
  return { same: true, refreshed: formatFileStamp(digest, digest.sha256) };
}
