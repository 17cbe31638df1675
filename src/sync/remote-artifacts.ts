/**
 * Published artifacts as they appear in a listing: `read_only/<site>/<name>_<YYYYMMDDTHHmmssZ>.db`
 * plus `.manifest.json`, named by the store's one pattern (src/store/layout.ts,
 * parseArtifactFileName); "latest" = newest timestamp that has a manifest.
 */
import { parseArtifactFileName, READ_ONLY_DIR } from '../store/index.js';
import type { RemoteObject } from './object-store.js';

export interface RemoteArtifact {
  site: string;
  name: string;
  timestamp: string;
  db: RemoteObject;
  manifest: RemoteObject;
  /** Relative paths (under the prefix) of the database and its manifest. */
  dbPath: string;
  manifestPath: string;
}

interface Slot {
  site: string;
  name: string;
  timestamp: string;
  db?: { obj: RemoteObject; rel: string };
  manifest?: { obj: RemoteObject; rel: string };
}

/** Complete artifacts (database and manifest) from listed objects given as [relPath, object]. */
export function completeArtifacts(listed: Iterable<[string, RemoteObject]>): RemoteArtifact[] {
  const slots = new Map<string, Slot>();
  for (const [rel, obj] of listed) {
    const parts = rel.split('/');
    if (parts.length !== 3 || parts[0] !== READ_ONLY_DIR) continue;
    const file = parseArtifactFileName(parts[2]!);
    if (!file) continue;
    const { name, timestamp } = file;
    const site = parts[1]!;
    const key = `${site}/${name}_${timestamp}`;
    const slot = slots.get(key) ?? { site, name, timestamp };
    if (file.kind === 'db') slot.db = { obj, rel };
    else slot.manifest = { obj, rel };
    slots.set(key, slot);
  }
  const out: RemoteArtifact[] = [];
  for (const s of slots.values()) {
    if (!s.db || !s.manifest) continue;
    out.push({ site: s.site, name: s.name, timestamp: s.timestamp, db: s.db.obj, manifest: s.manifest.obj, dbPath: s.db.rel, manifestPath: s.manifest.rel });
  }
  return out;
}

/** The newest complete artifact of each (site, name), sorted by site then name. */
export function latestArtifacts(all: RemoteArtifact[]): RemoteArtifact[] {
  const latest = new Map<string, RemoteArtifact>();
  for (const a of all) {
    const key = `${a.site}\u0000${a.name}`;
    const seen = latest.get(key);
    if (!seen || a.timestamp > seen.timestamp) latest.set(key, a);
  }
  return [...latest.values()].sort((a, b) => a.site.localeCompare(b.site) || a.name.localeCompare(b.name));
}
