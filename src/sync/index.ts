/** src/sync: GCS push / pull / promote / create-bucket over @google-cloud/storage. */
export { syncArtifacts, DEFAULT_CONCURRENCY, RESUMABLE_THRESHOLD } from './push.js';
export type { SyncOptions, SyncResult, PlannedUpload } from './push.js';
export { pullArtifacts, READ_ONLY_MODE } from './pull.js';
export type { PullOptions, PullResult } from './pull.js';
export { promoteArtifacts } from './promote.js';
export type { PromoteOptions, PromoteResult, PromotedArtifact } from './promote.js';
export { createBucket, DEFAULT_SOFT_DELETE_DAYS } from './create-bucket.js';
export type { CreateBucketOptions, CreateBucketResult } from './create-bucket.js';
export { createGcsStore, storeFrom } from './gcs-store.js';
export type { GcsStoreOptions, StoreChoice } from './gcs-store.js';
export type { ObjectStore, RemoteObject, BucketSettings, ObjectRef, UploadOptions, DownloadOptions, Preconditions, PutOptions } from './object-store.js';
export { ERR_GCS_BAD_JSON, parseJsonObject, putJson, readJson } from './json-objects.js';
export { mapPool, runPool, type Settled } from './pool.js';
export type { SyncProgress, ProgressListener } from './progress.js';
export { gcsTargetFrom, requireBucket, requireProject } from './config.js';
export type { GcsTarget } from './config.js';
export { parseLocation, formatLocation, normalizePrefix } from './location.js';
export { bucketNameProblem, checkBucketName, checkPrefix, prefixProblem } from './names.js';
export type { RemoteLocation } from './location.js';
export { FILE_HASH_CACHE } from '../engine/file-hash.js';
export {
  ERR_GCS,
  ERR_GCS_BUCKET_MISSING,
  ERR_GCS_CREDENTIALS,
  ERR_GCS_PERMISSION,
  ERR_GCS_PRECONDITION,
  isPreconditionError,
  ERR_SYNC_CHECKSUM,
  ERR_SYNC_CONFLICT,
  toGcsError,
} from './gcs-errors.js';
export { ERR_SYNC_FAILED } from './failures.js';
