/** src/shards: the bucket as the shared store of sharded runs (docs/scale-out.md §2). Import only this file. */
export { formatStoreUrl, parseStoreUrl, type StoreLocation } from './location.js';
export { openShardStore, type OpenShardStoreOptions, type ShardStateStore } from './state-store.js';
export type { CommitResult, CommittedOutput, CurrentPlanPointer, LeafSpec, RemoteReceipt, ShardMarker, Stage, StagePlan } from './types.js';
export { STAGES } from './types.js';
export type { CommitMeta } from './receipts.js';
export { ERR_SHARD_RECEIPT, RECEIPT_METADATA_KEY } from './receipts.js';
export type { CommittedPlan } from './plan-file.js';
export { ERR_SHARD_PLAN, planIdOf } from './plan-file.js';
export { DEFAULT_LEASE_RENEW_MS, DEFAULT_LEASE_TTL_MS, ERR_LEASE_LOST, type Lease, type LeaseOptions, type LeaseRecord } from './lease.js';
export { ERR_SHARD_CHECKSUM, ERR_SHARD_OUTPUT, type PullTotals } from './blobs.js';
export { receiptKey, StoreLayout } from './layout.js';
