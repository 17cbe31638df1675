/**
 * The manifest written beside every published artifact: what it is, its checksum, row
 * counts, and what it was built from. Written last and atomically, then made read-only.
 */
import { z } from 'zod';
import { writeFileAtomic } from '../engine/atomic-file.js';
import { ARTIFACT_MODE } from './layout.js';
import { readStateFile } from './state-file.js';

export const MANIFEST_VERSION = 1;

/**
 * A raw file read, or many files of one kind (`path` is `<folder>/*<ext>`, `files` how many such
 * files were read, `bytes` their total): a stage that reads thousands of files of one folder
 * (24,500 Sourcegraph results at 100,000 datasets) records them as one entry, not one each.
 */
const rawInputSchema = z.object({
  path: z.string(),
  sha256: z.string().optional(),
  bytes: z.number().int().nonnegative().optional(),
  files: z.number().int().positive().optional(),
});

export const manifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  name: z.string(),
  site: z.string(),
  timestamp: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  tables: z.record(z.string(), z.number().int().nonnegative()),
  lineage: z.object({
    artifacts: z.array(z.string()),
    /** sha256 of each artifact in `artifacts` (by its path) when it was read; absent in older manifests. */
    artifactSha256: z.record(z.string(), z.string()).optional(),
    rawInputs: z.array(rawInputSchema),
  }),
  configHash: z.string().nullable(),
  toolVersion: z.string(),
  runId: z.string().nullable(),
  createdAt: z.string(),
  /** What the stage that built it reports about the build (e.g. a CKAN load's coercion counts). */
  build: z.record(z.string(), z.unknown()).optional(),
});

export type RawInput = z.infer<typeof rawInputSchema>;
export type ArtifactManifest = z.infer<typeof manifestSchema>;

/** Reads and validates a manifest; throws ERR_MANIFEST naming the file when it is unusable. */
export async function readManifest(file: string): Promise<ArtifactManifest> {
  return readStateFile(file, {
    what: 'manifest',
    schema: manifestSchema,
    code: 'ERR_MANIFEST',
    remedy: 'an artifact with a bad manifest is never used: publish it again (rerun its stage), or check `artifacts verify`',
  });
}

/** Writes a manifest atomically (temp file, fsync, rename) and makes it read-only. */
export async function writeManifest(file: string, manifest: ArtifactManifest): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(manifest, null, 2) + '\n', { mode: ARTIFACT_MODE, noReplace: true });
}
