/**
 * The on-disk layout of published artifacts, a contract other modules (sync, the stages)
 * rely on:
 *
 *   <artifactsDir>/read_only/<site>/<name>_<YYYYMMDDTHHmmssZ>.db             (mode 0444)
 *   <artifactsDir>/read_only/<site>/<name>_<YYYYMMDDTHHmmssZ>.manifest.json  (written last)
 *
 * Timestamps are UTC. An artifact without its manifest is incomplete and never "latest".
 */
import path from 'node:path';
import { MallardError } from '../engine/errors.js';

export const READ_ONLY_DIR = 'read_only';
export const DB_SUFFIX = '.db';
export const MANIFEST_SUFFIX = '.manifest.json';
export const ARTIFACT_MODE = 0o444;

const NAME_RE = /^[a-z0-9_]+$/;
const SITE_RE = /^[a-z0-9][a-z0-9._-]*$/i;
const TIMESTAMP_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const FILE_RE = /^([a-z0-9_]+)_(\d{8}T\d{6}Z)(\.db|\.manifest\.json)$/;

/** One artifact slot: where its database and manifest live. */
export interface ArtifactSlot {
  site: string;
  name: string;
  /** `YYYYMMDDTHHmmssZ`, UTC. */
  timestamp: string;
  /** The database, relative to artifactsDir, with forward slashes. */
  path: string;
  /** The manifest, relative to artifactsDir, with forward slashes. */
  manifestPath: string;
}

export function isValidArtifactName(name: string): boolean {
  return NAME_RE.test(name);
}

export function assertArtifactName(name: string): void {
  if (!isValidArtifactName(name)) {
    throw new MallardError('ERR_USAGE', `Invalid artifact name "${name}": use lowercase letters, digits and underscores`, {
      context: { name },
      suggestions: ['for example: ckan_api, clean_ckan_api, usage'],
    });
  }
}

export function assertSite(site: string): void {
  if (!SITE_RE.test(site)) {
    throw new MallardError('ERR_USAGE', `Invalid site "${site}": use letters, digits, dots, dashes and underscores`, {
      context: { site },
      suggestions: ['for example: data-gov-uk'],
    });
  }
}

/** A Date as `YYYYMMDDTHHmmssZ` (UTC, whole seconds). */
export function formatTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2024-01-15T10:30:00.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** `YYYYMMDDTHHmmssZ` as a Date, or undefined when it is not one. */
export function parseTimestamp(timestamp: string): Date | undefined {
  const m = TIMESTAMP_RE.exec(timestamp);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return formatTimestamp(date) === timestamp ? date : undefined;
}

/** The slot of `<name>_<timestamp>` under a site. */
export function artifactSlot(site: string, name: string, timestamp: string): ArtifactSlot {
  const base = `${READ_ONLY_DIR}/${site}/${name}_${timestamp}`;
  return { site, name, timestamp, path: base + DB_SUFFIX, manifestPath: base + MANIFEST_SUFFIX };
}

/** Splits `<name>_<timestamp>.db` or `.manifest.json`; undefined for any other file name. */
export function parseArtifactFileName(fileName: string): { name: string; timestamp: string; kind: 'db' | 'manifest' } | undefined {
  const m = FILE_RE.exec(fileName);
  if (!m || parseTimestamp(m[2]!) === undefined) return undefined;
  return { name: m[1]!, timestamp: m[2]!, kind: m[3] === DB_SUFFIX ? 'db' : 'manifest' };
}

/** The absolute directory holding a site's artifacts (or all sites). */
export function readOnlyDir(artifactsDir: string, site?: string): string {
  return site === undefined ? path.resolve(artifactsDir, READ_ONLY_DIR) : path.resolve(artifactsDir, READ_ONLY_DIR, site);
}

/** A path relative to artifactsDir (forward slashes) as an absolute path. */
export function absoluteArtifactPath(artifactsDir: string, relative: string): string {
  return path.resolve(artifactsDir, ...relative.split('/'));
}

/** An absolute path as relative to artifactsDir with forward slashes (`../` when outside). */
export function relativeArtifactPath(artifactsDir: string, absolute: string): string {
  return path.relative(path.resolve(artifactsDir), path.resolve(absolute)).split(path.sep).join('/');
}
