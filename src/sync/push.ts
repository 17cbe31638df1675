/**
 * sync-artifacts: push an artifacts directory to gs://bucket/prefix. Lists the remote once,
 * uploads only what is missing or differs (md5, from a local cache keyed by path+size+mtime),
 * in parallel, validated; databases before manifests; deletes remote objects only when asked.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MallardError } from '../engine/errors.js';
import { storeFrom, type StoreChoice } from './gcs-store.js';
import { FileHasher } from '../engine/file-hash.js';
import { collectFailures, throwIfFailed } from './failures.js';
import { contentTypeFor, isManifest, listLocalFiles, syncRoots, type LocalFile } from './local-files.js';
import { checkBucketName, checkPrefix } from './names.js';
import { listPrefix, normalizePrefix, objectName, syncedObjects } from './location.js';
import type { ObjectStore, RemoteObject } from './object-store.js';
import { mapPool, runPool } from './pool.js';
import { ProgressCounter, type ProgressListener } from './progress.js';

export const DEFAULT_CONCURRENCY = 8;
/** Files from this size up go as resumable uploads (never chunked: one PUT after the session). */
export const RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

export interface SyncOptions extends StoreChoice {
  artifactsDir: string;
  bucket: string;
  prefix?: string;
  includeRaw?: boolean;
  /**
   * Only these folders of the artifacts directory (e.g. `read_only/<site>`, `runs`), each listed
   * on its own instead of the whole prefix: a sharded step publishes its databases and run log
   * without listing the shared store's state. Default: the synced folders (`includeRaw` adds to them).
   */
  roots?: readonly string[];
  delete?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  resumableThreshold?: number;
  onProgress?: ProgressListener;
}

export interface PlannedUpload {
  path: string;
  size: number;
  reason: 'missing' | 'changed';
}

export interface SyncResult {
  bucket: string;
  prefix: string;
  dryRun: boolean;
  localFiles: number;
  remoteObjects: number;
  /** Files hashed this run (0 when the cache knew them all). */
  hashed: number;
  unchanged: number;
  uploads: PlannedUpload[];
  deletes: string[];
  uploaded: number;
  uploadedBytes: number;
  deleted: number;
}

export async function syncArtifacts(opts: SyncOptions): Promise<SyncResult> {
  const artifactsDir = path.resolve(opts.artifactsDir);
  checkBucketName(opts.bucket);
  const prefix = normalizePrefix(checkPrefix(opts.prefix, '--prefix'));
  const roots = opts.roots === undefined ? syncRoots(opts.includeRaw === true) : [...opts.roots];
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  await assertDirectory(artifactsDir);
  const store = await storeFrom(opts);
  const [local, remoteList, cache] = await Promise.all([
    listLocalFiles(artifactsDir, roots),
    opts.roots === undefined
      ? store.list(opts.bucket, listPrefix(prefix))
      : Promise.all(roots.map((root) => store.list(opts.bucket, `${listPrefix(prefix)}${root}/`))).then((lists) => lists.flat()),
    FileHasher.load(artifactsDir),
  ]);
  const remote = syncedObjects(remoteList, prefix, roots);
  const { uploads, md5s } = await planUploads(local, remote, cache, concurrency);
  await cache.save();
  const localSet = new Set(local.map((f) => f.relPath));
  const deletes = opts.delete ? [...remote.keys()].filter((rel) => !localSet.has(rel)).sort() : [];
  if (deletes.length > 0 && local.length === 0) {
    throw new MallardError('ERR_USAGE', `Refusing to delete all ${deletes.length} objects under gs://${opts.bucket}/${prefix}: ${artifactsDir} has nothing to sync`, {
      context: { artifactsDir, bucket: opts.bucket, prefix },
      suggestions: ['check --artifacts-dir / ARTIFACTS_DIR and --prefix; delete remote objects by hand if you really mean it'],
    });
  }
  const result: SyncResult = {
    bucket: opts.bucket,
    prefix,
    dryRun: opts.dryRun === true,
    localFiles: local.length,
    remoteObjects: remote.size,
    hashed: cache.hashed,
    unchanged: local.length - uploads.length,
    uploads: uploads.map(({ file, reason }) => ({ path: file.relPath, size: file.size, reason })),
    deletes,
    uploaded: 0,
    uploadedBytes: 0,
    deleted: 0,
  };
  if (opts.dryRun) return result;
  await executeUploads(store, opts, prefix, uploads, md5s, result);
  await executeDeletes(store, opts, prefix, deletes, result);
  return result;
}

interface Upload {
  file: LocalFile;
  reason: 'missing' | 'changed';
}

async function planUploads(local: LocalFile[], remote: Map<string, RemoteObject>, cache: FileHasher, concurrency: number) {
  const md5s = new Map<string, string>();
  const decisions = await mapPool(local, concurrency, async (file): Promise<Upload | undefined> => {
    const { md5 } = await cache.digestWithMd5(file.absPath, file);
    md5s.set(file.relPath, md5);
    const obj = remote.get(file.relPath);
    if (!obj) return { file, reason: 'missing' };
    return obj.size === file.size && obj.md5 === md5 ? undefined : { file, reason: 'changed' };
  });
  return { uploads: decisions.filter((d): d is Upload => d !== undefined), md5s };
}

async function executeUploads(store: ObjectStore, opts: SyncOptions, prefix: string, uploads: Upload[], md5s: Map<string, string>, result: SyncResult): Promise<void> {
  const total = uploads.reduce((n, u) => n + u.file.size, 0);
  const progress = new ProgressCounter('upload', uploads.length, total, opts.onProgress);
  const threshold = opts.resumableThreshold ?? RESUMABLE_THRESHOLD;
  const upload = async ({ file }: Upload): Promise<void> => {
    await store.upload(opts.bucket, file.absPath, objectName(prefix, file.relPath), {
      md5: md5s.get(file.relPath)!,
      resumable: file.size >= threshold,
      contentType: contentTypeFor(file.relPath),
    });
    result.uploaded++;
    result.uploadedBytes += file.size;
    progress.fileDone(file.relPath, file.size);
  };
  // Databases and everything else first, manifests after: a manifest never arrives before its database.
  const first = uploads.filter((u) => !isManifest(u.file.relPath));
  const last = uploads.filter((u) => isManifest(u.file.relPath));
  const failures = collectFailures(first, await runPool(first, opts.concurrency ?? DEFAULT_CONCURRENCY, upload), (u) => u.file.relPath);
  const failedDirs = new Set(failures.map((f) => f.path.replace(/\.db$/, '')));
  const safeLast = last.filter((u) => !failedDirs.has(u.file.relPath.replace(/\.manifest\.json$/, '')));
  failures.push(...collectFailures(safeLast, await runPool(safeLast, opts.concurrency ?? DEFAULT_CONCURRENCY, upload), (u) => u.file.relPath));
  throwIfFailed(failures, 'upload');
}

async function executeDeletes(store: ObjectStore, opts: SyncOptions, prefix: string, deletes: string[], result: SyncResult): Promise<void> {
  const progress = new ProgressCounter('delete', deletes.length, 0, opts.onProgress);
  const remove = async (rel: string): Promise<void> => {
    await store.delete(opts.bucket, objectName(prefix, rel));
    result.deleted++;
    progress.fileDone(rel, 0);
  };
  // Manifests first, so the remote never shows an artifact whose database is gone.
  const failures = [];
  for (const batch of [deletes.filter(isManifest), deletes.filter((d) => !isManifest(d))]) {
    failures.push(...collectFailures(batch, await runPool(batch, opts.concurrency ?? DEFAULT_CONCURRENCY, remove), (rel) => rel));
  }
  throwIfFailed(failures, 'delete');
}

async function assertDirectory(dir: string): Promise<void> {
  const st = await fsp.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new MallardError('ERR_USAGE', `Artifacts directory ${dir} does not exist`, {
      context: { artifactsDir: dir },
      suggestions: ['run from the project directory, or pass --artifacts-dir / set ARTIFACTS_DIR'],
    });
  }
}
