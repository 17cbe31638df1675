/**
 * Receipts: the proof that a task's outputs came from a successful run. A task is complete
 * only when its outputs exist, match the stamps its receipt recorded, and its inputs are
 * the ones it was built from.
 */
import { createHash } from 'node:crypto';
import { sep } from 'node:path';
import { contentOf } from './file-stamp.js';

export interface Receipt {
  taskId: string;
  runId: string;
  /** Epoch ms when the run finished. */
  finishedAt: number;
  durationMs: number;
  /** The task's `version` when it ran. */
  version: string;
  /** Hash over the stamps of every input (static requirements and dynamic ones). */
  inputs: string;
  /** Per-input stamps, kept for explaining a change when there are not too many. */
  inputStamps?: Record<string, string>;
  /** Ids of tasks the run asked for at run time (ctx.need). */
  dynamic?: string[];
  /** Output description (a file's absolute path; relative to the artifacts directory on disk) → stamp. */
  outputs: Record<string, string>;
}

export interface ReceiptStore {
  /**
   * The artifacts directory when the store keeps outputs under it as `./<relative path>`
   * (so receipts survive a move); `outputKey` gives the key of an output's description.
   */
  readonly root?: string;
  get(taskId: string): Receipt | undefined;
  put(receipt: Receipt): void;
  /** Makes pending receipts durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class MemoryReceiptStore implements ReceiptStore {
  readonly receipts = new Map<string, Receipt>();

  get(taskId: string): Receipt | undefined {
    return this.receipts.get(taskId);
  }

  put(receipt: Receipt): void {
    this.receipts.set(receipt.taskId, receipt);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Explaining per-input changes is kept for tasks with at most this many inputs. */
export const MAX_EXPLAINED_INPUTS = 1000;

/**
 * One stamp that changes whenever any output of a receipted task changed: its run and its
 * outputs' content (not where or when they were written, so a move or a restore keeps it).
 */
export function receiptStamp(receipt: Receipt): string {
  let stamp = receipt.runId;
  for (const value of Object.values(receipt.outputs)) stamp += `|${contentOf(value)}`;
  return stamp;
}

const EMPTY_HASH = createHash('sha1').digest('hex');

export function hashStamps(stamps: ReadonlyMap<string, string>): string {
  if (stamps.size === 0) return EMPTY_HASH;
  const hash = createHash('sha1');
  for (const [id, stamp] of stamps) hash.update(id).update('\0').update(stamp).update('\n');
  return hash.digest('hex');
}

/** Which inputs differ between a receipt and now (when the receipt kept per-input stamps). */
export function changedInputs(receipt: Receipt, now: ReadonlyMap<string, string>): string[] | undefined {
  if (receipt.inputStamps === undefined) return undefined;
  const changed: string[] = [];
  for (const [id, stamp] of now) if (receipt.inputStamps[id] !== stamp) changed.push(id);
  for (const id of Object.keys(receipt.inputStamps)) if (!now.has(id)) changed.push(id);
  return changed;
}

/** The key under which `store`'s receipts record the output `description` (see ReceiptStore.root). */
export function outputKey(store: ReceiptStore, description: string): string {
  const root = store.root;
  if (root === undefined || !description.startsWith(root) || description[root.length] !== sep) return description;
  const rel = description.slice(root.length);
  return `.${sep === '/' ? rel : rel.split(sep).join('/')}`;
}
