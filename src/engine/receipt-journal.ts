/**
 * A ReceiptStore kept as an append-only JSON-lines journal (one file per lock scope, so
 * only one process appends at a time). Receipts are appended in batches, after the outputs
 * they vouch for were renamed into place, and the journal is fsynced when the run closes
 * it. Losing receipts is always safe (those tasks rerun); a receipt that survives a power
 * cut while its output did not is caught by the output stamp (size, mtime) it records.
 * A torn last line from a killed process is ignored: that task simply reruns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from './atomic-file.js';
import type { Receipt, ReceiptStore } from './receipts.js';

export interface JournalOptions {
  /** Flush pending receipts at least this often (ms). */
  flushIntervalMs?: number;
  /** Flush as soon as this many receipts are pending. */
  maxPending?: number;
}

export class JournalReceiptStore implements ReceiptStore {
  private readonly receipts = new Map<string, Receipt>();
  private pending: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxPending: number;

  private constructor(readonly file: string, options: JournalOptions) {
    this.maxPending = options.maxPending ?? 10_000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  static open(file: string, options: JournalOptions = {}): JournalReceiptStore {
    const store = new JournalReceiptStore(file, options);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const lines = readLines(file);
    for (const line of lines) {
      const receipt = parseReceipt(line);
      if (receipt !== undefined) store.receipts.set(receipt.taskId, receipt);
    }
    if (lines.length > 1000 && lines.length > 2 * store.receipts.size) store.compact();
    return store;
  }

  get(taskId: string): Receipt | undefined {
    return this.receipts.get(taskId);
  }

  put(receipt: Receipt): void {
    this.receipts.set(receipt.taskId, receipt);
    this.pending.push(JSON.stringify(receipt));
    if (this.pending.length >= this.maxPending) void this.flush();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushBatch());
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    this.flushing = this.flushing.then(() => this.append([], true));
    await this.flushing;
  }

  private async flushBatch(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.append(batch, false);
  }

  private append(lines: string[], durable: boolean): void {
    const fd = fs.openSync(this.file, 'a');
    try {
      if (lines.length > 0) fs.writeSync(fd, lines.join('\n') + '\n');
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private compact(): void {
    const body = [...this.receipts.values()].map((r) => JSON.stringify(r)).join('\n');
    writeFileAtomicSync(this.file, body.length > 0 ? body + '\n' : '');
  }
}

function readLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text.split('\n').filter((l) => l.length > 0);
}

function parseReceipt(line: string): Receipt | undefined {
  try {
    const value = JSON.parse(line) as Receipt;
    return typeof value.taskId === 'string' && typeof value.outputs === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}
