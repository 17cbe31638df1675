/**
 * The local receipt journal (`.mallard/receipts/<site>.jsonl`) as the run steps read and
 * write it, without touching the engine: a reader that follows it as a run appends (the
 * receipts of tasks that just finished, to commit them), and the write of pulled receipts
 * before a plan or final step runs.
 */
import fs from 'node:fs';
import { acquireLock, JournalReceiptStore, readJournal, sessionPaths, systemClock, type Receipt } from '../engine/index.js';

/** The receipts appended to a journal since the last read (whole lines only; a torn one waits for its end). */
export class JournalFollower {
  private offset = 0;
  private rest = '';

  constructor(readonly file: string) {}

  /** Skips what is in the journal now: only receipts written from here on are read. */
  skipExisting(): void {
    this.offset = fs.statSync(this.file, { throwIfNoEntry: false })?.size ?? 0;
  }

  read(): Receipt[] {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const chunks: Buffer[] = [];
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // compacted: read it again (commits are idempotent)
      while (this.offset < size) {
        const buf = Buffer.alloc(Math.min(size - this.offset, 1 << 20));
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        chunks.push(buf.subarray(0, n));
        this.offset += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    const text = this.rest + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: Receipt[] = [];
    for (const line of lines) {
      const r = parseReceipt(line);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
}

/** Every receipt of the journal, the last one of each task (as the engine reads it: its snapshot line too). */
export function journalReceipts(file: string): Map<string, Receipt> {
  return readJournal(file);
}

export function journalFile(artifactsDir: string, site: string): string {
  return sessionPaths(artifactsDir, site).receipts;
}

/**
 * Adds receipts (outputs relative to the artifacts directory) to the site's journal, under
 * the site's local run lock, so the run that follows finds those tasks complete.
 */
export async function addToJournal(artifactsDir: string, site: string, receipts: Iterable<Receipt>): Promise<void> {
  const paths = sessionPaths(artifactsDir, site);
  const lock = await acquireLock(paths.lock, { clock: systemClock, command: 'pull of committed shard receipts' });
  try {
    const journal = JournalReceiptStore.open(paths.receipts, { root: artifactsDir });
    for (const r of receipts) journal.put(r);
    await journal.close();
  } finally {
    lock.release();
  }
}

function parseReceipt(line: string): Receipt | undefined {
  if (line.trim() === '') return undefined;
  try {
    const r = JSON.parse(line) as Receipt;
    return typeof r.taskId === 'string' && typeof r.outputs === 'object' ? r : undefined;
  } catch {
    return undefined;
  }
}
