/**
 * Is a work database still published? run-models publishes its build by a hard link, so the
 * published artifact is the work database's other name: the same inode. Restored or copied
 * elsewhere the two are separate files, then the same content (the manifest's sha256, through
 * the artifacts directory's cached hasher) says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Verdict } from '../engine/index.js';
import { artifactHasher, latestArtifact, listArtifacts } from '../store/index.js';

const inodeOf = (file: string): number | undefined => fs.statSync(file, { throwIfNoEntry: false })?.ino;

/**
 * Asked by every stage whose graph holds the build: the latest artifact (one manifest read) is
 * the usual answer; only when it is not the build are all of them read.
 */
export async function publishedCopyVerdict(artifactsDir: string, site: string, name: string, workDb: string): Promise<Verdict> {
  const work = fs.statSync(workDb, { throwIfNoEntry: false });
  if (work === undefined) return { complete: false, reason: `missing output ${workDb}` };
  const latest = await latestArtifact(artifactsDir, site, name);
  if (latest !== undefined && inodeOf(latest) === work.ino) return { complete: true };
  const published = await listArtifacts(artifactsDir, { site, name });
  if (published.some((a) => inodeOf(a.absolutePath) === work.ino)) return { complete: true };
  const candidates = published.filter((a) => a.manifest.size === work.size);
  if (candidates.length > 0) {
    const hasher = await artifactHasher(artifactsDir);
    const sha256 = await hasher.sha256(workDb);
    await hasher.save();
    if (candidates.some((a) => a.manifest.sha256 === sha256)) return { complete: true };
  }
  return {
    complete: false,
    reason: `its build is no longer published: no ${name} artifact under ${path.join('read_only', site)} is ${path.relative(artifactsDir, workDb)} (deleted since?)`,
  };
}
