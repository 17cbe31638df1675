/**
 * An in-memory ObjectStore, for what the GCS emulator lacks: bucket creation and settings,
 * soft-delete policies, and "only if absent" preconditions (the emulator ignores them).
 * It behaves as GCS does for those: unknown buckets answer "does not exist", and a copy
 * with onlyIfAbsent onto an existing object fails the precondition.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { conflictError } from '../../src/sync/conflicts.js';
import { toGcsError } from '../../src/sync/gcs-errors.js';
import type { BucketSettings, ObjectRef, ObjectStore, RemoteObject, UploadOptions } from '../../src/sync/object-store.js';

interface Bucket {
  settings: BucketSettings;
  objects: Map<string, Buffer>;
}

export class FakeStore implements ObjectStore {
  readonly buckets = new Map<string, Bucket>();
  readonly calls: string[] = [];
  /** Objects created by someone else between our check and our copy (to exercise preconditions). */
  readonly raceOnCopy = new Map<string, Buffer>();

  addBucket(settings: Partial<BucketSettings> & { name: string }): void {
    this.buckets.set(settings.name, {
      settings: { uniformAccess: true, versioning: false, softDeleteSeconds: 604_800, ...settings },
      objects: new Map(),
    });
  }

  put(bucket: string, name: string, data: string | Buffer): void {
    this.bucket(bucket, 'write').objects.set(name, Buffer.from(data));
  }

  private bucket(name: string, action: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw toGcsError(Object.assign(new Error('The specified bucket does not exist.'), { code: 404 }), { bucket: name, action });
    return b;
  }

  async list(bucket: string, prefix: string): Promise<RemoteObject[]> {
    this.calls.push(`list ${bucket} ${prefix}`);
    return [...this.bucket(bucket, 'list').objects].filter(([n]) => n.startsWith(prefix)).map(([name, data]) => describe(name, data));
  }

  async upload(bucket: string, localPath: string, name: string, _opts: UploadOptions): Promise<RemoteObject> {
    this.calls.push(`upload ${bucket} ${name}`);
    const data = fs.readFileSync(localPath);
    this.bucket(bucket, 'upload').objects.set(name, data);
    return describe(name, data);
  }

  async download(bucket: string, name: string, localPath: string): Promise<string> {
    const data = this.bucket(bucket, 'download').objects.get(name);
    if (!data) throw toGcsError(Object.assign(new Error(`No such object: ${bucket}/${name}`), { code: 404 }), { bucket, object: name, action: 'download' });
    fs.writeFileSync(localPath, data);
    return describe(name, data).md5!;
  }

  async copy(from: ObjectRef, to: ObjectRef, opts: { onlyIfAbsent: boolean }): Promise<RemoteObject> {
    this.calls.push(`copy ${from.bucket}/${from.name} ${to.bucket}/${to.name}`);
    const data = this.bucket(from.bucket, 'copy').objects.get(from.name)!;
    const target = this.bucket(to.bucket, 'copy');
    const raced = this.raceOnCopy.get(`${to.bucket}/${to.name}`);
    if (raced) target.objects.set(to.name, raced);
    if (opts.onlyIfAbsent && target.objects.has(to.name)) throw conflictError(to); // HTTP 412 in GCS
    target.objects.set(to.name, data);
    return describe(to.name, data);
  }

  async delete(bucket: string, name: string): Promise<void> {
    this.bucket(bucket, 'delete').objects.delete(name);
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

function describe(name: string, data: Buffer): RemoteObject {
  return { name, size: data.length, md5: createHash('md5').update(data).digest('base64') };
}
