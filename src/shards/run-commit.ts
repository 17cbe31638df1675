/**
 * A shard step's commits (docs/scale-out.md §2, the commit protocol): listens to the run's
 * events, and as each task it owns finishes, reads that task's receipt from the local journal
 * (the engine appends it before the task_done event, in batches of at most 50 ms) and commits
 * it to the store: outputs as blobs, then the create-only receipt. A lost race (412) means
 * another worker committed the task first: counted, not an error. Once the run has ended,
 * `finish()` commits what remains (tasks complete locally but never committed: a shard killed
 * between the two, rerun in the same directory) and returns the counts for the marker.
 */
import os from 'node:os';
import { errorMessage, type EngineEvent, type Receipt } from '../engine/index.js';
import type { ShardStateStore, StageName } from './run-contract.js';
import { JournalFollower, journalReceipts } from './run-journal.js';

export interface CommitterOptions {
  store: ShardStateStore;
  stage: StageName;
  planId: string;
  artifactsDir: string;
  journal: string;
  /** `i/N`, or `plan` for the plan step's own leaf work (CKAN's first page). */
  shard: string;
  /** The tasks to commit (the shard's own leaves not committed yet). */
  wanted: ReadonlySet<string>;
  /** Tasks found at run time that are committed too (a search split in the shard that ran it): by family. */
  alsoFamilies?: ReadonlySet<string>;
  /**
   * A finished task whose commit must wait (a search that was split: committed only once the
   * halves it stands for are), until `release(id)`.
   */
  hold?: (receipt: Receipt) => boolean;
  /** Commits in flight at once (default 8). */
  concurrency?: number;
  /** Told about each commit lost to another worker, and each commit that failed. */
  notice?: (message: string) => void;
}

export interface CommitCounts {
  committed: number;
  committedByOthers: number;
  failed: number;
  errors: string[];
}

export class ShardCommitter {
  private readonly follower: JournalFollower;
  private readonly done = new Set<string>();
  private readonly pendingIds = new Set<string>();
  private readonly queue: Receipt[] = [];
  private readonly started = new Set<string>();
  private readonly failedIds = new Set<string>();
  private readonly held = new Map<string, Receipt>();
  private settledWaiters: Array<() => void> = [];
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private runId = '';
  readonly counts: CommitCounts = { committed: 0, committedByOthers: 0, failed: 0, errors: [] };
  readonly host = os.hostname();

  constructor(private readonly options: CommitterOptions) {
    this.follower = new JournalFollower(options.journal);
    this.follower.skipExisting();
  }

  private accepts(taskId: string, family: string): boolean {
    return this.options.wanted.has(taskId) || this.options.alsoFamilies?.has(family) === true;
  }

  /** The run's event listener. */
  onEvent = (event: EngineEvent): void => {
    if (event.type === 'run_started') this.runId = event.runId;
    if (event.type === 'task_done' && this.accepts(event.id, event.family)) {
      this.pendingIds.add(event.id);
      this.drainSoon(0);
    }
    // A task that failed has nothing to commit: whoever waits for it stops waiting.
    if (event.type === 'task_failed' || event.type === 'task_skipped') {
      this.failedIds.add(event.id);
      this.wakeSettled();
    }
  };

  /** The run id commits are made under (the session's, once it started). */
  get run(): string {
    return this.runId;
  }

  private drainSoon(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, delayMs);
  }

  private drain(): void {
    for (const receipt of this.follower.read()) this.offer(receipt);
    // The journal writes a burst of quick tasks within 50 ms: look again until they are there.
    if (this.pendingIds.size > 0) this.drainSoon(60);
  }

  private offer(receipt: Receipt, family?: string): void {
    const fam = family ?? receipt.taskId.slice(0, receipt.taskId.indexOf('('));
    if (!this.accepts(receipt.taskId, fam) || this.started.has(receipt.taskId) || this.done.has(receipt.taskId)) return;
    this.pendingIds.delete(receipt.taskId);
    this.started.add(receipt.taskId);
    if (this.options.hold?.(receipt) === true) {
      this.held.set(receipt.taskId, receipt);
      this.wakeSettled();
      return;
    }
    this.queue.push(receipt);
    this.pump();
  }

  /** Commits a held task now. */
  release(taskId: string): void {
    const receipt = this.held.get(taskId);
    if (receipt === undefined) return;
    this.held.delete(taskId);
    this.queue.push(receipt);
    this.pump();
  }

  /** Whether a task is held (finished, its commit waiting for release). */
  isHeld(taskId: string): boolean {
    return this.held.has(taskId);
  }

  /**
   * Resolves once each of `ids` is committed (by us or another worker), failed to commit, or
   * held: true when all of them are committed.
   */
  async settled(ids: readonly string[]): Promise<boolean> {
    const open = (): boolean => ids.some((id) => !this.done.has(id) && !this.failedIds.has(id) && !this.held.has(id));
    // Tasks the run found complete locally (no task_done): their receipts are in the journal already.
    const unseen = (): string[] => ids.filter((id) => !this.started.has(id) && !this.pendingIds.has(id) && !this.done.has(id) && !this.failedIds.has(id));
    if (unseen().length > 0) for (const receipt of this.follower.read()) this.offer(receipt);
    if (unseen().length > 0) {
      const journal = journalReceipts(this.options.journal);
      for (const id of unseen()) {
        const receipt = journal.get(id);
        if (receipt === undefined) this.failedIds.add(id);
        else this.offer(receipt);
      }
    }
    while (open()) {
      this.drainSoon(0);
      await new Promise<void>((resolve) => this.settledWaiters.push(resolve));
    }
    return ids.every((id) => this.done.has(id));
  }

  private wakeSettled(): void {
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 8;
    while (this.inFlight < limit && this.queue.length > 0) {
      const receipt = this.queue.shift() as Receipt;
      this.inFlight += 1;
      void this.commitOne(receipt).finally(() => {
        this.inFlight -= 1;
        this.wakeSettled();
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async commitOne(receipt: Receipt): Promise<void> {
    const { store, stage, planId, artifactsDir, shard } = this.options;
    try {
      const result = await store.commit(stage, planId, artifactsDir, receipt, { shard, runId: this.runId || receipt.runId, host: this.host });
      if (result.committed) this.counts.committed += 1;
      else {
        this.counts.committedByOthers += 1;
        this.options.notice?.(`${receipt.taskId}: committed by ${result.by.runId} on ${result.by.host}`);
      }
      this.done.add(receipt.taskId);
    } catch (err) {
      this.counts.failed += 1;
      this.failedIds.add(receipt.taskId);
      const message = `${receipt.taskId}: not committed: ${errorMessage(err)}`;
      this.counts.errors.push(message);
      this.options.notice?.(message);
    }
  }

  private whenIdle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * After the run (its journal closed): commits every wanted task the journal vouches for
   * that is not committed yet, waits for all commits, and returns the counts.
   */
  async finish(): Promise<CommitCounts> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const receipt of this.follower.read()) this.offer(receipt);
    await this.whenIdle();
    for (const [id, receipt] of journalReceipts(this.options.journal)) {
      if (this.options.wanted.has(id) && !this.done.has(id) && !this.started.has(id)) this.offer(receipt);
    }
    await this.whenIdle();
    return this.counts;
  }
}
