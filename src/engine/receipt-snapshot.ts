/**
 * The compacted form of a receipt journal: every receipt in one JSON line of columns (the
 * journal's first line, written when it is compacted), so opening a journal of 100,000
 * receipts is one `JSON.parse` of arrays (no object per field and line) and a receipt
 * becomes an object only when it is looked up. Repeated values (run ids, versions, input
 * hashes) are stored once. About half the bytes of the JSON-lines form.
 *
 *   {"receiptSnapshot":1,"count":N,"taskId":[...N],"runIds":[...],"run":[...N],
 *    "finishedAt":[...N],"durationMs":[...N],"versions":[...],"version":[...N],
 *    "inputsDict":[...],"inputs":[...N],"outputCount":[...N],"outputKey":[...],
 *    "outputStamp":[...],"inputStamps":[[i,{...}],...],"dynamic":[[i,[...]],...]}
 *
 * A reader that does not know it (mallard before it) skips the line, as it has no `taskId`:
 * those tasks rerun, which is always safe. A line that does not decode is ignored the same way.
 * Written by receipt-snapshot-write.ts.
 */
import { contentOf } from './file-stamp.js';
import { isOutputKey, outputKeyUnder, outputRecord, type Receipt, type ReceiptRow } from './receipts.js';

export const SNAPSHOT_FORMAT = 1;
/** Outputs of a row past which a key not at its expected place is found through an index, not a search. */
const WIDE_ROW = 16;
const MARK = '{"receiptSnapshot":';

/** The snapshot line as JSON (see the header). */
export interface Columns {
  receiptSnapshot: number;
  count: number;
  taskId: string[];
  runIds: string[];
  run: number[];
  finishedAt: number[];
  durationMs: number[];
  versions: string[];
  version: number[];
  inputsDict: string[];
  inputs: number[];
  outputCount: number[];
  outputKey: string[];
  outputStamp: string[];
  inputStamps: Array<[number, Record<string, string>]>;
  dynamic: Array<[number, string[]]>;
}

/** Is this journal line a snapshot (whether or not it decodes)? */
export function isSnapshotLine(line: string): boolean {
  return line.startsWith(MARK);
}

/** The receipts of a snapshot line, read in place (`row`) or made into objects when asked for (`get`). */
export class ReceiptSnapshot {
  /** Row by task id, made at the first lookup the guesses in `find` miss (a noop after a whole run makes none). */
  private index: Map<string, number> | undefined;
  private readonly outputStart: Uint32Array;
  /** The row after the last one found: tasks are mostly looked up in the order they ran (the order of the rows). */
  private next = 0;
  private readonly inputStamps = new Map<number, Record<string, string>>();
  private readonly dynamic = new Map<number, string[]>();
  /** The output keys of the wide row searched last (see outputAt). */
  private wide: { row: number; keys: Map<string, number> } | undefined;

  private constructor(private readonly c: Columns) {
    this.outputStart = new Uint32Array(c.count + 1);
    for (let i = 0; i < c.count; i += 1) this.outputStart[i + 1] = (this.outputStart[i] as number) + (c.outputCount[i] as number);
    for (const [i, stamps] of c.inputStamps) this.inputStamps.set(i, stamps);
    for (const [i, ids] of c.dynamic) this.dynamic.set(i, ids);
  }

  /** The snapshot in `line`, or undefined when it does not decode (then its receipts are lost: those tasks rerun). */
  static parse(line: string): ReceiptSnapshot | undefined {
    let c: Columns;
    try {
      c = JSON.parse(line) as Columns;
    } catch {
      return undefined;
    }
    return wellFormed(c) ? new ReceiptSnapshot(c) : undefined;
  }

  get size(): number {
    return this.c.count;
  }

  has(taskId: string): boolean {
    return this.rowIndex().has(taskId);
  }

  /** The receipt of `taskId` as an object, made now (a new one each call). */
  get(taskId: string): Receipt | undefined {
    const i = this.find(taskId);
    return i === undefined ? undefined : this.make(i);
  }

  /** The receipt of `taskId` read in place, from the columns: see ReceiptRow. */
  row(taskId: string): ReceiptRow | undefined {
    const i = this.find(taskId);
    return i === undefined ? undefined : new SnapshotRow(this, i);
  }

  /**
   * The row of `taskId`: the one after the last found when it is that one (one string
   * comparison, in memory order), else the last row (a run's root finishes last and is
   * checked first), else the first (rows in order once more), else from the index (a hash lookup that misses the CPU's caches at
   * 100,000 rows; the index is made when first needed: 100,000 ids cost 30-50 ms).
   */
  private find(taskId: string): number | undefined {
    const { next, c } = this;
    const last = c.count - 1;
    if (next <= last && c.taskId[next] === taskId) {
      this.next = next + 1;
      return next;
    }
    if (last >= 0 && c.taskId[last] === taskId) return last; // the cursor stays where the rows in order go on
    if (next > 0 && last >= 0 && c.taskId[0] === taskId) {
      // In order again from the first row (a wide task's inputs were stamped, now they are checked).
      this.next = 1;
      return 0;
    }
    const i = this.rowIndex().get(taskId);
    if (i !== undefined) this.next = i + 1;
    return i;
  }

  /** The index of rows by task id (the last row of an id wins, as a journal's later lines do). */
  private rowIndex(): Map<string, number> {
    if (this.index === undefined) {
      const ids = this.c.taskId;
      this.index = new Map();
      for (let i = 0; i < ids.length; i += 1) this.index.set(ids[i] as string, i);
    }
    return this.index;
  }

  /** Every receipt but those whose task id `skip` holds, as objects (for compaction). */
  *receipts(skip: ReadonlyMap<string, unknown>): Generator<Receipt> {
    const ids = this.c.taskId;
    for (let i = 0; i < ids.length; i += 1) if (!skip.has(ids[i] as string)) yield this.make(i);
  }

  versionAt(i: number): string {
    return this.c.versions[this.c.version[i] as number] as string;
  }

  inputsAt(i: number): string {
    return this.c.inputsDict[this.c.inputs[i] as number] as string;
  }

  dynamicAt(i: number): readonly string[] | undefined {
    return this.dynamic.get(i);
  }

  /**
   * The stamp of row i's output under `key`: the one at place `at` when its key is that one
   * (one comparison, the usual case), else a search of the row's outputs (most rows have one;
   * a row of more than WIDE_ROW has its keys indexed once, for the row last searched).
   */
  outputAt(i: number, key: string, at?: number): string | undefined {
    const c = this.c;
    const start = this.outputStart[i] as number;
    const end = this.outputStart[i + 1] as number;
    if (at !== undefined && at >= 0 && start + at < end && c.outputKey[start + at] === key) return c.outputStamp[start + at];
    if (end - start > WIDE_ROW) {
      const j = this.wideRowIndex(i, start, end).get(key);
      return j === undefined ? undefined : c.outputStamp[j];
    }
    for (let j = start; j < end; j += 1) {
      if (c.outputKey[j] === key) return c.outputStamp[j];
    }
    return undefined;
  }

  private wideRowIndex(i: number, start: number, end: number): Map<string, number> {
    if (this.wide?.row !== i) {
      const keys = new Map<string, number>();
      // The first of a key wins, as the search does.
      for (let j = end - 1; j >= start; j -= 1) keys.set(this.c.outputKey[j] as string, j);
      this.wide = { row: i, keys };
    }
    return this.wide.keys;
  }

  /**
   * outputAt(i, outputKey of `description` under `root`, at): the output at its place compared
   * in place (no key made: a noop's every output); anywhere else looked up by its key.
   */
  outputOfAt(i: number, description: string, root: string | undefined, at?: number): string | undefined {
    if (at !== undefined && at >= 0) {
      const j = (this.outputStart[i] as number) + at;
      if (j < (this.outputStart[i + 1] as number) && isOutputKey(this.c.outputKey[j] as string, root, description)) return this.c.outputStamp[j];
    }
    return this.outputAt(i, outputKeyUnder(root, description));
  }

  /** receiptStamp of row i, from the columns (same string: run id, then each output's content in order). */
  stampAt(i: number): string {
    const c = this.c;
    let stamp = c.runIds[c.run[i] as number] as string;
    for (let j = this.outputStart[i] as number, end = this.outputStart[i + 1] as number; j < end; j += 1) stamp += `|${contentOf(c.outputStamp[j] as string)}`;
    return stamp;
  }

  make(i: number): Receipt {
    const c = this.c;
    const outputs = outputRecord();
    for (let j = this.outputStart[i] as number, end = this.outputStart[i + 1] as number; j < end; j += 1) {
      outputs[c.outputKey[j] as string] = c.outputStamp[j] as string;
    }
    const receipt: Receipt = {
      taskId: c.taskId[i] as string,
      runId: c.runIds[c.run[i] as number] as string,
      finishedAt: c.finishedAt[i] as number,
      durationMs: c.durationMs[i] as number,
      version: c.versions[c.version[i] as number] as string,
      inputs: c.inputsDict[c.inputs[i] as number] as string,
      outputs,
    };
    const stamps = this.inputStamps.get(i);
    if (stamps !== undefined) receipt.inputStamps = stamps;
    const dynamic = this.dynamic.get(i);
    if (dynamic !== undefined) receipt.dynamic = dynamic;
    return receipt;
  }
}

class SnapshotRow implements ReceiptRow {
  constructor(private readonly s: ReceiptSnapshot, private readonly i: number) {}
  get version(): string {
    return this.s.versionAt(this.i);
  }
  get inputs(): string {
    return this.s.inputsAt(this.i);
  }
  get dynamic(): readonly string[] | undefined {
    return this.s.dynamicAt(this.i);
  }
  output(key: string, at?: number): string | undefined {
    return this.s.outputAt(this.i, key, at);
  }
  outputOf(description: string, root: string | undefined, at?: number): string | undefined {
    return this.s.outputOfAt(this.i, description, root, at);
  }
  stamp(): string {
    return this.s.stampAt(this.i);
  }
  receipt(): Receipt {
    return this.s.make(this.i);
  }
}

// Plain loops: every column of a 100,000-receipt snapshot is checked at each open.
function isStrings(xs: unknown): xs is string[] {
  if (!Array.isArray(xs)) return false;
  for (let i = 0; i < xs.length; i += 1) if (typeof xs[i] !== 'string') return false;
  return true;
}
function isIndexes(xs: unknown, n: number, below: number): xs is number[] {
  if (!Array.isArray(xs) || xs.length !== n) return false;
  for (let i = 0; i < n; i += 1) {
    const x: unknown = xs[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= below) return false;
  }
  return true;
}
function isNumbers(xs: unknown, n: number): xs is number[] {
  if (!Array.isArray(xs) || xs.length !== n) return false;
  for (let i = 0; i < n; i += 1) if (typeof xs[i] !== 'number') return false;
  return true;
}

/** Every column there, of the right length, every index in range: else the snapshot is not used. */
function wellFormed(c: Columns): boolean {
  if (c === null || typeof c !== 'object' || c.receiptSnapshot !== SNAPSHOT_FORMAT || !Number.isInteger(c.count) || c.count < 0) return false;
  const n = c.count;
  if (!isStrings(c.taskId) || c.taskId.length !== n || !isStrings(c.runIds) || !isStrings(c.versions) || !isStrings(c.inputsDict)) return false;
  if (!isIndexes(c.run, n, c.runIds.length) || !isIndexes(c.version, n, c.versions.length) || !isIndexes(c.inputs, n, c.inputsDict.length)) return false;
  if (!isNumbers(c.finishedAt, n) || !isNumbers(c.durationMs, n) || !isIndexes(c.outputCount, n, Number.MAX_SAFE_INTEGER)) return false;
  const outputs = c.outputCount.reduce((a, b) => a + b, 0);
  if (!isStrings(c.outputKey) || !isStrings(c.outputStamp) || c.outputKey.length !== outputs || c.outputStamp.length !== outputs) return false;
  const extra = (xs: unknown, ok: (v: unknown) => boolean): boolean =>
    Array.isArray(xs) && xs.every((e) => Array.isArray(e) && e.length === 2 && Number.isInteger(e[0]) && e[0] >= 0 && e[0] < n && ok(e[1]));
  return extra(c.inputStamps, (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string'))
    && extra(c.dynamic, isStrings);
}
