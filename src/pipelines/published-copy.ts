/**
 * Is a work database still published? run-models publishes its build by a hard link, so the
 * published artifact is the work database's other name: the same inode. Restored or copied
 * elsewhere the two are separate files, then the same content (the manifest's sha256, through
 * the artifacts directory's cached hasher) says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Verdict } from '../engine/index.js';
import { artifactHasher, listArtifacts } from '../store/index.js';

export async function publishedCopyVerdict(artifactsDir: string, site: string, name: string, workDb: string): Promise<Verdict> {
  const work = fs.statSync(workDb, { throwIfNoEntry: false });
  if (work === undefined) return { complete: false, reason: `missing output ${workDb}` };
  const published = await listArtifacts(artifactsDir, { site, name });
  if (published.some((a) => fs.statSync(a.absolutePath, { throwIfNoEntry: false })?.ino === work.ino)) return { complete: true };
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
