/**
 * Publishing a built database as a read-only artifact: copy (or hard-link) into place
 * atomically (temp name, fsync, no-replace move, 0444), hash and count rows (at once), then
 * write the manifest last.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MallardError, errorMessage } from '../engine/errors.js';
import { noteWrittenDigest } from '../engine/file-stamp.js';
import type { ArtifactInfo } from './catalog.js';
import { fsyncDir, moveNoReplace, partialPathFor } from '../engine/atomic-file.js';
import { exists, hashPlaced, placeCopy } from './files.js';
import {
  ARTIFACT_MODE,
  absoluteArtifactPath,
  artifactSlot,
  assertArtifactName,
  assertSite,
  formatTimestamp,
  parseTimestamp,
  readOnlyDir,
  relativeArtifactPath,
} from './layout.js';
import { type ArtifactManifest, MANIFEST_VERSION, type RawInput, writeManifest } from './manifest.js';
import { countTableRows } from './table-counts.js';
import { artifactHasher } from './trust.js';

export interface PublishOptions {
  artifactsDir: string;
  site: string;
  /** Lowercase letters, digits, underscores. */
  name: string;
  /** The built database; left untouched (with `link`: it becomes the artifact's other name, 0444). */
  sourcePath: string;
  /**
   * Hard-link the source into place instead of copying it (a copy where links cannot be made):
   * no bytes written. Only for a source that is never written in place again, only replaced
   * by a rename (the stages' work databases: buildDatabaseAtomically), since its inode is
   * the published artifact.
   */
  link?: boolean;
  lineage?: {
    /** Artifacts it was built from: absolute, or relative to artifactsDir. */
    artifacts?: string[];
    /** Raw inputs (paths inside artifactsDir are stored relative to it). */
    rawInputs?: RawInput[];
  };
  configHash?: string;
  runId?: string;
  toolVersion: string;
  now: () => Date;
  /** Build info recorded in the manifest (`build`). */
  build?: Record<string, unknown>;
}

export type PublishedArtifact = ArtifactInfo;

/** Most seconds to step forward looking for a free slot before giving up. */
const MAX_SLOT_TRIES = 3600;

function publishError(message: string, context: Record<string, unknown>, cause?: unknown, suggestions?: string[]): MallardError {
  return new MallardError('ERR_PUBLISH', message, { context, ...(cause === undefined ? {} : { cause }), ...(suggestions ? { suggestions } : {}) });
}

async function checkSource(sourcePath: string): Promise<void> {
  const stat = await fsp.stat(sourcePath).catch((err: unknown) => {
    throw publishError(`Cannot publish ${sourcePath}: ${errorMessage(err)}`, { file: sourcePath }, err);
  });
  if (!stat.isFile()) throw publishError(`Cannot publish ${sourcePath}: not a file`, { file: sourcePath });
  if (await exists(`${sourcePath}.wal`)) {
    throw publishError(`Cannot publish ${sourcePath}: it has a write-ahead log (${sourcePath}.wal) not yet checkpointed`, { file: sourcePath }, undefined, [
      'close every connection and the DuckDB instance (or run CHECKPOINT) before publishing',
    ]);
  }
}

async function normalizeLineage(artifactsDir: string, lineage: PublishOptions['lineage']): Promise<ArtifactManifest['lineage']> {
  const artifacts: string[] = [];
  const artifactSha256: Record<string, string> = {};
  const hasher = await artifactHasher(artifactsDir);
  for (const input of lineage?.artifacts ?? []) {
    const absolute = path.isAbsolute(input) ? input : absoluteArtifactPath(artifactsDir, input);
    const relative = relativeArtifactPath(artifactsDir, absolute);
    if (relative.startsWith('../') || path.isAbsolute(relative)) {
      throw publishError(`Lineage artifact ${input} is outside the artifacts directory ${artifactsDir}`, { artifact: input });
    }
    if (!(await exists(absolute))) throw publishError(`Lineage artifact ${input} does not exist`, { artifact: input });
    artifacts.push(relative);
    artifactSha256[relative] = await hasher.sha256(absolute);
  }
  await hasher.save();
  const rawInputs = (lineage?.rawInputs ?? []).map((raw) => {
    const relative = path.isAbsolute(raw.path) ? relativeArtifactPath(artifactsDir, raw.path) : raw.path;
    return { ...raw, path: relative.startsWith('../') ? raw.path : relative };
  });
  return artifacts.length > 0 ? { artifacts, artifactSha256, rawInputs } : { artifacts, rawInputs };
}

/** Moves `temp` to the first free `<name>_<ts>.db` from `start` on; returns the slot. */
async function claimSlot(artifactsDir: string, site: string, name: string, start: Date, temp: string) {
  let time = parseTimestamp(formatTimestamp(start))!.getTime();
  for (let i = 0; i < MAX_SLOT_TRIES; i++, time += 1000) {
    const slot = artifactSlot(site, name, formatTimestamp(new Date(time)));
    if (await exists(absoluteArtifactPath(artifactsDir, slot.manifestPath))) continue;
    if (await moveNoReplace(temp, absoluteArtifactPath(artifactsDir, slot.path))) return slot;
  }
  throw publishError(`No free timestamp for ${name} in ${readOnlyDir(artifactsDir, site)} after ${MAX_SLOT_TRIES} tries`, { site, name });
}

/**
 * Publishes `sourcePath` as `read_only/<site>/<name>_<ts>.db` (0444) with its manifest.
 * Two publishes of one name in the same second get consecutive seconds.
 */
export async function publishArtifact(opts: PublishOptions): Promise<PublishedArtifact> {
  assertSite(opts.site);
  assertArtifactName(opts.name);
  await checkSource(opts.sourcePath);
  const lineage = await normalizeLineage(opts.artifactsDir, opts.lineage);
  const dir = readOnlyDir(opts.artifactsDir, opts.site);
  await fsp.mkdir(dir, { recursive: true });
  const temp = partialPathFor(path.join(dir, `${opts.name}.db`));
  let slot: ReturnType<typeof artifactSlot> | undefined;
  try {
    const linked = await placeCopy(opts.sourcePath, temp, opts.link === true);
    await fsp.chmod(temp, ARTIFACT_MODE);
    // Both only read the placed file: DuckDB counts rows on its threads while this one hashes (0.55 s for 880 MB).
    const [digest, tables] = await Promise.all([hashPlaced(temp), countTableRows(temp, opts.sourcePath)]);
    const { sha256, size } = digest;
    slot = await claimSlot(opts.artifactsDir, opts.site, opts.name, opts.now(), temp);
    await fsyncDir(dir);
    const manifest: ArtifactManifest = {
      manifestVersion: MANIFEST_VERSION,
      name: opts.name,
      site: opts.site,
      timestamp: slot.timestamp,
      path: slot.path,
      size,
      sha256,
      tables,
      lineage,
      configHash: opts.configHash ?? null,
      toolVersion: opts.toolVersion,
      runId: opts.runId ?? null,
      createdAt: opts.now().toISOString(),
      ...(opts.build === undefined ? {} : { build: opts.build }),
    };
    await writeManifest(absoluteArtifactPath(opts.artifactsDir, slot.manifestPath), manifest);
    const absolutePath = absoluteArtifactPath(opts.artifactsDir, slot.path);
    // The task that published it records it as an output: its receipt takes this hash instead of reading the file again (1.2 GB at 100,000 datasets).
    noteWrittenDigest(absolutePath, size, sha256);
    // A linked source is the same file: the task whose output it is (run-models) need not read it either.
    if (linked) noteWrittenDigest(path.resolve(opts.sourcePath), size, sha256);
    // And the file hasher (the move kept size, mtime and inode): the next stage's trust check and lineage do not read it again either.
    const hasher = await artifactHasher(opts.artifactsDir);
    hasher.remember(absolutePath, digest);
    if (linked) hasher.remember(path.resolve(opts.sourcePath), digest);
    await hasher.save();
    return { ...slot, absolutePath, manifest };
  } catch (err) {
    // Our own half-published file (no manifest yet) is removed; nothing else is touched.
    if (slot) await fsp.rm(absoluteArtifactPath(opts.artifactsDir, slot.path), { force: true });
    if (err instanceof MallardError) throw err;
    throw publishError(`Publishing ${opts.sourcePath} as ${opts.site}/${opts.name} failed: ${errorMessage(err)}`, { file: opts.sourcePath }, err);
  } finally {
    await fsp.rm(temp, { force: true });
  }
}
