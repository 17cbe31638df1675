/**
 * The small storage interface sync works against. The GCS implementation (gcs-store.ts) wraps
 * @google-cloud/storage; tests use it against the emulator, and a fake of this interface
 * (test/sync/fake-store.ts) for what the emulator lacks: buckets, soft-delete, preconditions,
 * and the faithful GCS server test/support/gcs-fake-server.ts (generations and preconditions
 * over HTTP, shared by several processes).
 *
 * Generations (GCS's): every write of an object gives it a new, larger `generation`; a write or
 * delete with `ifGenerationMatch: g` happens only while the live object has generation g
 * (0: only while there is none, i.e. create-only). A failed precondition (HTTP 412) is
 * ERR_GCS_PRECONDITION, never retried: the caller decides (read the winner, give up).
 */

/** One remote object as listed. Checksums are base64, as GCS gives them. */
export interface RemoteObject {
  name: string;
  size: number;
  md5?: string;
  crc32c?: string;
  /** GCS's object generation (a positive integer; it changes on every write of the name). */
  generation?: number;
  /** Custom metadata (GCS `metadata`: string values, at most 8 KiB in all), as written. */
  metadata?: Record<string, string>;
}

/** Write/delete only if the live object has this generation; 0 = only if there is no object. */
export interface Preconditions {
  ifGenerationMatch?: number;
}

export interface BucketSettings {
  name: string;
  location?: string;
  uniformAccess: boolean;
  versioning: boolean;
  /** Soft-delete retention in seconds (0 = off). */
  softDeleteSeconds: number;
}

export interface UploadOptions extends Preconditions {
  /** The md5 (base64) the uploaded object must end up with; checked after the upload. */
  md5: string;
  /** Resumable upload (large files); otherwise one multipart request. */
  resumable: boolean;
  contentType?: string;
  onBytes?: (bytes: number) => void;
}

/** A small object written from memory in one request (receipts, plans, markers, leases). */
export interface PutOptions extends Preconditions {
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface DownloadOptions {
  /** The md5 (base64) the listing gave; the downloaded bytes must match it. */
  md5?: string;
  onBytes?: (bytes: number) => void;
}

export interface ObjectRef {
  bucket: string;
  name: string;
}

export interface ObjectStore {
  /** Every object whose name starts with `prefix` (all pages, with generation and metadata). Throws ERR_GCS_* errors. */
  list(bucket: string, prefix: string): Promise<RemoteObject[]>;
  /**
   * Uploads a local file, validated: the stored md5 must equal `opts.md5` (ERR_SYNC_CHECKSUM).
   * With `ifGenerationMatch`, ERR_GCS_PRECONDITION when the live object's generation differs.
   */
  upload(bucket: string, localPath: string, name: string, opts: UploadOptions): Promise<RemoteObject>;
  /** Writes `data` as the object (one multipart request, md5 validated); preconditions as upload. */
  putBytes(bucket: string, name: string, data: Uint8Array | string, opts?: PutOptions): Promise<RemoteObject>;
  /** The object's bytes and description (generation included, of those very bytes), or undefined when absent. */
  getBytes(bucket: string, name: string): Promise<{ data: Buffer; object: RemoteObject } | undefined>;
  /** The object's description (generation, md5, metadata), or undefined when absent. */
  stat(bucket: string, name: string): Promise<RemoteObject | undefined>;
  /** Writes the object's bytes to `localPath` and returns their md5; ERR_SYNC_CHECKSUM on mismatch. */
  download(bucket: string, name: string, localPath: string, opts: DownloadOptions): Promise<string>;
  /** Server-side copy; with `onlyIfAbsent`, fails with ERR_SYNC_CONFLICT when the target exists. */
  copy(from: ObjectRef, to: ObjectRef, opts: { onlyIfAbsent: boolean }): Promise<RemoteObject>;
  /** Deletes the object (absent: nothing to do); with `ifGenerationMatch`, ERR_GCS_PRECONDITION when it differs. */
  delete(bucket: string, name: string, opts?: Preconditions): Promise<void>;
  /** The bucket's settings, or undefined when it does not exist. */
  getBucket(bucket: string): Promise<BucketSettings | undefined>;
  createBucket(project: string, settings: BucketSettings): Promise<BucketSettings>;
  setSoftDelete(bucket: string, seconds: number): Promise<BucketSettings>;
}
