/**
 * The artifact store: publishing built databases as read-only artifacts with manifests,
 * and listing, resolving, verifying, pruning and tracing them. See README.md.
 */
export {
  ARTIFACT_MODE,
  DB_SUFFIX,
  MANIFEST_SUFFIX,
  READ_ONLY_DIR,
  type ArtifactSlot,
  absoluteArtifactPath,
  artifactSlot,
  formatTimestamp,
  isValidArtifactName,
  parseArtifactFileName,
  parseTimestamp,
  relativeArtifactPath,
} from './layout.js';
export { type ArtifactManifest, MANIFEST_VERSION, type RawInput, manifestSchema, readManifest } from './manifest.js';
export {
  type ArtifactEntry,
  type ArtifactFilter,
  type ArtifactInfo,
  latestArtifact,
  latestArtifactInfo,
  listArtifacts,
  scanArtifacts,
} from './catalog.js';
export { type PublishOptions, type PublishedArtifact, publishArtifact } from './publish.js';
export { type VerifyProblem, type VerifyProblemKind, type VerifyReport, verifyArtifacts } from './verify.js';
export { type PruneOptions, type PruneReport, type PrunedArtifact, pruneArtifacts, selectForPrune } from './prune.js';
export { type LineageNode, type LineageStatus, artifactLineage, resolveArtifactRef } from './lineage.js';
export { sha256File } from './files.js';
export { artifactHasher, checkArtifact } from './trust.js';
export { ERR_STATE_FILE, parseStateFile, readStateFile, readStateFileSync, requireStateFileSync, type StateFileSpec } from './state-file.js';
export { parseCount, parseDuration } from './parse-options.js';
