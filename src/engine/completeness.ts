/**
 * Is a task complete, and if not, why? The task decides (`Task.complete`); its default is
 * `vouchedByReceipt`: every output exists and a receipt vouches for them (same task version,
 * outputs unchanged since, built from the inputs that are there now). External inputs need
 * only exist. A forced task is incomplete whatever it says.
 */
import { MallardError } from './errors.js';
import { changedInputs, hashStamps, MAX_EXPLAINED_INPUTS, receiptStamp, type Receipt, type ReceiptStore } from './receipts.js';
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
  for (const [description, stamp] of await outputStamps(task)) if (stamp === undefined) return `missing output ${description}`;
  return undefined;
}

/** The default completeness of a task: see the file header. */
export async function vouchedByReceipt(task: Task, deps: readonly Task[], receipts: ReceiptStore): Promise<Verdict> {
  const outputs = await outputStamps(task);
  for (const [description, stamp] of outputs) {
    if (stamp === undefined) return { complete: false, reason: `missing output ${description}` };
  }
  if (task.external) return COMPLETE;
  const receipt = receipts.get(task.id);
  if (receipt === undefined) return { complete: false, reason: 'no receipt: outputs exist but no successful run recorded them' };
  if (receipt.version !== task.version) {
    return { complete: false, reason: `task version changed (${receipt.version} -> ${task.version})` };
  }
  for (const [description, stamp] of outputs) {
    if (receipt.outputs[description] !== stamp) return { complete: false, reason: `output changed since its run: ${description}` };
  }
  const now = await inputStamps(deps, receipt.dynamic ?? [], receipts);
  if (hashStamps(now) !== receipt.inputs) return { complete: false, reason: describeInputChange(receipt, now) };
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
  const outputs = await outputStamps(task);
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
