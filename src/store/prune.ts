/**
 * Pruning old artifacts: an artifact goes only if it is beyond the `keep` newest of its
 * name AND older than `olderThanMs`; the latest artifact of a name is never removed.
 * Incomplete publishes (a database without a manifest, left by a run killed between the
 * two) go too, whatever their age, once a minute has passed since they appeared (so a
 * publish in progress, which writes its manifest right after, is never cut).
 */
import { promises as fsp } from 'node:fs';
import { MallardError } from '../engine/errors.js';
import { type ArtifactFilter, type ArtifactInfo, listArtifacts, scanArtifacts } from './catalog.js';
import { absoluteArtifactPath, parseTimestamp } from './layout.js';

export interface PruneOptions extends ArtifactFilter {
  /** How many of the newest artifacts of each name to keep regardless of age (the latest always stays). */
  keep: number;
  /** Only artifacts older than this (by their timestamp) are removed. */
  olderThanMs: number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  now: () => Date;
}

export interface PrunedArtifact {
  site: string;
  name: string;
  timestamp: string;
  path: string;
  manifestPath: string;
  size: number;
  ageMs: number;
}

export interface PruneReport {
  dryRun: boolean;
  /** What was removed (or, with dryRun, would be). */
  removed: PrunedArtifact[];
  /** Incomplete publishes (database without manifest) removed (or, with dryRun, would be). */
  incomplete: PrunedArtifact[];
  /** Complete artifacts left in place. */
  kept: number;
  freedBytes: number;
}

function checkOptions(opts: PruneOptions): void {
  if (!Number.isInteger(opts.keep) || opts.keep < 0) {
    throw new MallardError('ERR_USAGE', `Invalid keep count ${opts.keep}: use a whole number, 0 or more`, { context: { keep: opts.keep } });
  }
  if (!Number.isFinite(opts.olderThanMs) || opts.olderThanMs < 0) {
    throw new MallardError('ERR_USAGE', `Invalid age ${opts.olderThanMs} ms: use a duration of 0 or more`, { context: { olderThanMs: opts.olderThanMs } });
  }
}

/** Groups complete artifacts by site and name, newest first within each group. */
function groupNewestFirst(artifacts: ArtifactInfo[]): ArtifactInfo[][] {
  const groups = new Map<string, ArtifactInfo[]>();
  for (const a of artifacts) {
    const key = `${a.site}/${a.name}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => b.timestamp.localeCompare(a.timestamp)));
}

/** Which artifacts the rules select for removal, oldest last within each name. */
export function selectForPrune(artifacts: ArtifactInfo[], opts: Pick<PruneOptions, 'keep' | 'olderThanMs' | 'now'>): PrunedArtifact[] {
  const now = opts.now().getTime();
  const keep = Math.max(1, opts.keep); // the latest of a name is never removed
  const selected: PrunedArtifact[] = [];
  for (const group of groupNewestFirst(artifacts)) {
    for (const a of group.slice(keep)) {
      const ageMs = now - parseTimestamp(a.timestamp)!.getTime();
      if (ageMs <= opts.olderThanMs) continue;
      selected.push({ site: a.site, name: a.name, timestamp: a.timestamp, path: a.path, manifestPath: a.manifestPath, size: a.manifest.size, ageMs });
    }
  }
  return selected;
}

/** Removes (or with dryRun, lists) the artifacts the rules select; manifest first, then the database. */
export async function pruneArtifacts(artifactsDir: string, opts: PruneOptions): Promise<PruneReport> {
  checkOptions(opts);
  const filter: ArtifactFilter = {};
  if (opts.site !== undefined) filter.site = opts.site;
  if (opts.name !== undefined) filter.name = opts.name;
  const artifacts = await listArtifacts(artifactsDir, filter);
  const removed = selectForPrune(artifacts, opts);
  const dryRun = opts.dryRun ?? false;
  if (!dryRun) {
    for (const a of removed) {
      // Manifest first: if we stop half-way, what is left is incomplete and never "latest".
      await fsp.rm(absoluteArtifactPath(artifactsDir, a.manifestPath), { force: true });
      await fsp.rm(absoluteArtifactPath(artifactsDir, a.path), { force: true });
    }
  }
  const incomplete = await incompletePublishes(artifactsDir, filter, opts.now().getTime());
  if (!dryRun) for (const a of incomplete) await fsp.rm(absoluteArtifactPath(artifactsDir, a.path), { force: true });
  const freedBytes = [...removed, ...incomplete].reduce((sum, a) => sum + a.size, 0);
  return { dryRun, removed, incomplete, kept: artifacts.length - removed.length, freedBytes };
}

/** A publish in progress writes its manifest within this long of the database appearing. */
const INCOMPLETE_GRACE_MS = 60_000;

async function incompletePublishes(artifactsDir: string, filter: ArtifactFilter, now: number): Promise<PrunedArtifact[]> {
  const found: PrunedArtifact[] = [];
  for (const e of await scanArtifacts(artifactsDir, filter)) {
    if (!e.hasFile || e.hasManifest) continue;
    const st = await fsp.stat(e.absolutePath).catch(() => undefined);
    if (st === undefined || now - st.ctimeMs < INCOMPLETE_GRACE_MS) continue;
    found.push({ site: e.site, name: e.name, timestamp: e.timestamp, path: e.path, manifestPath: e.manifestPath, size: st.size, ageMs: now - st.ctimeMs });
  }
  return found;
}
