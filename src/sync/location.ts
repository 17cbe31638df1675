/** Where things live remotely: `gs://bucket/prefix` or a bare prefix, and object names under it. */
import { MallardError } from '../engine/errors.js';
import { isUnderRoots } from './local-files.js';
import { checkBucketName, checkPrefix } from './names.js';
import type { RemoteObject } from './object-store.js';

export interface RemoteLocation {
  bucket: string;
  /** Without leading or trailing slashes; '' for the bucket root. */
  prefix: string;
}

/** `a//b/` → `a/b`; '' stays ''. */
export function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? '').split('/').filter((part) => part !== '').join('/');
}

/** The object name of a relative path (forward slashes) under a prefix. */
export function objectName(prefix: string, relPath: string): string {
  return prefix === '' ? relPath : `${prefix}/${relPath}`;
}

/** The listing prefix for everything under `prefix` ('' or 'p/'). */
export function listPrefix(prefix: string): string {
  return prefix === '' ? '' : `${prefix}/`;
}

/** A relative path back from an object name listed under `prefix`. */
export function relativeName(prefix: string, name: string): string {
  return prefix === '' ? name : name.slice(prefix.length + 1);
}

/**
 * The listed objects a push or pull of `roots` under `prefix` covers, by relative path.
 * Names ending in '/' (folder placeholders made by the console) are left out.
 */
export function syncedObjects(listed: readonly RemoteObject[], prefix: string, roots: readonly string[]): Map<string, RemoteObject> {
  const synced = new Map<string, RemoteObject>();
  for (const obj of listed) {
    const rel = relativeName(prefix, obj.name);
    if (isUnderRoots(rel, roots) && !rel.endsWith('/')) synced.set(rel, obj);
  }
  return synced;
}

/**
 * Parses `gs://bucket/prefix`, `gs://bucket`, or a bare prefix (then in `defaultBucket`).
 * Throws ERR_CONFIG when a bare prefix is given and no default bucket is known, ERR_USAGE for a
 * bucket name or prefix GCS would refuse or read differently (`..`, a leading `/`).
 */
export function parseLocation(spec: string, defaultBucket: string | undefined): RemoteLocation {
  const m = /^gs:\/\/([^/]+)(?:\/(.*))?$/.exec(spec.trim());
  if (m) return { bucket: checkBucketName(m[1]!, spec), prefix: normalizePrefix(checkPrefix(m[2], spec)) };
  if (spec.startsWith('gs:')) {
    throw new MallardError('ERR_USAGE', `Invalid location "${spec}": use gs://bucket/prefix or a prefix`, { context: { spec } });
  }
  if (!defaultBucket) {
    throw new MallardError('ERR_CONFIG', `No bucket for "${spec}": give gs://bucket/${normalizePrefix(spec)} or set GCP_BUCKET`, {
      context: { spec },
      suggestions: ['set GCP_BUCKET in the environment or .env, or pass --bucket'],
    });
  }
  return { bucket: checkBucketName(defaultBucket, 'the default bucket'), prefix: normalizePrefix(checkPrefix(spec, spec)) };
}

export function formatLocation(loc: RemoteLocation): string {
  return loc.prefix === '' ? `gs://${loc.bucket}` : `gs://${loc.bucket}/${loc.prefix}`;
}
