/**
 * Lineage: what an artifact was built from, recursively, read from the manifests. Also
 * resolves the ways a user names an artifact (path, `name_timestamp`, `site/name_timestamp`).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MallardError, errorMessage } from '../engine/errors.js';
import { exists } from './files.js';
import {
  DB_SUFFIX,
  MANIFEST_SUFFIX,
  READ_ONLY_DIR,
  type ArtifactSlot,
  absoluteArtifactPath,
  artifactSlot,
  parseArtifactFileName,
  readOnlyDir,
  relativeArtifactPath,
} from './layout.js';
import { type RawInput, readManifest } from './manifest.js';

export type LineageStatus = 'ok' | 'missing' | 'missing-manifest' | 'bad-manifest' | 'not-an-artifact' | 'cycle';

export interface LineageNode {
  /** The database, relative to artifactsDir. */
  path: string;
  site?: string;
  name?: string;
  timestamp?: string;
  status: LineageStatus;
  /** Why the status is not ok, in words. */
  detail?: string;
  sha256?: string;
  /** The sha256 the artifact had when its downstream (the parent node) read it, as that one's manifest says. */
  readSha256?: string;
  runId?: string | null;
  rawInputs: RawInput[];
  inputs: LineageNode[];
}

/** The slot a path relative to artifactsDir names, if it follows the layout. */
function slotOfPath(relative: string): ArtifactSlot | undefined {
  const parts = relative.split('/');
  if (parts.length !== 3 || parts[0] !== READ_ONLY_DIR) return undefined;
  const parsed = parseArtifactFileName(parts[2]!);
  return parsed ? artifactSlot(parts[1]!, parsed.name, parsed.timestamp) : undefined;
}

function notFound(ref: string, artifactsDir: string): MallardError {
  return new MallardError('ERR_ARTIFACT_NOT_FOUND', `No artifact ${ref} in ${readOnlyDir(artifactsDir)}`, {
    context: { artifact: ref },
    suggestions: ['list them with: artifacts list', 'name one as a path, as <name>_<timestamp> or as <site>/<name>_<timestamp>'],
  });
}

const STEM_RE = /^(?:([A-Za-z0-9][A-Za-z0-9._-]*)\/)?([a-z0-9_]+)_(\d{8}T\d{6}Z)(?:\.db|\.manifest\.json)?$/;

/** `name_ts` (or `site/name_ts`, with or without `.db`) as the slots that exist under read_only/. */
async function findByStem(artifactsDir: string, ref: string): Promise<string[]> {
  const m = STEM_RE.exec(ref);
  if (!m) return [];
  const [, site, name, timestamp] = m as unknown as [string, string | undefined, string, string];
  const sites = site !== undefined ? [site] : (await fsp.readdir(readOnlyDir(artifactsDir)).catch(() => [] as string[])).sort();
  const found: string[] = [];
  for (const s of sites) {
    const slot = artifactSlot(s, name, timestamp);
    if ((await exists(absoluteArtifactPath(artifactsDir, slot.path))) || (await exists(absoluteArtifactPath(artifactsDir, slot.manifestPath)))) {
      found.push(slot.path);
    }
  }
  return found;
}

/**
 * The database path (relative to artifactsDir) a user's reference names: an absolute path,
 * a path relative to artifactsDir, `<name>_<timestamp>` or `<site>/<name>_<timestamp>`.
 * Relative paths are tried against `opts.cwd` (when given), then artifactsDir.
 * Throws ERR_ARTIFACT_NOT_FOUND, or ERR_USAGE when a bare name matches several sites.
 */
export async function resolveArtifactRef(artifactsDir: string, ref: string, opts: { cwd?: string } = {}): Promise<string> {
  const candidates = path.isAbsolute(ref) ? [ref] : [...(opts.cwd === undefined ? [] : [path.resolve(opts.cwd, ref)]), path.resolve(artifactsDir, ref)];
  for (const candidate of candidates) {
    const relative = relativeArtifactPath(artifactsDir, candidate);
    const slot = slotOfPath(relative.endsWith(MANIFEST_SUFFIX) ? relative.slice(0, -MANIFEST_SUFFIX.length) + DB_SUFFIX : relative);
    if (slot && ((await exists(absoluteArtifactPath(artifactsDir, slot.path))) || (await exists(absoluteArtifactPath(artifactsDir, slot.manifestPath))))) {
      return slot.path;
    }
  }
  const found = await findByStem(artifactsDir, ref);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new MallardError('ERR_USAGE', `Artifact ${ref} exists for several sites: ${found.join(', ')}`, {
      context: { artifact: ref },
      suggestions: ['name it as <site>/<name>_<timestamp>'],
    });
  }
  throw notFound(ref, artifactsDir);
}

async function buildNode(artifactsDir: string, relative: string, ancestors: Set<string>): Promise<LineageNode> {
  const slot = slotOfPath(relative);
  if (!slot) {
    return { path: relative, status: 'not-an-artifact', detail: `${relative} is not read_only/<site>/<name>_<timestamp>.db`, rawInputs: [], inputs: [] };
  }
  const node: LineageNode = { path: relative, site: slot.site, name: slot.name, timestamp: slot.timestamp, status: 'ok', rawInputs: [], inputs: [] };
  if (ancestors.has(relative)) return { ...node, status: 'cycle', detail: `${relative} is its own ancestor` };
  const hasFile = await exists(absoluteArtifactPath(artifactsDir, slot.path));
  if (!(await exists(absoluteArtifactPath(artifactsDir, slot.manifestPath)))) {
    return { ...node, status: hasFile ? 'missing-manifest' : 'missing', detail: hasFile ? 'no manifest' : 'neither file nor manifest exists (pruned?)' };
  }
  let manifest;
  try {
    manifest = await readManifest(absoluteArtifactPath(artifactsDir, slot.manifestPath));
  } catch (err) {
    return { ...node, status: 'bad-manifest', detail: errorMessage(err) };
  }
  Object.assign(node, { sha256: manifest.sha256, runId: manifest.runId, rawInputs: manifest.lineage.rawInputs });
  if (!hasFile) Object.assign(node, { status: 'missing', detail: 'the manifest is there, the database is not' });
  const inner = new Set(ancestors).add(relative);
  for (const input of manifest.lineage.artifacts) {
    const child = await buildNode(artifactsDir, input, inner);
    const read = manifest.lineage.artifactSha256?.[input];
    if (read !== undefined) child.readSha256 = read;
    node.inputs.push(child);
  }
  return node;
}

/** The lineage tree of an artifact (any reference resolveArtifactRef accepts), recursively. */
export async function artifactLineage(artifactsDir: string, artifactPath: string, opts: { cwd?: string } = {}): Promise<LineageNode> {
  const relative = await resolveArtifactRef(artifactsDir, artifactPath, opts);
  return buildNode(artifactsDir, relative, new Set());
}
