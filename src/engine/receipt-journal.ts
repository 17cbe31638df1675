/**
 * A ReceiptStore kept as an append-only JSON-lines journal (one file per lock scope, so
 * only one process appends at a time). Receipts are appended in batches, after the outputs
 * they vouch for were renamed into place, and the journal is fsynced when the run closes
 * it. Losing receipts is always safe (those tasks rerun); a receipt that survives a power
 * cut while its output did not is caught by the output stamp (size, mtime) it records.
 * A torn last line from a killed process is ignored: that task simply reruns. Outputs under
 * the artifacts directory are recorded relative to it (`./work/...`), so the journal stays
 * true when the directory is moved or restored elsewhere.
 *
 * Compaction: when the lines appended since the last compaction reach COMPACT_AFTER_LINES, or
 * outgrow the snapshot (compactionDue), `close` rewrites the journal (atomically) as one snapshot line (receipt-snapshot.ts), so
 * the next open parses columns instead of a line per receipt; later receipts are appended
 * after it as JSON lines again. A journal of the older form (JSON lines only) is read as
 * before and rewritten so at its first close.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withAtomicPath } from './atomic-file.js';
import { readLines } from './json-lines.js';
import { isSnapshotLine, ReceiptSnapshot } from './receipt-snapshot.js';
import { snapshotPieces } from './receipt-snapshot-write.js';
import { outputRecord, PlainRow, type Receipt, type ReceiptRow, type ReceiptStore } from './receipts.js';

export interface JournalOptions {
  /**
   * Receipts are written at once when the last write is older than this (ms); quicker ones
   * are batched and written by a timer this often. So slow tasks (downloads) are recorded
   * the moment they finish, and a burst of tiny tasks costs one write per interval.
   */
  batchMs?: number;
  /** Milliseconds since the epoch (injectable for tests). */
  now?: () => number;
  /**
   * The artifacts directory: outputs under it are written to the journal as `./<relative>`
   * and read back under the root it has then, so moving or restoring the directory keeps
   * the receipts valid.
   */
  root?: string;
}

/** `close` compacts the journal when at least this many JSON lines follow its snapshot (every line of an older journal counts). */
export const COMPACT_AFTER_LINES = 1000;

/** ... or when the lines after the snapshot are longer than it and than this many characters. */
export const COMPACT_AFTER_CHARS = 1 << 20;

/**
 * Whether `close` rewrites the journal as one snapshot. By lines, and by size: a task of many
 * outputs (the code search's download lists ~24,500 result files) appends a receipt of ~1.7 MB
 * at every run, which every later open reads; superseded ones would pile up for a thousand runs.
 * Compacting once the tail outgrows the snapshot keeps the journal under about twice its live size.
 */
export function compactionDue(tailLines: number, tailChars: number, snapshotChars: number): boolean {
  return tailLines >= COMPACT_AFTER_LINES || (tailChars > COMPACT_AFTER_CHARS && tailChars > snapshotChars);
}

/**
 * Every receipt of a journal file as it is stored (outputs under the root as `./<relative>`),
 * the last one of each task, snapshot included: for readers outside a run (the shard steps),
 * which keep no handle and write nothing. A missing file has none.
 */
export function readJournal(file: string): Map<string, Receipt> {
  const out = new Map<string, Receipt>();
  const lines = readLines(file);
  let first = 0;
  if (lines.length > 0 && isSnapshotLine(lines[0] as string)) {
    const snapshot = ReceiptSnapshot.parse(lines[0] as string);
    if (snapshot !== undefined) for (const receipt of snapshot.receipts(new Map())) out.set(receipt.taskId, receipt);
    first = 1;
  }
  for (let i = first; i < lines.length; i += 1) {
    const receipt = parseReceipt(lines[i] as string);
    if (receipt !== undefined) out.set(receipt.taskId, receipt);
  }
  return out;
}

export class JournalReceiptStore implements ReceiptStore {
  /**
   * Receipts read from the lines after the snapshot, or put since: they take precedence over the
   * snapshot's. A line is kept as text (TailLines) until its task is asked for: a stage command
   * checks a few of its site's tasks, and parsing every line of a portal-scale journal (receipts
   * of 24,500 outputs, ~1.7 MB a line) cost ~35 ms of each start.
   */
  private readonly receipts = new Map<string, Receipt | TailLines>();
  private snapshot: ReceiptSnapshot | undefined;
  /** JSON lines after the snapshot (read at open and appended since). */
  private tailLines = 0;
  /** Characters of those lines, and of the snapshot line. */
  private tailChars = 0;
  private snapshotChars = 0;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private fd: number | undefined;
  private lastWrite = 0;
  /** Whether this store appended anything (close fsyncs only then). */
  private wrote = false;
  private readonly batchMs: number;
  private readonly now: () => number;
  private readonly paths: RootedPaths | undefined;
  readonly root: string | undefined;

  private constructor(readonly file: string, options: JournalOptions) {
    this.batchMs = options.batchMs ?? 50;
    this.now = options.now ?? Date.now;
    this.paths = options.root === undefined ? undefined : new RootedPaths(options.root);
    this.root = this.paths?.root;
  }

  static open(file: string, options: JournalOptions = {}): JournalReceiptStore {
    const store = new JournalReceiptStore(file, options);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const lines = readLines(file);
    let first = 0;
    if (lines.length > 0 && isSnapshotLine(lines[0] as string)) {
      store.snapshot = ReceiptSnapshot.parse(lines[0] as string);
      store.snapshotChars = (lines[0] as string).length;
      first = 1;
    }
    for (let i = first; i < lines.length; i += 1) {
      const line = lines[i] as string;
      store.tailChars += line.length + 1;
      const taskId = lineTaskId(line);
      if (taskId === undefined) {
        const receipt = parseReceipt(line);
        if (receipt !== undefined) store.receipts.set(receipt.taskId, receipt);
        continue;
      }
      const entry = store.receipts.get(taskId);
      if (entry instanceof TailLines) entry.lines.push(line);
      else store.receipts.set(taskId, new TailLines(line));
    }
    store.tailLines = lines.length - first;
    store.fd = fs.openSync(file, 'a');
    return store;
  }

  get(taskId: string): Receipt | undefined {
    return this.tail(taskId) ?? this.snapshot?.get(taskId);
  }

  row(taskId: string): ReceiptRow | undefined {
    const receipt = this.tail(taskId);
    return receipt === undefined ? this.snapshot?.row(taskId) : new PlainRow(receipt);
  }

  /** The task's receipt from the lines after the snapshot: its last line that parses (a torn last line does not hide an earlier one). */
  private tail(taskId: string): Receipt | undefined {
    const entry = this.receipts.get(taskId);
    if (!(entry instanceof TailLines)) return entry;
    let receipt: Receipt | undefined;
    for (let i = entry.lines.length - 1; i >= 0 && receipt === undefined; i -= 1) {
      const parsed = parseReceipt(entry.lines[i] as string);
      if (parsed?.taskId === taskId) receipt = parsed;
    }
    if (receipt === undefined) this.receipts.delete(taskId);
    else this.receipts.set(taskId, receipt);
    return receipt;
  }

  /** Kept (in memory too) with outputs under the root as `./<relative>`: see ReceiptStore.root and outputKey. */
  put(receipt: Receipt): void {
    const stored = this.paths?.toJournal(receipt) ?? receipt;
    this.receipts.set(receipt.taskId, stored);
    this.pending.push(JSON.stringify(stored));
    if (this.now() - this.lastWrite >= this.batchMs) this.write();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.write(), this.batchMs);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    this.write();
  }

  /** Writes what is pending and fsyncs the journal; compacts it when enough lines follow its snapshot. */
  async close(): Promise<void> {
    this.write();
    if (this.fd === undefined) return;
    if (this.wrote) fs.fsyncSync(this.fd); // nothing written by this store: nothing of its own to make durable
    fs.closeSync(this.fd);
    this.fd = undefined;
    if (!compactionDue(this.tailLines, this.tailChars, this.snapshotChars)) return;
    try {
      await this.compact();
    } catch {
      // Only an optimisation: the journal is whole as it is (the rewrite is atomic).
    }
  }

  private write(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastWrite = this.now();
    if (this.pending.length === 0 || this.fd === undefined) return;
    const batch = this.pending;
    this.pending = [];
    const text = batch.join('\n') + '\n';
    fs.writeSync(this.fd, text);
    this.wrote = true;
    this.tailLines += batch.length;
    this.tailChars += text.length;
  }

  /** Rewrites the journal as one snapshot line of every receipt (atomically: a crash leaves the old journal whole). */
  private async compact(): Promise<void> {
    const tail = new Map<string, Receipt>();
    for (const taskId of [...this.receipts.keys()]) {
      const receipt = this.tail(taskId);
      if (receipt !== undefined) tail.set(taskId, receipt);
    }
    const all = this.snapshot === undefined ? tail.values() : concat(this.snapshot.receipts(tail), tail.values());
    await withAtomicPath(this.file, async (tmp) => {
      const fd = fs.openSync(tmp, 'w');
      try {
        for (const piece of snapshotPieces(all)) fs.writeSync(fd, piece);
        fs.writeSync(fd, '\n');
      } finally {
        fs.closeSync(fd);
      }
    });
    this.tailLines = 0;
    this.tailChars = 0;
  }
}

function* concat<T>(a: Iterable<T>, b: Iterable<T>): Generator<T> {
  yield* a;
  yield* b;
}

/** The lines after the snapshot that name one task, in journal order, not parsed yet. */
class TailLines {
  readonly lines: string[];

  constructor(line: string) {
    this.lines = [line];
  }
}

const TASK_ID_PREFIX = '{"taskId":"';

/**
 * A receipt line's task id, read without parsing the line: receipts are written with taskId
 * first. Undefined when the line does not start so (it is then parsed at once, as a whole).
 */
function lineTaskId(line: string): string | undefined {
  if (!line.startsWith(TASK_ID_PREFIX)) return undefined;
  let i = TASK_ID_PREFIX.length;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 0x22) break; // the closing quote
    i += c === 0x5c ? 2 : 1; // a backslash escapes the next character
  }
  if (i >= line.length) return undefined;
  try {
    return JSON.parse(line.slice(TASK_ID_PREFIX.length - 1, i + 1)) as string;
  } catch {
    return undefined;
  }
}

function parseReceipt(line: string): Receipt | undefined {
  try {
    const value = JSON.parse(line) as Receipt;
    return typeof value.taskId === 'string' && typeof value.outputs === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Output keys under a root as `./relative` (the journal's form, on disk and in memory). */
class RootedPaths {
  readonly root: string;
  private readonly prefix: string;
  private readonly posix = path.sep === '/';

  constructor(root: string) {
    this.root = path.resolve(root);
    this.prefix = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
  }

  toJournal(receipt: Receipt): Receipt {
    let relative = false;
    for (const key in receipt.outputs) if (key.startsWith(this.prefix)) relative = true;
    if (!relative) return receipt;
    const outputs = outputRecord();
    for (const key in receipt.outputs) {
      const rel = key.startsWith(this.prefix) ? key.slice(this.prefix.length) : undefined;
      outputs[rel === undefined ? key : `./${this.posix ? rel : rel.split(path.sep).join('/')}`] = receipt.outputs[key] as string;
    }
    return { ...receipt, outputs };
  }
}
