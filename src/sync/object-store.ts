/**
 * The small storage interface sync works against. The GCS implementation (gcs-store.ts) wraps
 * @google-cloud/storage; tests use it against the emulator, and a fake of this interface
 * (test/sync/fake-store.ts) for what the emulator lacks: buckets, soft-delete, preconditions.
 */

/** One remote object as listed. Checksums are base64, as GCS gives them. */
export interface RemoteObject {
  name: string;
  size: number;
  md5?: string;
  crc32c?: string;
}

export interface BucketSettings {
  name: string;
  location?: string;
  uniformAccess: boolean;
  versioning: boolean;
  /** Soft-delete retention in seconds (0 = off). */
  softDeleteSeconds: number;
}

export interface UploadOptions {
  /** The md5 (base64) the uploaded object must end up with; checked after the upload. */
  md5: string;
  /** Resumable upload (large files); otherwise one multipart request. */
  resumable: boolean;
  contentType?: string;
  onBytes?: (bytes: number) => void;
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
  /** Every object whose name starts with `prefix` (all pages). Throws ERR_GCS_* errors. */
  list(bucket: string, prefix: string): Promise<RemoteObject[]>;
  /** Uploads a local file, validated: the stored md5 must equal `opts.md5` (ERR_SYNC_CHECKSUM). */
  upload(bucket: string, localPath: string, name: string, opts: UploadOptions): Promise<RemoteObject>;
  /** Writes the object's bytes to `localPath` and returns their md5; ERR_SYNC_CHECKSUM on mismatch. */
  download(bucket: string, name: string, localPath: string, opts: DownloadOptions): Promise<string>;
  /** Server-side copy; with `onlyIfAbsent`, fails with ERR_SYNC_CONFLICT when the target exists. */
  copy(from: ObjectRef, to: ObjectRef, opts: { onlyIfAbsent: boolean }): Promise<RemoteObject>;
  delete(bucket: string, name: string): Promise<void>;
  /** The bucket's settings, or undefined when it does not exist. */
  getBucket(bucket: string): Promise<BucketSettings | undefined>;
  createBucket(project: string, settings: BucketSettings): Promise<BucketSettings>;
  setSoftDelete(bucket: string, seconds: number): Promise<BucketSettings>;
}
