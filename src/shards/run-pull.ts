/**
 * Bringing committed work into a local artifacts directory before a plan or final step runs
 * (docs/scale-out.md §5, step 4): every output of the receipts downloaded (sha256 checked by
 * the store), then the receipts written into the local journal, so the engine finds those
 * leaf tasks complete and runs only the fan-ins.
 *
 * Receipts vouch for a file by content (`f:<size>:<mtime>:<ino>:<sha256>`, checked by hash
 * under a new stat), but an output that is not a plain file target is stamped `size:mtime`
 * (a GitHub record, a search result): its recorded mtime is given back to the downloaded
 * file, as a restore that keeps times does, so the receipt holds for it too.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RemoteReceipt, ShardStateStore } from './run-contract.js';
import { addToJournal } from './run-journal.js';

export interface PullCounts {
  receipts: number;
  downloaded: number;
  skipped: number;
  bytes: number;
}

export async function pullCommitted(store: ShardStateStore, artifactsDir: string, site: string, receipts: readonly RemoteReceipt[]): Promise<PullCounts> {
  const got = await store.pull(artifactsDir, receipts);
  for (const r of receipts) restoreTimes(artifactsDir, r);
  await addToJournal(artifactsDir, site, receipts.map((r) => r.receipt));
  return { receipts: receipts.length, ...got };
}

/** `size:mtimeMs` stamps: the file gets that mtime back when its size is the recorded one. */
function restoreTimes(artifactsDir: string, r: RemoteReceipt): void {
  for (const [key, stamp] of Object.entries(r.receipt.outputs)) {
    const m = /^(\d+):(\d+)$/.exec(stamp);
    if (m === null || !key.startsWith('./')) continue;
    const file = path.join(artifactsDir, key.slice(2));
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined || st.size !== Number(m[1]) || Math.trunc(st.mtimeMs) === Number(m[2])) continue;
    setMtimeMs(file, Number(m[2]));
  }
}

/**
 * Gives `file` the mtime whose whole milliseconds are `ms` (Math.trunc of its mtimeMs), as the
 * stamp compares them. Not `new Date(ms)`: seconds as a double land a few hundred nanoseconds
 * below the millisecond about half the time (1.79e9 s leaves ~0.2 µs of precision), and the
 * truncated mtime reads one millisecond early. Half a millisecond over is exact after truncation.
 */
export function setMtimeMs(file: string, ms: number): void {
  const seconds = (ms + 0.5) / 1000;
  fs.utimesSync(file, seconds, seconds);
}
