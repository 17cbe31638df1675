/**
 * Nothing changed is trusted: before a stage reads a published artifact, its database is
 * checked against its manifest (size, then sha256 through the engine's cached file hasher,
 * so an unchanged file is hashed once per machine, not once per read). A mismatch is
 * ERR_ARTIFACT_CHANGED naming the file and `artifacts verify`.
 */
import { MallardError } from '../engine/errors.js';
import { FileHasher } from '../engine/file-hash.js';
import { DB_SUFFIX, MANIFEST_SUFFIX } from './layout.js';
import { readManifest } from './manifest.js';

/** The process's one hasher of an artifacts directory (its cache file loaded once; the engine's receipts share it). */
export function artifactHasher(artifactsDir: string): Promise<FileHasher> {
  return FileHasher.shared(artifactsDir);
}

function changed(file: string, what: string, expected: string | number, actual: string | number): MallardError {
  return new MallardError('ERR_ARTIFACT_CHANGED', `${file} was changed after it was published (its ${what} differs from its manifest): not read; see \`artifacts verify\``, {
    context: { file, [`expected ${what}`]: expected, [`actual ${what}`]: actual },
    suggestions: [
      'run `./cli.sh artifacts verify` to see every artifact that no longer matches its manifest',
      'restore the file (e.g. sync-artifacts --pull), or remove it and its manifest and rerun the stage that publishes it',
    ],
    retryable: false,
  });
}

/** Checks a published database against its manifest; returns its sha256 (for lineage). */
export async function checkArtifact(artifactsDir: string, dbFile: string): Promise<string> {
  const manifestFile = dbFile.slice(0, -DB_SUFFIX.length) + MANIFEST_SUFFIX;
  const manifest = await readManifest(manifestFile);
  const hasher = await artifactHasher(artifactsDir);
  const digest = await hasher.digest(dbFile);
  if (digest.size !== manifest.size) throw changed(dbFile, 'size', manifest.size, digest.size);
  if (digest.sha256 !== manifest.sha256) throw changed(dbFile, 'sha256', manifest.sha256, digest.sha256);
  await hasher.save();
  return digest.sha256;
}
