/**
 * The ShardStateStore: the bucket as the shared state of a sharded run (docs/scale-out.md §2),
 * over any ObjectStore. Default store: src/sync's GCS store (Application Default Credentials;
 * STORAGE_EMULATOR_HOST honoured by the library, so tests point it at the fake server by env;
 * GCP_PROJECT as sync-artifacts reads it).
 */
import { systemClock, type Clock } from '../engine/clock.js';
import type { Receipt } from '../engine/receipts.js';
import { createGcsStore, type ObjectStore } from '../sync/index.js';
import { pullOutputs, type PullTotals } from './blobs.js';
import { checkSiteName, StoreLayout } from './layout.js';
import { acquireLease, type Lease, type LeaseOptions } from './lease.js';
import type { StoreLocation } from './location.js';
import { readMarkers, writeMarker } from './markers.js';
import { commitPlan, currentPlan, type CommittedPlan } from './plan-file.js';
import { commitTask, listReceipts, type CommitMeta } from './receipts.js';
import type { CommitResult, RemoteReceipt, ShardMarker, Stage, StagePlan } from './types.js';

export interface ShardStateStore {
  readonly location: StoreLocation;
  readonly site: string;
  currentPlan(stage: Stage): Promise<CommittedPlan | undefined>;
  /** Writes the plan (create-only, planId = sha256 of its bytes) and switches current.json by generation match; a lost race returns the winner's. */
  commitPlan(plan: StagePlan): Promise<CommittedPlan>;
  /** One listing (paged) of the plan's committed receipts, by task id. */
  receipts(stage: Stage, planId: string): Promise<Map<string, RemoteReceipt>>;
  /** Uploads each output (content-addressed blob, create-only; 412 = already there = success), then the receipt create-only. */
  commit(stage: Stage, planId: string, artifactsDir: string, receipt: Receipt, meta: CommitMeta): Promise<CommitResult>;
  /** Downloads the receipts' outputs into artifactsDir (atomic, sha256 checked; identical local files skipped). */
  pull(artifactsDir: string, receipts: Iterable<RemoteReceipt>): Promise<PullTotals>;
  writeMarker(stage: Stage, planId: string, marker: ShardMarker, count: number): Promise<void>;
  markers(stage: Stage, planId: string): Promise<ShardMarker[]>;
  /** The lease of the one plan/final step per site (docs/scale-out.md §2); ERR_LOCKED naming the holder. */
  acquireLease(step: string, runId: string, opts?: LeaseOptions): Promise<Lease>;
}

export interface OpenShardStoreOptions {
  objectStore?: ObjectStore;
  /** For lease times and plan switch stamps (tests: a FakeClock). */
  clock?: Clock;
  /** Parallel downloads of a pull (default: sync's concurrency). */
  concurrency?: number;
}

export async function openShardStore(loc: StoreLocation, site: string, opts: OpenShardStoreOptions = {}): Promise<ShardStateStore> {
  const store = opts.objectStore ?? (await createGcsStore(process.env.GCP_PROJECT ? { projectId: process.env.GCP_PROJECT } : {}));
  return new BucketStateStore(store, new StoreLayout(loc, checkSiteName(site)), opts.clock ?? systemClock, opts.concurrency);
}

class BucketStateStore implements ShardStateStore {
  constructor(
    private readonly store: ObjectStore,
    private readonly layout: StoreLayout,
    private readonly clock: Clock,
    private readonly concurrency: number | undefined,
  ) {}

  get location(): StoreLocation {
    return this.layout.location;
  }

  get site(): string {
    return this.layout.site;
  }

  currentPlan(stage: Stage): Promise<CommittedPlan | undefined> {
    return currentPlan(this.store, this.layout, stage);
  }

  commitPlan(plan: StagePlan): Promise<CommittedPlan> {
    return commitPlan(this.store, this.layout, plan, this.clock);
  }

  receipts(stage: Stage, planId: string): Promise<Map<string, RemoteReceipt>> {
    return listReceipts(this.store, this.layout, stage, planId);
  }

  commit(stage: Stage, planId: string, artifactsDir: string, receipt: Receipt, meta: CommitMeta): Promise<CommitResult> {
    return commitTask(this.store, this.layout, stage, planId, artifactsDir, receipt, meta);
  }

  pull(artifactsDir: string, receipts: Iterable<RemoteReceipt>): Promise<PullTotals> {
    return pullOutputs(this.store, this.layout, artifactsDir, receipts, this.concurrency);
  }

  writeMarker(stage: Stage, planId: string, marker: ShardMarker, count: number): Promise<void> {
    return writeMarker(this.store, this.layout, stage, planId, marker, count);
  }

  markers(stage: Stage, planId: string): Promise<ShardMarker[]> {
    return readMarkers(this.store, this.layout, stage, planId);
  }

  acquireLease(step: string, runId: string, opts?: LeaseOptions): Promise<Lease> {
    return acquireLease(this.store, this.layout, this.clock, step, runId, opts);
  }
}
