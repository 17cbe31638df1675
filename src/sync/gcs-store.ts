/**
 * The ObjectStore over @google-cloud/storage (imported lazily, so `--help` stays fast).
 * Credentials are Application Default Credentials as Google's libraries resolve them;
 * STORAGE_EMULATOR_HOST is honoured by the library, `apiEndpoint` is the explicit form.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Storage, StorageOptions } from '@google-cloud/storage';
import { MallardError } from '../engine/errors.js';
import { ERR_SYNC_CHECKSUM, toGcsError } from './gcs-errors.js';
import { checksumError, conflictError } from './conflicts.js';
import type { BucketSettings, DownloadOptions, ObjectRef, ObjectStore, Preconditions, PutOptions, RemoteObject, UploadOptions } from './object-store.js';

export interface GcsStoreOptions {
  /** The project billed for bucket creation; GCP_PROJECT in the CLI. */
  projectId?: string;
  /** An explicit endpoint (an emulator: `http://127.0.0.1:PORT`); default: the library's. */
  apiEndpoint?: string;
}

/**
 * Listeners the storage library puts on one stream of each download: 12 (@google-cloud/storage
 * 8.4 with teeny-request 11, googleapis/google-cloud-node#9185), whatever the object's size
 * (counted here at 1-64 MB), so not a leak. Node warns past 10, which printed two
 * MaxListenersExceededWarning lines per object of a megabyte or more into `sync-artifacts --pull`.
 */
const GCS_STREAM_LISTENERS = 16;

export async function createGcsStore(opts: GcsStoreOptions = {}): Promise<ObjectStore> {
  const { Storage } = await import('@google-cloud/storage');
  // The default of every emitter that sets none: the library's streams are made inside it.
  if (EventEmitter.defaultMaxListeners < GCS_STREAM_LISTENERS) EventEmitter.defaultMaxListeners = GCS_STREAM_LISTENERS;
  const base: StorageOptions = {};
  if (opts.apiEndpoint) base.apiEndpoint = opts.apiEndpoint;
  if (opts.projectId) base.projectId = opts.projectId;
  return new GcsStore((projectId) => new Storage(projectId ? { ...base, projectId } : base));
}

type ObjectMetadata = {
  name?: string;
  size?: string | number;
  md5Hash?: string;
  crc32c?: string;
  generation?: string | number;
  metadata?: Record<string, string | number | boolean | null>;
};

function toRemote(name: string, md: ObjectMetadata): RemoteObject {
  const remote: RemoteObject = { name, size: Number(md.size ?? 0), md5: md.md5Hash, crc32c: md.crc32c };
  if (md.generation !== undefined) remote.generation = Number(md.generation);
  if (md.metadata) remote.metadata = Object.fromEntries(Object.entries(md.metadata).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]));
  return remote;
}

/** The library's precondition option for a write, when one is asked for. */
function preconditionOpts(opts: Preconditions): { preconditionOpts?: { ifGenerationMatch: number } } {
  return opts.ifGenerationMatch === undefined ? {} : { preconditionOpts: { ifGenerationMatch: opts.ifGenerationMatch } };
}

const isNotFound = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 404;

/** A read of a given generation that finds it replaced is retried this many times with the newer one. */
const READ_RACE_ATTEMPTS = 5;

class GcsStore implements ObjectStore {
  private readonly storage: Storage;

  constructor(private readonly makeStorage: (projectId?: string) => Storage) {
    this.storage = makeStorage();
  }

  async list(bucket: string, prefix: string): Promise<RemoteObject[]> {
    try {
      const [files] = await this.storage.bucket(bucket).getFiles({ prefix, autoPaginate: true });
      return files.map((f) => toRemote(f.name, f.metadata));
    } catch (err) {
      throw toGcsError(err, { bucket, action: 'list' });
    }
  }

  async upload(bucket: string, localPath: string, name: string, opts: UploadOptions): Promise<RemoteObject> {
    let md: ObjectMetadata;
    try {
      const [file] = await this.storage.bucket(bucket).upload(localPath, {
        destination: name,
        resumable: opts.resumable,
        validation: 'md5',
        metadata: { contentType: opts.contentType ?? 'application/octet-stream' },
        ...preconditionOpts(opts),
        onUploadProgress: opts.onBytes ? (ev: { bytesWritten?: number }) => opts.onBytes!(ev.bytesWritten ?? 0) : undefined,
      });
      md = file.metadata;
    } catch (err) {
      throw toGcsError(err, { bucket, object: name, action: 'upload', ifGenerationMatch: opts.ifGenerationMatch });
    }
    if (md.md5Hash !== opts.md5) {
      throw new MallardError(ERR_SYNC_CHECKSUM, `Uploaded gs://${bucket}/${name} has md5 ${md.md5Hash}, expected ${opts.md5}: ${localPath} changed while uploading?`, {
        context: { bucket, object: name, file: localPath },
        retryable: true,
      });
    }
    return toRemote(name, md);
  }

  async putBytes(bucket: string, name: string, data: Uint8Array | string, opts: PutOptions = {}): Promise<RemoteObject> {
    const file = this.storage.bucket(bucket).file(name);
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    try {
      await file.save(bytes, {
        resumable: false,
        validation: 'md5',
        metadata: { contentType: opts.contentType ?? 'application/octet-stream', ...(opts.metadata ? { metadata: opts.metadata } : {}) },
        ...preconditionOpts(opts),
      });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'FILE_NO_UPLOAD') throw checksumError(bucket, name, '(memory)', createHash('md5').update(bytes).digest('base64'), 'a different checksum');
      throw toGcsError(err, { bucket, object: name, action: 'write', ifGenerationMatch: opts.ifGenerationMatch });
    }
    return toRemote(name, file.metadata as ObjectMetadata);
  }

  async stat(bucket: string, name: string): Promise<RemoteObject | undefined> {
    try {
      const [md] = await this.storage.bucket(bucket).file(name).getMetadata();
      return toRemote(name, md as ObjectMetadata);
    } catch (err) {
      if (isNotFound(err) && !/bucket does not exist/i.test((err as Error).message)) return undefined;
      throw toGcsError(err, { bucket, object: name, action: 'read the metadata of' });
    }
  }

  /** Metadata first, then the media of exactly that generation (so the generation is the one of the bytes). */
  async getBytes(bucket: string, name: string): Promise<{ data: Buffer; object: RemoteObject } | undefined> {
    for (let attempt = 1; ; attempt++) {
      const object = await this.stat(bucket, name);
      if (object === undefined) return undefined;
      try {
        const [data] = await this.storage.bucket(bucket).file(name, { generation: object.generation }).download({ validation: 'md5' });
        return { data, object };
      } catch (err) {
        if (isNotFound(err) && attempt < READ_RACE_ATTEMPTS) continue; // replaced or deleted between the two requests
        if ((err as { code?: unknown }).code === 'CONTENT_DOWNLOAD_MISMATCH') throw checksumError(bucket, name, '(memory)', object.md5, 'a different checksum');
        throw toGcsError(err, { bucket, object: name, action: 'read' });
      }
    }
  }

  async download(bucket: string, name: string, localPath: string, opts: DownloadOptions): Promise<string> {
    const hash = createHash('md5');
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        opts.onBytes?.(chunk.length);
        done(null, chunk);
      },
    });
    try {
      const read = this.storage.bucket(bucket).file(name).createReadStream({ validation: 'md5' });
      await pipeline(read, tap, createWriteStream(localPath));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'CONTENT_DOWNLOAD_MISMATCH') throw checksumError(bucket, name, localPath, opts.md5, 'a different checksum');
      throw toGcsError(err, { bucket, object: name, action: 'download' });
    }
    const md5 = hash.digest('base64');
    if (opts.md5 !== undefined && md5 !== opts.md5) throw checksumError(bucket, name, localPath, opts.md5, md5);
    return md5;
  }

  async copy(from: ObjectRef, to: ObjectRef, opts: { onlyIfAbsent: boolean }): Promise<RemoteObject> {
    try {
      const dest = this.storage.bucket(to.bucket).file(to.name);
      const [file, response] = await this.storage
        .bucket(from.bucket)
        .file(from.name)
        .copy(dest, opts.onlyIfAbsent ? { preconditionOpts: { ifGenerationMatch: 0 } } : {});
      // The library leaves the new File's metadata empty: the rewrite response carries the object.
      return toRemote(to.name, (response as { resource?: ObjectMetadata } | undefined)?.resource ?? file.metadata);
    } catch (err) {
      if ((err as { code?: unknown }).code === 412) throw conflictError(to);
      throw toGcsError(err, { bucket: to.bucket, object: to.name, action: `copy gs://${from.bucket}/${from.name} to` });
    }
  }

  async delete(bucket: string, name: string, opts: Preconditions = {}): Promise<void> {
    try {
      const cond = opts.ifGenerationMatch === undefined ? {} : { ifGenerationMatch: opts.ifGenerationMatch };
      await this.storage.bucket(bucket).file(name).delete({ ignoreNotFound: true, ...cond });
    } catch (err) {
      throw toGcsError(err, { bucket, object: name, action: 'delete', ifGenerationMatch: opts.ifGenerationMatch });
    }
  }

  async getBucket(bucket: string): Promise<BucketSettings | undefined> {
    try {
      const [md] = await this.storage.bucket(bucket).getMetadata();
      return toSettings(bucket, md);
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return undefined;
      throw toGcsError(err, { bucket, action: 'read the settings of' });
    }
  }

  async createBucket(project: string, settings: BucketSettings): Promise<BucketSettings> {
    try {
      const [bucket] = await this.makeStorage(project).createBucket(settings.name, {
        ...(settings.location ? { location: settings.location } : {}),
        iamConfiguration: { uniformBucketLevelAccess: { enabled: settings.uniformAccess } },
        versioning: { enabled: settings.versioning },
        softDeletePolicy: { retentionDurationSeconds: settings.softDeleteSeconds },
      });
      return toSettings(settings.name, bucket.metadata);
    } catch (err) {
      throw toGcsError(err, { bucket: settings.name, action: `create (in project ${project})` });
    }
  }

  async setSoftDelete(bucket: string, seconds: number): Promise<BucketSettings> {
    try {
      const [md] = await this.storage.bucket(bucket).setMetadata({ softDeletePolicy: { retentionDurationSeconds: seconds } });
      return toSettings(bucket, md);
    } catch (err) {
      throw toGcsError(err, { bucket, action: 'set the soft-delete policy of' });
    }
  }
}

interface BucketMetadataLike {
  location?: string;
  iamConfiguration?: { uniformBucketLevelAccess?: { enabled?: boolean } };
  versioning?: { enabled?: boolean };
  softDeletePolicy?: { retentionDurationSeconds?: string | number };
}

function toSettings(name: string, md: BucketMetadataLike): BucketSettings {
  return {
    name,
    location: md.location,
    uniformAccess: md.iamConfiguration?.uniformBucketLevelAccess?.enabled === true,
    versioning: md.versioning?.enabled === true,
    softDeleteSeconds: Number(md.softDeletePolicy?.retentionDurationSeconds ?? 0),
  };
}

/** How an operation gets its store: a given one (tests, fakes) or GCS with these options. */
export interface StoreChoice {
  store?: ObjectStore;
  gcs?: GcsStoreOptions;
}

export async function storeFrom(choice: StoreChoice): Promise<ObjectStore> {
  return choice.store ?? createGcsStore(choice.gcs);
}
