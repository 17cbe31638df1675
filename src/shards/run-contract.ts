/**
 * The shared store's interface as the run steps use it (/work/plan/interface-shards.md): the
 * types of src/shards/index.ts (branch shard-store), under the names the run steps use.
 */
export type { CommitResult, CommittedOutput, LeafSpec, RemoteReceipt, ShardMarker, ShardStateStore, StagePlan, StoreLocation } from './index.js';
export type { Stage as StageName } from './index.js';
export type { Lease, LeaseOptions } from './index.js';
