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

/**
 * A stored receipt as a completeness check reads it, in place: a journal's snapshot answers
 * from its columns with no Receipt made (receipt-snapshot.ts), any other receipt through
 * `PlainRow`. Made per lookup and dropped at once: a noop of 100,000 tasks makes no receipt
 * object that outlives its check.
 */
export interface ReceiptRow {
  readonly version: string;
  /** Receipt.inputs: the hash over its inputs' stamps. */
  readonly inputs: string;
  readonly dynamic: readonly string[] | undefined;
  /**
   * The stamp recorded for the output under `key` (see outputKey), undefined if none. `at`: the
   * output's place in the task's outputs() (a receipt records them in that order), tried first:
   * a task of 25,000 outputs checked one by one is then not 25,000 searches of its row.
   */
  output(key: string, at?: number): string | undefined;
  /** The same for the output `description` of a store with this `root`: `output(outputKey(store, description), at)`, with no key made where it can. */
  outputOf(description: string, root: string | undefined, at?: number): string | undefined;
  /** What a downstream receipt records of it (receiptStamp). */
  stamp(): string;
  /** The receipt as an object (made now, for a snapshot row). */
  receipt(): Receipt;
}

export class PlainRow implements ReceiptRow {
  constructor(private readonly r: Receipt) {}
  get version(): string {
    return this.r.version;
  }
  get inputs(): string {
    return this.r.inputs;
  }
  get dynamic(): readonly string[] | undefined {
    return this.r.dynamic;
  }
  output(key: string, _at?: number): string | undefined {
    return this.r.outputs[key];
  }
  outputOf(description: string, root: string | undefined, _at?: number): string | undefined {
    return this.r.outputs[outputKeyUnder(root, description)];
  }
  stamp(): string {
    return receiptStamp(this.r);
  }
  receipt(): Receipt {
    return this.r;
  }
}

export interface ReceiptStore {
  /**
   * The artifacts directory when the store keeps outputs under it as `./<relative path>`
   * (so receipts survive a move); `outputKey` gives the key of an output's description.
   */
  readonly root?: string;
  get(taskId: string): Receipt | undefined;
  /** The receipt of `taskId` read in place (optional: else `get`'s, through PlainRow). */
  row?(taskId: string): ReceiptRow | undefined;
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

/** The receipt of `taskId` in `store`, read in place where the store can (see ReceiptRow). */
export function rowOf(store: ReceiptStore, taskId: string): ReceiptRow | undefined {
  if (store.row !== undefined) return store.row(taskId);
  const receipt = store.get(taskId);
  return receipt === undefined ? undefined : new PlainRow(receipt);
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

/** Receipt.inputs of a task without inputs. */
export const NO_INPUTS_HASH = createHash('sha1').digest('hex');
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

/**
 * sha1 over `id \0 stamp \n` of each input, in order (what `Receipt.inputs` holds), fed one
 * input at a time: a check of distinct inputs hashes them without keeping their stamps.
 */
export class InputHasher {
  private hash: ReturnType<typeof createHash> | undefined;
  private piece = '';

  add(id: string, stamp: string): void {
    this.piece += `${id}\0${stamp}\n`;
    if (this.piece.length >= HASH_PIECE) {
      (this.hash ??= createHash('sha1')).update(this.piece);
      this.piece = '';
    }
  }

  digest(): string {
    if (this.hash === undefined && this.piece.length === 0) return NO_INPUTS_HASH;
    const hash = this.hash ?? createHash('sha1');
    if (this.piece.length > 0) hash.update(this.piece);
    return hash.digest('hex');
  }
}

export function hashStamps(stamps: InputStamps): string {
  const hasher = new InputHasher();
  const { ids, stamps: values } = stamps;
  for (let i = 0; i < ids.length; i += 1) hasher.add(ids[i] as string, values[i] as string);
  return hasher.digest();
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

/**
 * A new, empty `Receipt.outputs`: a dictionary-mode (null-prototype) object. Receipts of
 * 100,000 tasks with distinct output names as plain objects would each get a hidden class of
 * their own (a transition from the empty object's, made and kept per receipt), and every
 * lookup would miss V8's caches. Same keys, JSON and spread as a plain object.
 */
export function outputRecord(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** The key under which `store`'s receipts record the output `description` (see ReceiptStore.root). */
export function outputKey(store: ReceiptStore, description: string): string {
  return outputKeyUnder(store.root, description);
}

export function outputKeyUnder(root: string | undefined, description: string): string {
  if (root === undefined || !description.startsWith(root) || description[root.length] !== sep) return description;
  const rel = description.slice(root.length);
  return `.${sep === '/' ? rel : rel.split(sep).join('/')}`;
}

/**
 * Is `key` what outputKeyUnder(root, description) gives? Compared in place, character by
 * character (a check of 100,000 outputs would otherwise make 100,000 keys to compare).
 */
export function isOutputKey(key: string, root: string | undefined, description: string): boolean {
  if (root === undefined || sep !== '/' || !description.startsWith(root) || description.charCodeAt(root.length) !== 47) return key === outputKeyUnder(root, description);
  // key = "." + description.slice(root.length)
  const from = root.length - 1;
  if (key.length !== description.length - from || key.charCodeAt(0) !== 46) return false;
  for (let k = key.length - 1; k > 0; k -= 1) if (key.charCodeAt(k) !== description.charCodeAt(from + k)) return false;
  return true;
}
