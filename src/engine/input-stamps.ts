/**
 * What a receipt records of a task's inputs, and what a check compares: the stamp of each
 * upstream task (its receipt's, or its outputs' for a task stamped by them), kept
 * (`inputStamps`) or only hashed as they come (`inputsHash`: nothing kept per input when no
 * id can repeat). Synchronous while every input is stamped by its receipt.
 */
import { hashStamps, InputHasher, InputStamps, NO_INPUTS_HASH, rowOf, type ReceiptStore } from './receipts.js';
import type { Task } from './task.js';

/** What a task without inputs has (shared: an InputStamps is not changed once made). */
const NO_INPUTS = new InputStamps();
export const NO_IDS: readonly string[] = Object.freeze([]);

async function outputStamps(task: Task): Promise<Map<string, string | undefined>> {
  const stamps = new Map<string, string | undefined>();
  for (const target of task.outputs()) stamps.set(target.description, await target.stamp());
  return stamps;
}

/** What a receipt downstream records of `dep`: its receipt's stamp, or its outputs' stamps (see Task.stampedBy). */
function inputStamp(dep: Task, receipts: ReceiptStore): string | Promise<string> {
  if (dep.external || dep.stampedBy === 'outputs') {
    return outputStamps(dep).then((stamps) => [...stamps.values()].map((s) => s ?? 'missing').join('|'));
  }
  return rowOf(receipts, dep.id)?.stamp() ?? 'missing';
}

/** Where input stamps go: kept (InputStamps) or only hashed (InputHasher, for distinct ids). */
interface StampSink {
  add(id: string, stamp: string, unique?: boolean): void;
}

/**
 * The stamp of each input, by task id: what a receipt records and a later check compares.
 * Dependencies asked for at run time (`dynamicIds`) are stamped by their receipts: a later
 * check knows only their ids. (`deps` are distinct, as a graph's are.) Synchronous while
 * every input is stamped by its receipt (the usual case); a promise once one must be awaited.
 */
export function inputStamps(deps: readonly Task[], dynamicIds: readonly string[], receipts: ReceiptStore): InputStamps | Promise<InputStamps> {
  if (deps.length === 0 && dynamicIds.length === 0) return NO_INPUTS;
  return collectInputs(new InputStamps(), deps, dynamicIds, receipts);
}

/** Receipt.inputs of the inputs now, hashed as they come: nothing kept per input when no id can repeat. */
export function inputsHash(deps: readonly Task[], dynamicIds: readonly string[], receipts: ReceiptStore): string | Promise<string> {
  if (dynamicIds.length > 0) {
    const stamps = inputStamps(deps, dynamicIds, receipts);
    return stamps instanceof Promise ? stamps.then(hashStamps) : hashStamps(stamps);
  }
  if (deps.length === 0) return NO_INPUTS_HASH;
  const hasher = collectInputs(new InputHasher(), deps, NO_IDS, receipts);
  return hasher instanceof Promise ? hasher.then((h) => h.digest()) : hasher.digest();
}

function collectInputs<S extends StampSink>(sink: S, deps: readonly Task[], dynamicIds: readonly string[], receipts: ReceiptStore): S | Promise<S> {
  for (let i = 0; i < deps.length; i += 1) {
    const dep = deps[i] as Task;
    const stamp = inputStamp(dep, receipts);
    if (typeof stamp !== 'string') return collectInputsFrom(sink, stamp, deps, i, dynamicIds, receipts);
    sink.add(dep.id, stamp, true);
  }
  return addDynamic(sink, dynamicIds, receipts);
}

async function collectInputsFrom<S extends StampSink>(sink: S, first: Promise<string>, deps: readonly Task[], from: number, dynamicIds: readonly string[], receipts: ReceiptStore): Promise<S> {
  sink.add((deps[from] as Task).id, await first, true);
  for (let i = from + 1; i < deps.length; i += 1) {
    const dep = deps[i] as Task;
    const stamp = inputStamp(dep, receipts);
    sink.add(dep.id, typeof stamp === 'string' ? stamp : await stamp, true);
  }
  return addDynamic(sink, dynamicIds, receipts);
}

function addDynamic<S extends StampSink>(sink: S, dynamicIds: readonly string[], receipts: ReceiptStore): S {
  for (const id of dynamicIds) sink.add(id, rowOf(receipts, id)?.stamp() ?? 'missing');
  return sink;
}

