/**
 * sync-artifacts --pull: restore gs://bucket/prefix into a local directory. Each object is
 * downloaded to a hidden temp file, its md5 checked against the listing, then renamed into
 * place (read_only/ files made 0444). Identical local files are skipped; a differing local
 * read-only artifact is never rewritten (reported as a conflict).
 */
import { commitPartial, partialPathFor } from '../engine/atomic-file.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MallardError } from '../engine/errors.js';
import { storeFrom, type StoreChoice } from './gcs-store.js';
import { conflictLocal } from './conflicts.js';
import { collectFailures, throwIfFailed, type Failure } from './failures.js';
import { FileHasher } from '../engine/file-hash.js';
import { isManifest, isSafeRelativePath, syncRoots } from './local-files.js';
import { checkBucketName, checkPrefix } from './names.js';
import { listPrefix, normalizePrefix, syncedObjects } from './location.js';
import type { ObjectStore, RemoteObject } from './object-store.js';
import { runPool } from './pool.js';
import { ProgressCounter, type ProgressListener } from './progress.js';
import { DEFAULT_CONCURRENCY } from './push.js';

export const READ_ONLY_MODE = 0o444;

export interface PullOptions extends StoreChoice {
  bucket: string;
  prefix?: string;
  /** The local artifacts directory to restore into. */
  into: string;
  includeRaw?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  onProgress?: ProgressListener;
}

export interface PullResult {
  bucket: string;
  prefix: string;
  into: string;
  dryRun: boolean;
  remoteObjects: number;
  downloads: { path: string; size: number; reason: 'missing' | 'changed' }[];
  unchanged: number;
  downloaded: number;
  downloadedBytes: number;
  /** Unchanged files whose mode was set back to read-only. */
  modesRestored: number;
}

interface Item {
  rel: string;
  obj: RemoteObject;
  target: string;
  readOnly: boolean;
}

export async function pullArtifacts(opts: PullOptions): Promise<PullResult> {
  const into = path.resolve(opts.into);
  checkBucketName(opts.bucket);
  const prefix = normalizePrefix(checkPrefix(opts.prefix, '--prefix'));
  const roots = syncRoots(opts.includeRaw === true);
  const store = await storeFrom(opts);
  const listed = await store.list(opts.bucket, listPrefix(prefix));
  const items = toItems(listed, prefix, roots, into);
  const cache = await FileHasher.load(into);
  const result: PullResult = {
    bucket: opts.bucket, prefix, into, dryRun: opts.dryRun === true, remoteObjects: items.length,
    downloads: [], unchanged: 0, downloaded: 0, downloadedBytes: 0, modesRestored: 0,
  };
  const failures: Failure[] = [];
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const checked = await runPool(items, concurrency, (item) => classify(item, cache, opts.dryRun === true, result));
  failures.push(...collectFailures(items, checked, (i) => i.rel));
  const todo: (Item & { reason: 'missing' | 'changed' })[] = [];
  checked.forEach((s, i) => {
    if (s.ok && s.value !== 'same') todo.push({ ...items[i]!, reason: s.value });
  });
  result.downloads = todo.map((i) => ({ path: i.rel, size: i.obj.size, reason: i.reason }));
  if (!opts.dryRun) {
    const progress = new ProgressCounter('download', todo.length, todo.reduce((n, i) => n + i.obj.size, 0), opts.onProgress);
    const fetch = async (item: Item): Promise<void> => {
      await downloadItem(store, opts.bucket, item, cache);
      result.downloaded++;
      result.downloadedBytes += item.obj.size;
      progress.fileDone(item.rel, item.obj.size);
    };
    for (const batch of [todo.filter((i) => !isManifest(i.rel)), todo.filter((i) => isManifest(i.rel))]) {
      failures.push(...collectFailures(batch, await runPool(batch, concurrency, fetch), (i) => i.rel));
    }
  }
  await cache.save();
  throwIfFailed(failures, 'restore');
  return result;
}

function toItems(listed: RemoteObject[], prefix: string, roots: string[], into: string): Item[] {
  const items: Item[] = [];
  for (const [rel, obj] of syncedObjects(listed, prefix, roots)) {
    if (!isSafeRelativePath(rel)) {
      throw new MallardError('ERR_GCS', `Refusing to restore object gs://${obj.name}: its name is not a safe relative path`, { context: { object: obj.name } });
    }
    items.push({ rel, obj, target: path.join(into, ...rel.split('/')), readOnly: rel.startsWith('read_only/') });
  }
  return items.sort((a, b) => a.rel.localeCompare(b.rel));
}

/** 'same' (and the mode restored), 'missing' or 'changed'; throws for a differing read-only file. */
async function classify(item: Item, cache: FileHasher, dryRun: boolean, result: PullResult): Promise<'same' | 'missing' | 'changed'> {
  const st = await fsp.stat(item.target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return 'missing';
  const same = st.size === item.obj.size && (await cache.digestWithMd5(item.target, st)).md5 === item.obj.md5;
  if (!same) {
    if (item.readOnly) throw conflictLocal(item.target, item.rel);
    return 'changed';
  }
  result.unchanged++;
  if (item.readOnly && (st.mode & 0o777) !== READ_ONLY_MODE) {
    if (!dryRun) await fsp.chmod(item.target, READ_ONLY_MODE);
    result.modesRestored++;
  }
  return 'same';
}

async function downloadItem(store: ObjectStore, bucket: string, item: Item, cache: FileHasher): Promise<void> {
  await fsp.mkdir(path.dirname(item.target), { recursive: true });
  const temp = partialPathFor(item.target);
  try {
    await store.download(bucket, item.obj.name, temp, { md5: item.obj.md5 });
    await commitPartial(temp, item.target, item.readOnly ? { mode: READ_ONLY_MODE } : {});
    await cache.digestWithMd5(item.target); // its sha256 too (receipts, the artifact trust check), and the md5 a later push compares
  } finally {
    await fsp.rm(temp, { force: true });
  }
}
