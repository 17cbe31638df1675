/** The records of the shared store of sharded runs (docs/scale-out.md §2), as the interface with shard-run fixes them. */
import type { Receipt } from '../engine/index.js';

export type Stage = 'ckan' | 'search' | 'github';
export const STAGES: readonly Stage[] = ['ckan', 'search', 'github'];

export interface LeafSpec {
  id: string;
  family: string;
  params: Record<string, unknown>;
}

export interface StagePlan {
  stage: Stage;
  site: string;
  /** Every leaf task of the stage, in a stable order. */
  leaves: LeafSpec[];
  /** Stage-specific (CKAN: query, effectiveRows; search: batches). */
  data?: unknown;
  createdAt: string;
  runId: string;
}

/** One output of a committed task: its path ('./relative' to the artifacts directory) and content. */
export interface CommittedOutput {
  path: string;
  size: number;
  sha256: string;
}

/** The receipt object `state/<site>/<stage>/<planId>/receipts/<key>.json`: the commit of one leaf task. */
export interface RemoteReceipt {
  taskId: string;
  version: string;
  planId: string;
  /** `i/N` of the shard that committed it. */
  shard: string;
  host: string;
  runId: string;
  finishedAt: number;
  /** The engine's local receipt (outputs relative to the artifacts directory). */
  receipt: Receipt;
  outputs: CommittedOutput[];
}

export type CommitResult = { committed: true } | { committed: false; by: RemoteReceipt };

export interface ShardMarker {
  state: 'started' | 'finished';
  /** `i/N`. */
  shard: string;
  runId: string;
  host: string;
  startedAt: string;
  finishedAt?: string;
  done?: number;
  failed?: number;
  committedByOthers?: number;
}

/** `state/<site>/<stage>/current.json`: which plan is current. */
export interface CurrentPlanPointer {
  planId: string;
  createdAt: string;
  runId: string;
  /** When this pointer was switched (the plan step's clock). */
  switchedAt: string;
}
