/**
 * Is a task complete, and if not, why? Complete means: every output exists; for a task the
 * tool runs, a receipt vouches for them (same task version, outputs unchanged since, and
 * built from the inputs that are there now). External inputs need only exist.
 */
import { changedInputs, hashStamps, receiptStamp, type ReceiptStore } from './receipts.js';
import type { Task } from './task.js';

export type Verdict = { complete: true } | { complete: false; reason: string };

const COMPLETE: Verdict = { complete: true };

export async function outputStamps(task: Task): Promise<Map<string, string | undefined>> {
  const stamps = new Map<string, string | undefined>();
  for (const target of task.outputs()) stamps.set(target.description, await target.stamp());
  return stamps;
}

/** The stamp of each input, by task id: what a receipt records and a later check compares. */
export async function inputStamps(deps: readonly Task[], dynamicIds: readonly string[], receipts: ReceiptStore): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for (const dep of deps) {
    const receipt = receipts.get(dep.id);
    if (receipt !== undefined && !dep.external) stamps.set(dep.id, receiptStamp(receipt));
    else if (dep.external) stamps.set(dep.id, [...(await outputStamps(dep)).values()].map((s) => s ?? 'missing').join('|'));
    else stamps.set(dep.id, 'missing');
  }
  for (const id of dynamicIds) {
    const receipt = receipts.get(id);
    stamps.set(id, receipt === undefined ? 'missing' : receiptStamp(receipt));
  }
  return stamps;
}

export async function checkTask(task: Task, deps: readonly Task[], receipts: ReceiptStore, forced: boolean): Promise<Verdict> {
  const outputs = await outputStamps(task);
  for (const [description, stamp] of outputs) {
    if (stamp === undefined) return { complete: false, reason: `missing output ${description}` };
  }
  if (task.external) return COMPLETE;
  if (forced) return { complete: false, reason: 'forced (--force)' };
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
