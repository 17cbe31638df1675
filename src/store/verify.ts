/**
 * Verifying artifacts against their manifests: re-hash every database, compare size and
 * sha256, check the read-only mode, and report manifests without a database. A database
 * without a manifest is an incomplete publish (a run killed between the two), reported on
 * its own and not a failure: it is never used, and `artifacts prune` removes it.
 */
import { promises as fsp } from 'node:fs';
import { type ArtifactEntry, scanArtifacts } from './catalog.js';
import { sha256File } from './files.js';
import { ARTIFACT_MODE } from './layout.js';

export type VerifyProblemKind = 'missing-manifest' | 'missing-file' | 'bad-manifest' | 'size-mismatch' | 'hash-mismatch' | 'wrong-mode';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  site: string;
  name: string;
  timestamp: string;
  /** The database, relative to artifactsDir. */
  path: string;
  message: string;
  expected?: string | number;
  actual?: string | number;
}

export interface VerifyReport {
  ok: boolean;
  /** Slots looked at (database and/or manifest present). */
  checked: number;
  /** Artifacts whose database matched its manifest (hash, size and mode). */
  verified: number;
  problems: VerifyProblem[];
  /** Databases without a manifest (incomplete publishes): never used; not a failure. */
  incomplete: VerifyProblem[];
}

const CONCURRENCY = 4;

function problem(entry: ArtifactEntry, kind: VerifyProblemKind, message: string, expected?: string | number, actual?: string | number): VerifyProblem {
  const p: VerifyProblem = { kind, site: entry.site, name: entry.name, timestamp: entry.timestamp, path: entry.path, message };
  if (expected !== undefined) p.expected = expected;
  if (actual !== undefined) p.actual = actual;
  return p;
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/** The problems of one slot; an empty list means it is intact. */
async function verifyEntry(entry: ArtifactEntry): Promise<VerifyProblem[]> {
  if (!entry.hasManifest) return [problem(entry, 'missing-manifest', `${entry.path} has no manifest: an incomplete publish, never used (artifacts prune removes it)`)];
  if (entry.manifestError !== undefined) return [problem(entry, 'bad-manifest', `${entry.manifestPath}: ${entry.manifestError}`)];
  if (!entry.hasFile) return [problem(entry, 'missing-file', `${entry.manifestPath} describes ${entry.path}, which does not exist`)];
  const manifest = entry.manifest!;
  const problems: VerifyProblem[] = [];
  const stat = await fsp.stat(entry.absolutePath);
  if ((stat.mode & 0o777) !== ARTIFACT_MODE) {
    problems.push(problem(entry, 'wrong-mode', `${entry.path} has mode ${octal(stat.mode)}, expected read-only ${octal(ARTIFACT_MODE)}`, octal(ARTIFACT_MODE), octal(stat.mode)));
  }
  if (stat.size !== manifest.size) {
    problems.push(problem(entry, 'size-mismatch', `${entry.path} is ${stat.size} bytes, its manifest says ${manifest.size}`, manifest.size, stat.size));
    return problems;
  }
  const { sha256 } = await sha256File(entry.absolutePath);
  if (sha256 !== manifest.sha256) {
    problems.push(problem(entry, 'hash-mismatch', `${entry.path} has sha256 ${sha256}, its manifest says ${manifest.sha256}`, manifest.sha256, sha256));
  }
  return problems;
}

/** Re-hashes every artifact (of one site, or all) and compares it with its manifest. */
export async function verifyArtifacts(artifactsDir: string, opts: { site?: string } = {}): Promise<VerifyReport> {
  const entries = await scanArtifacts(artifactsDir, opts.site === undefined ? {} : { site: opts.site });
  const results: VerifyProblem[][] = new Array(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      results[i] = await verifyEntry(entries[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  const all = results.flat();
  const problems = all.filter((p) => p.kind !== 'missing-manifest');
  const incomplete = all.filter((p) => p.kind === 'missing-manifest');
  const verified = results.filter((r) => r.length === 0).length;
  return { ok: problems.length === 0, checked: entries.length, verified, problems, incomplete };
}
