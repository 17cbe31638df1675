/**
 * The search stage of a sharded run. A plan lists the requests (batches of terms) that
 * `searchTerms` plans for the terms of clean_ckan_api; a shard runs its own batches, and a
 * batch whose answer could not be proven whole is split there and then (docs/scale-out.md §1:
 * "a batch split at run time stays in the shard that ran it"). The halves are committed as they
 * finish; the split batch itself only once every half is, so a committed batch always means
 * "these terms are covered", which is what the final step checks before it runs
 * SourcegraphSearches (which splits the same way and finds every half complete).
 */
import path from 'node:path';
import { Task, type TaskContext, type Verdict, type Receipt } from '../engine/index.js';
import type { ShardCommitter } from '../shards/run-commit.js';
import { readResultSummary, splitRequest, SourcegraphRequestTask } from '../sources/sourcegraph/index.js';

/** Whether a finished request's result asks for a split (then its commit waits for the halves). */
export function splitPending(artifactsDir: string): (receipt: Receipt) => boolean {
  return (receipt) => {
    const rel = Object.keys(receipt.outputs)[0];
    if (rel === undefined || !rel.startsWith('./') || !/\bterms=(\d+)/.test(receipt.taskId)) return false;
    const terms = Number(/\bterms=(\d+)/.exec(receipt.taskId)?.[1]);
    if (terms <= 1) return false;
    try {
      return readResultSummary(path.join(artifactsDir, rel.slice(2))).split === true;
    } catch {
      return false;
    }
  };
}

/**
 * A shard's searches in one task: needs its batches, then the halves of every split one (not
 * those committed already by an earlier attempt), and releases a split batch's commit once its
 * halves are committed. Never complete beforehand: a shard step always looks.
 */
export class ShardSearchesTask extends Task<{ site: string; shard: string; plan: string }> {
  readonly family = 'ShardSearches';

  constructor(
    private readonly batches: readonly SourcegraphRequestTask[],
    private readonly committed: ReadonlySet<string>,
    private readonly committer: ShardCommitter,
    params: { site: string; shard: string; plan: string },
  ) {
    super(params);
  }

  outputs(): [] {
    return [];
  }

  override async complete(): Promise<Verdict> {
    return { complete: false, reason: 'a shard step runs its own searches' };
  }

  async run(ctx: TaskContext): Promise<void> {
    await this.cover(ctx, this.batches);
  }

  /** Runs `requests`, then recursively the halves of those that split; resolves when each is committed or failed. */
  private async cover(ctx: TaskContext, requests: readonly SourcegraphRequestTask[]): Promise<void> {
    await ctx.need([...requests]);
    await Promise.all(requests.map(async (task) => {
      await this.committer.settled([task.id]); // committed, failed, or held for its halves
      if (!this.committer.isHeld(task.id)) return;
      const halves = splitRequest(task.terms).map((terms) => new SourcegraphRequestTask(task.settings, terms));
      const todo = halves.filter((h) => !this.committed.has(h.id));
      if (todo.length > 0) await this.cover(ctx, todo);
      if (await this.committer.settled(todo.map((h) => h.id))) this.committer.release(task.id);
      else ctx.warn(`${task.id} was split, and not every half was committed: it is not committed either (rerun this shard)`);
    }));
  }
}
