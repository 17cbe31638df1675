/**
 * Finding artifacts on disk: every slot under read_only/<site>/, whether its database and
 * manifest are there, and which one is the latest complete artifact of a name.
 */
import { promises as fsp } from 'node:fs';
import { errorMessage } from '../engine/errors.js';
import {
  type ArtifactSlot,
  absoluteArtifactPath,
  artifactSlot,
  assertArtifactName,
  assertSite,
  parseArtifactFileName,
  readOnlyDir,
} from './layout.js';
import { type ArtifactManifest, readManifest } from './manifest.js';

export interface ArtifactFilter {
  site?: string;
  name?: string;
  /**
   * Only slots published at or after this timestamp (YYYYMMDDTHHmmssZ, as in the file names): the
   * others' manifests are not read (a sourcegraph_api manifest of a portal-scale run is ~3 MB).
   */
  since?: string;
}

/** One slot as found on disk, complete or not. */
export interface ArtifactEntry extends ArtifactSlot {
  absolutePath: string;
  hasFile: boolean;
  hasManifest: boolean;
  /** The parsed manifest, when present, valid and consistent with the file name. */
  manifest?: ArtifactManifest;
  /** Why the manifest is unusable, when it is present but not valid. */
  manifestError?: string;
  /** File and valid manifest both present. */
  complete: boolean;
}

/** A complete artifact: database plus valid manifest. */
export interface ArtifactInfo extends ArtifactSlot {
  absolutePath: string;
  manifest: ArtifactManifest;
}

async function readDirOrEmpty(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

async function sitesOf(artifactsDir: string, site?: string): Promise<string[]> {
  if (site !== undefined) {
    assertSite(site);
    return [site];
  }
  const entries = await readDirOrEmpty(readOnlyDir(artifactsDir));
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

function compareSlots(a: ArtifactSlot, b: ArtifactSlot): number {
  return a.site.localeCompare(b.site) || a.name.localeCompare(b.name) || a.timestamp.localeCompare(b.timestamp);
}

/** The slots of one site (database and/or manifest present), without reading manifests. */
async function slotsOfSite(artifactsDir: string, site: string, name?: string): Promise<Map<string, ArtifactEntry>> {
  const slots = new Map<string, ArtifactEntry>();
  for (const dirent of await readDirOrEmpty(readOnlyDir(artifactsDir, site))) {
    if (!dirent.isFile()) continue;
    const parsed = parseArtifactFileName(dirent.name);
    if (!parsed || (name !== undefined && parsed.name !== name)) continue;
    const key = `${parsed.name}_${parsed.timestamp}`;
    let entry = slots.get(key);
    if (!entry) {
      const slot = artifactSlot(site, parsed.name, parsed.timestamp);
      entry = { ...slot, absolutePath: absoluteArtifactPath(artifactsDir, slot.path), hasFile: false, hasManifest: false, complete: false };
      slots.set(key, entry);
    }
    if (parsed.kind === 'db') entry.hasFile = true;
    else entry.hasManifest = true;
  }
  return slots;
}

/** Reads an entry's manifest and checks it describes this slot; fills manifest/manifestError/complete. */
async function loadManifest(artifactsDir: string, entry: ArtifactEntry): Promise<void> {
  if (!entry.hasManifest) return;
  try {
    const manifest = await readManifest(absoluteArtifactPath(artifactsDir, entry.manifestPath));
    const mismatch = (['site', 'name', 'timestamp', 'path'] as const).find((k) => manifest[k] !== entry[k]);
    if (mismatch) {
      entry.manifestError = `manifest ${mismatch} "${manifest[mismatch]}" does not match the file name (expected "${entry[mismatch]}")`;
      return;
    }
    entry.manifest = manifest;
    entry.complete = entry.hasFile;
  } catch (err) {
    entry.manifestError = errorMessage(err);
  }
}

/** Every slot under read_only/ (filtered), complete or not, sorted by site, name, timestamp. */
export async function scanArtifacts(artifactsDir: string, filter: ArtifactFilter = {}): Promise<ArtifactEntry[]> {
  if (filter.name !== undefined) assertArtifactName(filter.name);
  const entries: ArtifactEntry[] = [];
  for (const site of await sitesOf(artifactsDir, filter.site)) {
    for (const entry of (await slotsOfSite(artifactsDir, site, filter.name)).values()) {
      if (filter.since === undefined || entry.timestamp >= filter.since) entries.push(entry);
    }
  }
  await Promise.all(entries.map((e) => loadManifest(artifactsDir, e)));
  return entries.sort(compareSlots);
}

function toInfo(entry: ArtifactEntry): ArtifactInfo {
  const { site, name, timestamp, path, manifestPath, absolutePath } = entry;
  return { site, name, timestamp, path, manifestPath, absolutePath, manifest: entry.manifest! };
}

/** Complete artifacts (database plus valid manifest), sorted by site, name, timestamp. */
export async function listArtifacts(artifactsDir: string, filter: ArtifactFilter = {}): Promise<ArtifactInfo[]> {
  return (await scanArtifacts(artifactsDir, filter)).filter((e) => e.complete).map(toInfo);
}

/** The newest complete artifact of a name, with its manifest; undefined when there is none. */
export async function latestArtifactInfo(artifactsDir: string, site: string, name: string): Promise<ArtifactInfo | undefined> {
  assertSite(site);
  assertArtifactName(name);
  const slots = [...(await slotsOfSite(artifactsDir, site, name)).values()].filter((e) => e.hasFile && e.hasManifest);
  slots.sort((a, b) => b.timestamp.localeCompare(a.timestamp));
  for (const entry of slots) {
    await loadManifest(artifactsDir, entry);
    if (entry.complete) return toInfo(entry);
  }
  return undefined;
}

/**
 * The absolute path of the newest complete artifact `<name>` of `site`, the resolution every
 * stage uses for its inputs; undefined when there is none. Manifest-less files never count.
 */
export async function latestArtifact(artifactsDir: string, site: string, name: string): Promise<string | undefined> {
  return (await latestArtifactInfo(artifactsDir, site, name))?.absolutePath;
}
