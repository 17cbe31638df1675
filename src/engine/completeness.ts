/**
 * Is a task complete, and if not, why? The task decides (`Task.complete`); its default is
 * `vouchedByReceipt`: every output exists and a receipt vouches for them (same task version,
 * outputs unchanged since, built from the inputs that are there now). External inputs need
 * only exist. A forced task is incomplete whatever it says. A file output costs one stat
 * while it is as its receipt recorded; a file with a new stat but the recorded size is
 * hashed once (file-stamp.ts) and, when unchanged, its receipt takes the new stat.
 */
import { MallardError } from './errors.js';
import { statFile, type FileStat } from './file-hash.js';
import { checkFileStamp, receiptFileStamp, statMatchesStamp } from './file-stamp.js';
import { inputsHash, inputStamps, NO_IDS } from './input-stamps.js';
import { changedInputs, hashStamps, MAX_EXPLAINED_INPUTS, outputKey, outputRecord, rowOf, type InputStamps, type Receipt, type ReceiptRow, type ReceiptStore } from './receipts.js';
import { FileTarget, type Target } from './target.js';
import { Task, type CompletionCheck, type Verdict } from './task.js';

export type { Verdict } from './task.js';

const COMPLETE: Verdict = { complete: true };
/**
 * The task's verdict: `complete(check)` unless forced. A task that keeps the default
 * `complete` is checked by `vouchedByReceipt` directly, synchronously in the usual case (no
 * promise per task: a noop of 100,000 tasks is mostly this).
 */
export function checkTask(task: Task, deps: readonly Task[], receipts: ReceiptStore, forced: boolean): Verdict | Promise<Verdict> {
  if (forced) {
    return firstMissingOutput(task).then((missing) => ({ complete: false, reason: missing ?? 'forced (--force)' }));
  }
  if (task.complete === DEFAULT_COMPLETE) return vouchedByReceipt(task, deps, receipts);
  const check: CompletionCheck = {
    receipt: () => receipts.get(task.id),
    vouched: async () => vouchedByReceipt(task, deps, receipts),
  };
  return task.complete(check);
}

const DEFAULT_COMPLETE = Task.prototype.complete;

async function firstMissingOutput(task: Task): Promise<string | undefined> {
  const missing = (await outputsNow(task)).find(isMissing);
  return missing === undefined ? undefined : `missing output ${missing.target.description}`;
}

/** An output as it is now: one stat for a file, the target's stamp otherwise; undefined values mean missing. */
interface OutputNow {
  target: Target;
  stat?: FileStat | undefined;
  stamp?: string | undefined;
}

/** Every output now; synchronous while they are files (a stat each), a promise once a target's stamp must be awaited. */
function outputsNow(task: Task): OutputNow[] | Promise<OutputNow[]> {
  const targets = task.outputs();
  const now: OutputNow[] = [];
  for (let i = 0; i < targets.length; i += 1) {
    const target = targets[i] as Target;
    if (!(target instanceof FileTarget)) return outputsNowFrom(now, targets, i);
    now.push({ target, stat: statFile(target.path) });
  }
  return now;
}

async function outputsNowFrom(now: OutputNow[], targets: readonly Target[], from: number): Promise<OutputNow[]> {
  for (const target of targets.slice(from)) {
    if (target instanceof FileTarget) now.push({ target, stat: statFile(target.path) });
    else now.push({ target, stamp: await target.stamp() });
  }
  return now;
}

const isMissing = (o: OutputNow): boolean => (o.target instanceof FileTarget ? o.stat === undefined : o.stamp === undefined);

type Compared = { changed: string } | { refreshed: Record<string, string> | undefined };
const UNCHANGED: Compared = { refreshed: undefined };

/**
 * Whether every output still holds what the receipt vouches for (see file-stamp.ts): the
 * changed one's description, or the receipt's outputs with refreshed stats when a file was
 * found unchanged under a new stat (restored, copied), or undefined when all is as recorded.
 * The usual case (every stat as recorded) reads nothing and awaits nothing.
 */
function compareOutputs(receipt: ReceiptRow, now: readonly OutputNow[], store: ReceiptStore): Compared | Promise<Compared> {
  for (let i = 0; i < now.length; i += 1) {
    const o = now[i] as OutputNow;
    const recorded = receipt.outputOf(o.target.description, store.root, i);
    if (recorded === undefined) return { changed: o.target.description };
    if (o.target instanceof FileTarget ? !statMatchesStamp(o.stat as FileStat, recorded) : recorded !== o.stamp) return compareOutputsFrom(receipt, now, store, i);
  }
  return UNCHANGED;
}

/** compareOutputs from output `from` on, where a stat differs from the recorded one: hashing a file of the recorded size. */
async function compareOutputsFrom(receipt: ReceiptRow, now: readonly OutputNow[], store: ReceiptStore, from: number): Promise<Compared> {
  let refreshed: Record<string, string> | undefined;
  for (let i = from; i < now.length; i += 1) {
    const o = now[i] as OutputNow;
    const description = o.target.description;
    const key = outputKey(store, description);
    const recorded = receipt.output(key, i);
    if (recorded === undefined) return { changed: description };
    if (o.target instanceof FileTarget) {
      const check = await checkFileStamp(o.target.path, o.stat as FileStat, recorded);
      if (!check.same) return { changed: description };
      if (check.refreshed !== undefined) (refreshed ??= { ...receipt.receipt().outputs })[key] = check.refreshed;
    } else if (recorded !== o.stamp) return { changed: description };
  }
  return { refreshed };
}

/**
 * The default completeness of a task: see the file header. Synchronous in the usual case
 * (file outputs as recorded, inputs stamped by receipts); each step that must wait (a
 * target's stamp, a file to hash, an input stamped by its outputs) goes on as a promise.
 */
export function vouchedByReceipt(task: Task, deps: readonly Task[], receipts: ReceiptStore): Verdict | Promise<Verdict> {
  const outputs = outputsNow(task);
  return outputs instanceof Promise ? outputs.then((o) => vouchedOutputs(task, deps, receipts, o)) : vouchedOutputs(task, deps, receipts, outputs);
}

function vouchedOutputs(task: Task, deps: readonly Task[], receipts: ReceiptStore, outputs: readonly OutputNow[]): Verdict | Promise<Verdict> {
  const missing = outputs.find(isMissing);
  if (missing !== undefined) return { complete: false, reason: `missing output ${missing.target.description}` };
  if (task.external) return COMPLETE;
  const receipt = rowOf(receipts, task.id);
  if (receipt === undefined) return { complete: false, reason: 'no receipt: outputs exist but no successful run recorded them' };
  if (receipt.version !== task.version) {
    return { complete: false, reason: `task version changed (${receipt.version} -> ${task.version})` };
  }
  const compared = compareOutputs(receipt, outputs, receipts);
  return compared instanceof Promise ? compared.then((c) => vouchedInputs(deps, receipts, receipt, c)) : vouchedInputs(deps, receipts, receipt, compared);
}

function vouchedInputs(deps: readonly Task[], receipts: ReceiptStore, receipt: ReceiptRow, compared: Compared): Verdict | Promise<Verdict> {
  if ('changed' in compared) return { complete: false, reason: `output changed since its run: ${compared.changed}` };
  const dynamic = receipt.dynamic ?? NO_IDS;
  const now = inputsHash(deps, dynamic, receipts);
  return now instanceof Promise ? now.then((n) => vouchedGiven(deps, dynamic, receipts, receipt, compared, n)) : vouchedGiven(deps, dynamic, receipts, receipt, compared, now);
}

function vouchedGiven(deps: readonly Task[], dynamic: readonly string[], receipts: ReceiptStore, receipt: ReceiptRow, compared: { refreshed: Record<string, string> | undefined }, hash: string): Verdict | Promise<Verdict> {
  if (hash !== receipt.inputs) {
    // Changed: the stamps again, kept this time, to say which inputs changed.
    const now = inputStamps(deps, dynamic, receipts);
    const changed = (n: InputStamps): Verdict => ({ complete: false, reason: describeInputChange(receipt.receipt(), n) });
    return now instanceof Promise ? now.then(changed) : changed(now);
  }
  if (compared.refreshed !== undefined) receipts.put({ ...receipt.receipt(), outputs: compared.refreshed });
  return COMPLETE;
}

function describeInputChange(receipt: Receipt, now: InputStamps): string {
  const changed = changedInputs(receipt, now);
  if (changed === undefined || changed.length === 0) return `inputs changed since its run (${now.size} inputs)`;
  const shown = changed.slice(0, 3).join(', ');
  return `inputs changed since its run: ${shown}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}`;
}

/**
 * The receipt of a successful run of `task`: its outputs' stamps (ERR_OUTPUT_MISSING if one
 * is missing: a run that did not produce its outputs is a failure) and its inputs' stamps.
 */
export async function receiptOfRun(
  task: Task,
  deps: readonly Task[],
  dynamicIds: readonly string[],
  receipts: ReceiptStore,
  run: { runId: string; started: number; finishedAt: () => number },
): Promise<Receipt> {
  const outputs = outputRecord();
  const missing: string[] = [];
  const before = rowOf(receipts, task.id);
  const targets = task.outputs();
  for (let i = 0; i < targets.length; i += 1) {
    const target = targets[i] as Target;
    const stamp = target instanceof FileTarget ? await receiptFileStamp(target.path, before?.output(outputKey(receipts, target.description), i), receipts.root) : await target.stamp();
    if (stamp === undefined) missing.push(target.description);
    else outputs[target.description] = stamp;
  }
  if (missing.length > 0) {
    throw new MallardError('ERR_OUTPUT_MISSING', `${task.id} finished without producing ${missing.join(', ')}`, {
      context: { task: task.id, missing },
      retryable: false,
    });
  }
  // Per-input stamps are kept only where the receipt records them; otherwise only hashed.
  const explained = dynamicIds.length > 0 || deps.length <= MAX_EXPLAINED_INPUTS;
  const inputs = explained ? await inputStamps(deps, dynamicIds, receipts) : undefined;
  const inputsHashed = inputs === undefined ? await inputsHash(deps, NO_IDS, receipts) : hashStamps(inputs);
  const finishedAt = run.finishedAt();
  const receipt: Receipt = {
    taskId: task.id,
    runId: run.runId,
    finishedAt,
    durationMs: finishedAt - run.started,
    version: task.version,
    inputs: inputsHashed,
    outputs,
  };
  if (inputs !== undefined && inputs.size > 0 && inputs.size <= MAX_EXPLAINED_INPUTS) receipt.inputStamps = inputs.toRecord();
  if (dynamicIds.length > 0) receipt.dynamic = [...new Set(dynamicIds)];
  return receipt;
}
