/**
 * Writing a receipt journal's snapshot line (the format is in receipt-snapshot.ts): the
 * receipts' columns, repeated values stored once, as pieces to write one after the other.
 */
import { SNAPSHOT_FORMAT, type Columns } from './receipt-snapshot.js';
import type { Receipt } from './receipts.js';

/** Columns are written this many values at a time: no string of the whole line is ever made. */
const PIECE_VALUES = 8192;

/**
 * One snapshot line (no newline) holding `receipts`, as pieces to write one after the other
 * (a journal of 100,000 receipts is 16 MB of line; made whole, it and its bytes would be held
 * at once at the end of the run that made them).
 */
export function* snapshotPieces(receipts: Iterable<Receipt>): Generator<string> {
  const c: Columns = {
    receiptSnapshot: SNAPSHOT_FORMAT,
    count: 0,
    taskId: [],
    runIds: [],
    run: [],
    finishedAt: [],
    durationMs: [],
    versions: [],
    version: [],
    inputsDict: [],
    inputs: [],
    outputCount: [],
    outputKey: [],
    outputStamp: [],
    inputStamps: [],
    dynamic: [],
  };
  const runs = new Dictionary(c.runIds);
  const versions = new Dictionary(c.versions);
  const inputs = new Dictionary(c.inputsDict);
  for (const r of receipts) {
    const i = c.count;
    c.count += 1;
    c.taskId.push(r.taskId);
    c.run.push(runs.index(r.runId));
    c.finishedAt.push(r.finishedAt);
    c.durationMs.push(r.durationMs);
    c.version.push(versions.index(r.version));
    c.inputs.push(inputs.index(r.inputs));
    let n = 0;
    for (const key in r.outputs) {
      c.outputKey.push(key);
      c.outputStamp.push(r.outputs[key] as string);
      n += 1;
    }
    c.outputCount.push(n);
    if (r.inputStamps !== undefined) c.inputStamps.push([i, r.inputStamps]);
    if (r.dynamic !== undefined) c.dynamic.push([i, r.dynamic]);
  }
  let first = true;
  for (const [name, value] of Object.entries(c)) {
    yield `${first ? '{' : ','}${JSON.stringify(name)}:`;
    first = false;
    if (!Array.isArray(value)) {
      yield JSON.stringify(value);
      continue;
    }
    yield '[';
    for (let from = 0; from < value.length; from += PIECE_VALUES) {
      const piece = JSON.stringify(value.slice(from, from + PIECE_VALUES));
      yield `${from > 0 ? ',' : ''}${piece.slice(1, -1)}`;
    }
    yield ']';
  }
  yield '}';
}

class Dictionary {
  private readonly seen = new Map<string, number>();
  constructor(private readonly values: string[]) {}

  index(value: string): number {
    let i = this.seen.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.seen.set(value, i);
    }
    return i;
  }
}

