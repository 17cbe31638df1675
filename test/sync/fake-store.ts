/**
 * An in-memory ObjectStore, for what the GCS emulator lacks: bucket creation and settings,
 * soft-delete policies, generations and preconditions (the emulator ignores them).
 * It behaves as GCS does for those: unknown buckets answer "does not exist", every write gives
 * the object a new, larger generation, a write or delete whose `ifGenerationMatch` does not
 * hold fails with ERR_GCS_PRECONDITION (HTTP 412 in GCS), and a copy with onlyIfAbsent onto
 * an existing object fails the precondition. One process only: tests that run several
 * processes use the faithful HTTP server, test/support/gcs-fake-server.ts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { conflictError } from '../../src/sync/conflicts.js';
import { preconditionError, toGcsError } from '../../src/sync/gcs-errors.js';
import type { BucketSettings, ObjectRef, ObjectStore, Preconditions, PutOptions, RemoteObject, UploadOptions } from '../../src/sync/object-store.js';

export interface StoredObject {
  data: Buffer;
  generation: number;
  metadata?: Record<string, string>;
}

interface Bucket {
  settings: BucketSettings;
  objects: Map<string, StoredObject>;
}

export class FakeStore implements ObjectStore {
  readonly buckets = new Map<string, Bucket>();
  readonly calls: string[] = [];
  /** Objects created by someone else between our check and our copy (to exercise preconditions). */
  readonly raceOnCopy = new Map<string, Buffer>();
  private lastGeneration = 1_700_000_000_000_000;

  addBucket(settings: Partial<BucketSettings> & { name: string }): void {
    this.buckets.set(settings.name, {
      settings: { uniformAccess: true, versioning: false, softDeleteSeconds: 604_800, ...settings },
      objects: new Map(),
    });
  }

  /** Writes an object directly (no precondition), as another client would. */
  put(bucket: string, name: string, data: string | Buffer, metadata?: Record<string, string>): RemoteObject {
    const stored = { data: Buffer.from(data), generation: this.nextGeneration(), ...(metadata ? { metadata } : {}) };
    this.bucket(bucket, 'write').objects.set(name, stored);
    return describe(name, stored);
  }

  private nextGeneration(): number {
    this.lastGeneration += 1 + Math.floor(Math.random() * 1000);
    return this.lastGeneration;
  }

  private bucket(name: string, action: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw toGcsError(Object.assign(new Error('The specified bucket does not exist.'), { code: 404 }), { bucket: name, action });
    return b;
  }

  /** Checks and writes in one synchronous step: nothing can come between them. */
  private write(bucket: string, name: string, data: Buffer, opts: PutOptions, action: string): RemoteObject {
    const b = this.bucket(bucket, action);
    const live = b.objects.get(name);
    if (opts.ifGenerationMatch !== undefined && (live?.generation ?? 0) !== opts.ifGenerationMatch) {
      throw preconditionError({ bucket, object: name, action, ifGenerationMatch: opts.ifGenerationMatch });
    }
    const stored: StoredObject = { data, generation: this.nextGeneration(), ...(opts.metadata ? { metadata: { ...opts.metadata } } : {}) };
    b.objects.set(name, stored);
    return describe(name, stored);
  }

  async list(bucket: string, prefix: string): Promise<RemoteObject[]> {
    this.calls.push(`list ${bucket} ${prefix}`);
    return [...this.bucket(bucket, 'list').objects]
      .filter(([n]) => n.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, stored]) => describe(name, stored));
  }

  async upload(bucket: string, localPath: string, name: string, opts: UploadOptions): Promise<RemoteObject> {
    this.calls.push(`upload ${bucket} ${name}`);
    return this.write(bucket, name, fs.readFileSync(localPath), { ifGenerationMatch: opts.ifGenerationMatch }, 'upload');
  }

  async putBytes(bucket: string, name: string, data: Uint8Array | string, opts: PutOptions = {}): Promise<RemoteObject> {
    this.calls.push(`put ${bucket} ${name}`);
    return this.write(bucket, name, Buffer.from(data), opts, 'write');
  }

  async getBytes(bucket: string, name: string): Promise<{ data: Buffer; object: RemoteObject } | undefined> {
    this.calls.push(`get ${bucket} ${name}`);
    const stored = this.bucket(bucket, 'read').objects.get(name);
    return stored === undefined ? undefined : { data: Buffer.from(stored.data), object: describe(name, stored) };
  }

  async stat(bucket: string, name: string): Promise<RemoteObject | undefined> {
    this.calls.push(`stat ${bucket} ${name}`);
    const stored = this.bucket(bucket, 'read the metadata of').objects.get(name);
    return stored === undefined ? undefined : describe(name, stored);
  }

  async download(bucket: string, name: string, localPath: string): Promise<string> {
    const stored = this.bucket(bucket, 'download').objects.get(name);
    if (!stored) throw toGcsError(Object.assign(new Error(`No such object: ${bucket}/${name}`), { code: 404 }), { bucket, object: name, action: 'download' });
    fs.writeFileSync(localPath, stored.data);
    return describe(name, stored).md5!;
  }

  async copy(from: ObjectRef, to: ObjectRef, opts: { onlyIfAbsent: boolean }): Promise<RemoteObject> {
    this.calls.push(`copy ${from.bucket}/${from.name} ${to.bucket}/${to.name}`);
    const source = this.bucket(from.bucket, 'copy').objects.get(from.name)!;
    const target = this.bucket(to.bucket, 'copy');
    const raced = this.raceOnCopy.get(`${to.bucket}/${to.name}`);
    if (raced) target.objects.set(to.name, { data: raced, generation: this.nextGeneration() });
    if (opts.onlyIfAbsent && target.objects.has(to.name)) throw conflictError(to); // HTTP 412 in GCS
    const stored = { data: source.data, generation: this.nextGeneration(), ...(source.metadata ? { metadata: source.metadata } : {}) };
    target.objects.set(to.name, stored);
    return describe(to.name, stored);
  }

  async delete(bucket: string, name: string, opts: Preconditions = {}): Promise<void> {
    this.calls.push(`delete ${bucket} ${name}`);
    const objects = this.bucket(bucket, 'delete').objects;
    const live = objects.get(name);
    if (live === undefined) return;
    if (opts.ifGenerationMatch !== undefined && live.generation !== opts.ifGenerationMatch) {
      throw preconditionError({ bucket, object: name, action: 'delete', ifGenerationMatch: opts.ifGenerationMatch });
    }
    objects.delete(name);
  }

  async getBucket(bucket: string): Promise<BucketSettings | undefined> {
    this.calls.push(`getBucket ${bucket}`);
    const b = this.buckets.get(bucket);
    return b ? { ...b.settings } : undefined;
  }

  async createBucket(project: string, settings: BucketSettings): Promise<BucketSettings> {
    this.calls.push(`createBucket ${project} ${settings.name}`);
    this.addBucket({ ...settings, location: settings.location ?? 'US' });
    return { ...this.buckets.get(settings.name)!.settings };
  }

  async setSoftDelete(bucket: string, seconds: number): Promise<BucketSettings> {
    this.calls.push(`setSoftDelete ${bucket} ${seconds}`);
    const b = this.bucket(bucket, 'update');
    b.settings.softDeleteSeconds = seconds;
    return { ...b.settings };
  }
}

function describe(name: string, stored: StoredObject): RemoteObject {
  return {
    name,
    size: stored.data.length,
    md5: createHash('md5').update(stored.data).digest('base64'),
    generation: stored.generation,
    ...(stored.metadata ? { metadata: { ...stored.metadata } } : {}),
  };
}
