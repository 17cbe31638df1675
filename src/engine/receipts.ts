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
  const outputs = receipt.outputs;
  for (const key in outputs) stamp += `|${contentOf(outputs[key] as string)}`;
  return stamp;
}

const EMPTY_HASH = createHash('sha1').digest('hex');
/** Stamps are hashed in pieces of about this many characters: one native call per piece, not four per input. */
const HASH_PIECE = 64 * 1024;

/**
 * The stamps of a task's inputs, by task id, in order (the first position of an id kept, its
 * last stamp winning, as a Map's `set` would do). Parallel arrays: a wide aggregate has
 * 100,000 of them, checked on every run.
 */
export class InputStamps {
  readonly ids: string[] = [];
  readonly stamps: string[] = [];
  /** Position by id, made once an id may repeat (`add` with `unique` false). */
  private at: Map<string, number> | undefined;

  get size(): number {
    return this.ids.length;
  }

  /** `unique`: the caller knows no earlier id equals this one (a graph's deps are distinct). */
  add(id: string, stamp: string, unique = false): void {
    if (!unique || this.at !== undefined) {
      if (this.at === undefined) {
        this.at = new Map();
        for (let i = 0; i < this.ids.length; i += 1) this.at.set(this.ids[i] as string, i);
      }
      const i = this.at.get(id);
      if (i !== undefined) {
        this.stamps[i] = stamp;
        return;
      }
      this.at.set(id, this.ids.length);
    }
    this.ids.push(id);
    this.stamps.push(stamp);
  }

  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.ids.length; i += 1) out[this.ids[i] as string] = this.stamps[i] as string;
    return out;
  }
}

/** sha1 over `id \0 stamp \n` of each input, in order (what `Receipt.inputs` holds). */
export function hashStamps(stamps: InputStamps): string {
  if (stamps.size === 0) return EMPTY_HASH;
  const hash = createHash('sha1');
  let piece = '';
  const { ids, stamps: values } = stamps;
  for (let i = 0; i < ids.length; i += 1) {
    piece += `${ids[i] as string}\0${values[i] as string}\n`;
    if (piece.length >= HASH_PIECE) {
      hash.update(piece);
      piece = '';
    }
  }
  if (piece.length > 0) hash.update(piece);
  return hash.digest('hex');
}

/** Which inputs differ between a receipt and now (when the receipt kept per-input stamps). */
export function changedInputs(receipt: Receipt, now: InputStamps): string[] | undefined {
  if (receipt.inputStamps === undefined) return undefined;
  const changed: string[] = [];
  for (let i = 0; i < now.ids.length; i += 1) if (receipt.inputStamps[now.ids[i] as string] !== now.stamps[i]) changed.push(now.ids[i] as string);
  const current = new Set(now.ids);
  for (const id of Object.keys(receipt.inputStamps)) if (!current.has(id)) changed.push(id);
  return changed;
}

/** The key under which `store`'s receipts record the output `description` (see ReceiptStore.root). */
export function outputKey(store: ReceiptStore, description: string): string {
  const root = store.root;
  if (root === undefined || !description.startsWith(root) || description[root.length] !== sep) return description;
  const rel = description.slice(root.length);
  return `.${sep === '/' ? rel : rel.split(sep).join('/')}`;
}
