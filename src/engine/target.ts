/**
 * Targets: what a task produces. A target knows whether it exists and gives a cheap stamp
 * of its current content, recorded in receipts to notice later changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withAtomicPath, writeFileAtomic, type AtomicWriteOptions } from './atomic-file.js';
import { noteWritten } from './file-stamp.js';

export interface Target {
  /** What to show a person: a path, a table name. */
  readonly description: string;
  exists(): Promise<boolean>;
  /**
   * A string that changes when the content changes (size and mtime for files); undefined if
   * missing. (A receipt records more of a FileTarget: its content hash, see file-stamp.ts.)
   */
  stamp(): Promise<string | undefined>;
}

/**
 * Is `p` already what path.resolve makes of it: an absolute POSIX path with no segment that
 * resolve would change (empty: `//` or a trailing `/`; `.`; `..`)? One pass over its
 * characters, not resolve's work (a FileTarget is made per output of every task checked).
 */
function isResolved(p: string): boolean {
  if (path.sep !== '/' || p.charCodeAt(0) !== 47) return false;
  const n = p.length;
  for (let i = 0; i < n; i += 1) {
    if (p.charCodeAt(i) !== 47) continue;
    let dots = 0;
    while (dots < 2 && p.charCodeAt(i + 1 + dots) === 46) dots += 1;
    const after = i + 1 + dots;
    if (after >= n || p.charCodeAt(after) === 47) return false;
  }
  return true;
}

/**
 * A local file, written atomically. Its checks are synchronous stats: three microseconds
 * each, which keeps a 100,000-task completeness check well under a second.
 */
export class FileTarget implements Target {
  readonly path: string;

  constructor(filePath: string) {
    this.path = isResolved(filePath) ? filePath : path.resolve(filePath);
  }

  get description(): string {
    return this.path;
  }

  async exists(): Promise<boolean> {
    return fs.statSync(this.path, { throwIfNoEntry: false }) !== undefined;
  }

  async stamp(): Promise<string | undefined> {
    const st = fs.statSync(this.path, { throwIfNoEntry: false });
    return st === undefined ? undefined : `${st.size}:${Math.trunc(st.mtimeMs)}`;
  }

  /**
   * Writes the whole content atomically (durable through the receipt journal's group commit).
   * Asynchronous: durable and large writes run off the event loop, so tasks writing at once
   * overlap; small ones are made inline, where that is cheaper (see writeFileAtomic).
   * Await it before `run()` returns (the receipt stamps the file right after).
   */
  async write(data: string | Uint8Array, options: AtomicWriteOptions = { durable: false }): Promise<void> {
    await writeFileAtomic(this.path, data, options);
    noteWritten(this.path, data);
  }

  /** Lets `produce` fill a temp path, then renames it into place (see withAtomicPath). */
  writeVia<T>(produce: (tmpPath: string) => Promise<T>, options: AtomicWriteOptions = {}): Promise<T> {
    return withAtomicPath(this.path, produce, options);
  }
}
