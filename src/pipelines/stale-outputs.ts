/**
 * Outputs that expire (sourcegraph.maxAge, github.maxAge): a task is complete when its receipt
 * vouches for its outputs and they are not too old. One rule for every such task.
 */
import type { CompletionCheck, Verdict } from '../engine/index.js';

/** `check.vouched()`, unless `staleReason()` says why the outputs are too old to count. */
export async function vouchedUnlessStale(check: CompletionCheck, staleReason: () => string | undefined): Promise<Verdict> {
  const verdict = await check.vouched();
  if (!verdict.complete) return verdict;
  const reason = staleReason();
  return reason === undefined ? verdict : { complete: false, reason };
}
