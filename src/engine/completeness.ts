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
import { checkFileStamp, receiptFileStamp } from './file-stamp.js';
import { changedInputs, hashStamps, MAX_EXPLAINED_INPUTS, outputKey, receiptStamp, type Receipt, type ReceiptStore } from './receipts.js';
import { FileTarget, type Target } from './target.js';
import type { CompletionCheck, Task, Verdict } from './task.js';

export type { Verdict } from './task.js';

const COMPLETE: Verdict = { complete: true };

export async function outputStamps(task: Task): Promise<Map<string, string | undefined>> {
  const stamps = new Map<string, string | undefined>();
  for (const target of task.outputs()) stamps.set(target.description, await target.stamp());
  return stamps;
}

/** What a receipt downstream records of `dep`: its receipt's stamp, or its outputs' stamps (see Task.stampedBy). */
async function inputStamp(dep: Task, receipts: ReceiptStore): Promise<string> {
  if (dep.external || dep.stampedBy === 'outputs') {
    return [...(await outputStamps(dep)).values()].map((s) => s ?? 'missing').join('|');
  }
  const receipt = receipts.get(dep.id);
  return receipt === undefined ? 'missing' : receiptStamp(receipt);
}

/**
 * The stamp of each input, by task id: what a receipt records and a later check compares.
 * Dependencies asked for at run time (`dynamicIds`) are stamped by their receipts: a later
 * check knows only their ids.
 */
export async function inputStamps(deps: readonly Task[], dynamicIds: readonly string[], receipts: ReceiptStore): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for (const dep of deps) stamps.set(dep.id, await inputStamp(dep, receipts));
  for (const id of dynamicIds) {
    const receipt = receipts.get(id);
    stamps.set(id, receipt === undefined ? 'missing' : receiptStamp(receipt));
  }
  return stamps;
}

export async function checkTask(task: Task, deps: readonly Task[], receipts: ReceiptStore, forced: boolean): Promise<Verdict> {
  const check: CompletionCheck = {
    receipt: () => receipts.get(task.id),
    vouched: () => vouchedByReceipt(task, deps, receipts),
  };
  if (forced) {
    const missing = await firstMissingOutput(task);
    return { complete: false, reason: missing ?? 'forced (--force)' };
  }
  return task.complete(check);
}

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

async function outputsNow(task: Task): Promise<OutputNow[]> {
  const now: OutputNow[] = [];
  for (const target of task.outputs()) {
    if (target instanceof FileTarget) now.push({ target, stat: statFile(target.path) });
    else now.push({ target, stamp: await target.stamp() });
  }
  return now;
}

const isMissing = (o: OutputNow): boolean => (o.target instanceof FileTarget ? o.stat === undefined : o.stamp === undefined);

/**
 * Whether every output still holds what the receipt vouches for (see file-stamp.ts): the
 * changed one's description, or the receipt's outputs with refreshed stats when a file was
 * found unchanged under a new stat (restored, copied), or undefined when all is as recorded.
 */
async function compareOutputs(receipt: Receipt, now: readonly OutputNow[], store: ReceiptStore): Promise<{ changed: string } | { refreshed: Record<string, string> | undefined }> {
  let refreshed: Record<string, string> | undefined;
  for (const o of now) {
    const description = o.target.description;
    const key = outputKey(store, description);
    const recorded = receipt.outputs[key];
    if (recorded === undefined) return { changed: description };
    if (o.target instanceof FileTarget) {
      const check = await checkFileStamp(o.target.path, o.stat as FileStat, recorded);
      if (!check.same) return { changed: description };
      if (check.refreshed !== undefined) (refreshed ??= { ...receipt.outputs })[key] = check.refreshed;
    } else if (recorded !== o.stamp) return { changed: description };
  }
  return { refreshed };
}

/** The default completeness of a task: see the file header. */
export async function vouchedByReceipt(task: Task, deps: readonly Task[], receipts: ReceiptStore): Promise<Verdict> {
  const outputs = await outputsNow(task);
  const missing = outputs.find(isMissing);
  if (missing !== undefined) return { complete: false, reason: `missing output ${missing.target.description}` };
  if (task.external) return COMPLETE;
  const receipt = receipts.get(task.id);
  if (receipt === undefined) return { complete: false, reason: 'no receipt: outputs exist but no successful run recorded them' };
  if (receipt.version !== task.version) {
    return { complete: false, reason: `task version changed (${receipt.version} -> ${task.version})` };
  }
  const compared = await compareOutputs(receipt, outputs, receipts);
  if ('changed' in compared) return { complete: false, reason: `output changed since its run: ${compared.changed}` };
  const now = await inputStamps(deps, receipt.dynamic ?? [], receipts);
  if (hashStamps(now) !== receipt.inputs) return { complete: false, reason: describeInputChange(receipt, now) };
  if (compared.refreshed !== undefined) receipts.put({ ...receipt, outputs: compared.refreshed });
  return COMPLETE;
}

function describeInputChange(receipt: Parameters<typeof changedInputs>[0], now: ReadonlyMap<string, string>): string {
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
  const outputs = new Map<string, string | undefined>();
  for (const target of task.outputs()) {
    outputs.set(target.description, target instanceof FileTarget ? await receiptFileStamp(target.path) : await target.stamp());
  }
  const missing = [...outputs].filter(([, stamp]) => stamp === undefined).map(([d]) => d);
  if (missing.length > 0) {
    throw new MallardError('ERR_OUTPUT_MISSING', `${task.id} finished without producing ${missing.join(', ')}`, {
      context: { task: task.id, missing },
      retryable: false,
    });
  }
  const inputs = await inputStamps(deps, dynamicIds, receipts);
  const finishedAt = run.finishedAt();
  const receipt: Receipt = {
    taskId: task.id,
    runId: run.runId,
    finishedAt,
    durationMs: finishedAt - run.started,
    version: task.version,
    inputs: hashStamps(inputs),
    outputs: Object.fromEntries(outputs) as Record<string, string>,
  };
  if (inputs.size > 0 && inputs.size <= MAX_EXPLAINED_INPUTS) receipt.inputStamps = Object.fromEntries(inputs);
  if (dynamicIds.length > 0) receipt.dynamic = [...new Set(dynamicIds)];
  return receipt;
}
