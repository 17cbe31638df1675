/**
 * artifacts promote: server-side copy of the latest complete artifacts (database, then
 * manifest) from one location to another, e.g. staging to production. Checks every target
 * first: an existing object with the same md5 is skipped, one with different content stops
 * the whole promotion before anything is copied (and copies use "only if absent").
 */
import { MallardError } from '../engine/errors.js';
import { conflictError } from './conflicts.js';
import { storeFrom, type StoreChoice } from './gcs-store.js';
import { collectFailures, throwIfFailed } from './failures.js';
import { formatLocation, listPrefix, objectName, parseLocation, relativeName, type RemoteLocation } from './location.js';
import type { ObjectStore, RemoteObject } from './object-store.js';
import { runPool } from './pool.js';
import { ProgressCounter, type ProgressListener } from './progress.js';
import { completeArtifacts, latestArtifacts, type RemoteArtifact } from './remote-artifacts.js';

export interface PromoteOptions extends StoreChoice {
  /** `gs://bucket/prefix`, `gs://bucket`, or a prefix in `defaultBucket`. */
  from: string;
  to: string;
  defaultBucket?: string;
  names?: string[];
  site?: string;
  dryRun?: boolean;
  concurrency?: number;
  onProgress?: ProgressListener;
}

export interface PromotedArtifact {
  site: string;
  name: string;
  timestamp: string;
  /** Relative paths copied (or to copy, in a dry run). */
  copied: string[];
  /** Relative paths already at the target with the same content. */
  present: string[];
}

export interface PromoteResult {
  from: string;
  to: string;
  dryRun: boolean;
  artifacts: PromotedArtifact[];
  copied: number;
  copiedBytes: number;
  skipped: number;
}

interface CopyJob {
  rel: string;
  obj: RemoteObject;
}

export async function promoteArtifacts(opts: PromoteOptions): Promise<PromoteResult> {
  const from = parseLocation(opts.from, opts.defaultBucket);
  const to = parseLocation(opts.to, opts.defaultBucket);
  if (from.bucket === to.bucket && from.prefix === to.prefix) {
    throw new MallardError('ERR_USAGE', `Cannot promote ${formatLocation(from)} onto itself`, { context: { from: opts.from, to: opts.to } });
  }
  const store = await storeFrom(opts);
  const chosen = await chooseArtifacts(store, from, opts);
  const existing = await listRelative(store, to);
  const result: PromoteResult = { from: formatLocation(from), to: formatLocation(to), dryRun: opts.dryRun === true, artifacts: [], copied: 0, copiedBytes: 0, skipped: 0 };
  const jobs: CopyJob[][] = [[], []]; // databases, then manifests
  const conflicts: string[] = [];
  for (const a of chosen) {
    const entry: PromotedArtifact = { site: a.site, name: a.name, timestamp: a.timestamp, copied: [], present: [] };
    const parts: [string, RemoteObject, CopyJob[]][] = [[a.dbPath, a.db, jobs[0]!], [a.manifestPath, a.manifest, jobs[1]!]];
    for (const [rel, obj, queue] of parts) {
      const there = existing.get(rel);
      if (!there) {
        entry.copied.push(rel);
        queue.push({ rel, obj });
      } else if (there.md5 === obj.md5 && there.size === obj.size) {
        entry.present.push(rel);
      } else {
        conflicts.push(objectName(to.prefix, rel));
      }
    }
    result.skipped += entry.present.length;
    result.artifacts.push(entry);
  }
  if (conflicts.length > 0) throw conflictError({ bucket: to.bucket, name: conflicts[0]! }, conflicts.length);
  if (opts.dryRun) return { ...result, copied: jobs[0]!.length + jobs[1]!.length };
  await copyAll(store, from, to, jobs, opts, result);
  return result;
}

async function chooseArtifacts(store: ObjectStore, from: RemoteLocation, opts: PromoteOptions): Promise<RemoteArtifact[]> {
  const listed = await listRelative(store, from, 'read_only/');
  let latest = latestArtifacts(completeArtifacts(listed));
  if (opts.site !== undefined) latest = latest.filter((a) => a.site === opts.site);
  if (opts.names && opts.names.length > 0) {
    const missing = opts.names.filter((n) => !latest.some((a) => a.name === n));
    if (missing.length > 0) {
      throw new MallardError('ERR_USAGE', `No complete artifact named ${missing.join(', ')} at ${formatLocation(from)}${opts.site ? ` for site ${opts.site}` : ''}`, {
        context: { from: formatLocation(from), missing },
        suggestions: ['an artifact counts once both its .db and .manifest.json are there; push them with `./cli.sh sync-artifacts`'],
      });
    }
    latest = latest.filter((a) => opts.names!.includes(a.name));
  }
  if (latest.length === 0) {
    throw new MallardError('ERR_USAGE', `No complete artifacts to promote at ${formatLocation(from)}`, { context: { from: formatLocation(from) } });
  }
  return latest;
}

async function listRelative(store: ObjectStore, loc: RemoteLocation, under = ''): Promise<Map<string, RemoteObject>> {
  const objects = await store.list(loc.bucket, listPrefix(loc.prefix) + under);
  return new Map(objects.map((o) => [relativeName(loc.prefix, o.name), o]));
}

async function copyAll(store: ObjectStore, from: RemoteLocation, to: RemoteLocation, jobs: CopyJob[][], opts: PromoteOptions, result: PromoteResult): Promise<void> {
  const all = jobs.flat();
  const progress = new ProgressCounter('copy', all.length, all.reduce((n, j) => n + j.obj.size, 0), opts.onProgress);
  const copy = async (job: CopyJob): Promise<void> => {
    await store.copy({ bucket: from.bucket, name: job.obj.name }, { bucket: to.bucket, name: objectName(to.prefix, job.rel) }, { onlyIfAbsent: true });
    result.copied++;
    result.copiedBytes += job.obj.size;
    progress.fileDone(job.rel, job.obj.size);
  };
  const dbs = await runPool(jobs[0]!, opts.concurrency ?? 8, copy);
  const dbFailures = collectFailures(jobs[0]!, dbs, (j) => j.rel);
  const failedSlots = new Set(dbFailures.map((f) => f.path.replace(/\.db$/, '')));
  const manifests = jobs[1]!.filter((j) => !failedSlots.has(j.rel.replace(/\.manifest\.json$/, '')));
  const manifestFailures = collectFailures(manifests, await runPool(manifests, opts.concurrency ?? 8, copy), (j) => j.rel);
  throwIfFailed([...dbFailures, ...manifestFailures], 'copy');
}
