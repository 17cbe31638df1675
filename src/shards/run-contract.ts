/**
 * The shared store's interface as the run steps use it (/work/plan/interface-shards.md).
 * Until shard-store's src/shards/index.ts is merged, the types are declared here exactly as
 * agreed; after the merge this file only re-exports them.
 */
import type { Receipt } from '../engine/index.js';

export type StageName = 'ckan' | 'search' | 'github';

export interface StoreLocation {
  bucket: string;
  prefix: string;
}

export interface LeafSpec {
  id: string;
  family: string;
  params: Record<string, unknown>;
}

export interface StagePlan {
  stage: StageName;
  site: string;
  leaves: LeafSpec[];
  data?: unknown;
  createdAt: string;
  runId: string;
}

export interface CommittedOutput {
  path: string;
  size: number;
  sha256: string;
}

export interface RemoteReceipt {
  taskId: string;
  version: string;
  planId: string;
  shard: string;
  host: string;
  runId: string;
  finishedAt: number;
  receipt: Receipt;
  outputs: CommittedOutput[];
}

export type CommitResult = { committed: true } | { committed: false; by: RemoteReceipt };

export interface ShardMarker {
  state: 'started' | 'finished';
  shard: string;
  runId: string;
  host: string;
  startedAt: string;
  finishedAt?: string;
  done?: number;
  failed?: number;
  committedByOthers?: number;
}

export interface ShardStateStore {
  readonly location: StoreLocation;
  readonly site: string;
  currentPlan(stage: StageName): Promise<{ planId: string; plan: StagePlan } | undefined>;
  commitPlan(plan: StagePlan): Promise<{ planId: string; plan: StagePlan }>;
  receipts(stage: StageName, planId: string): Promise<Map<string, RemoteReceipt>>;
  commit(stage: StageName, planId: string, artifactsDir: string, receipt: Receipt, meta: { shard: string; runId: string; host?: string }): Promise<CommitResult>;
  pull(artifactsDir: string, receipts: Iterable<RemoteReceipt>): Promise<{ downloaded: number; skipped: number; bytes: number }>;
  writeMarker(stage: StageName, planId: string, marker: ShardMarker, count: number): Promise<void>;
  markers(stage: StageName, planId: string): Promise<ShardMarker[]>;
  acquireLease(step: string, runId: string, opts?: { ttlMs?: number; renewMs?: number }): Promise<{ release(): Promise<void> }>;
}
