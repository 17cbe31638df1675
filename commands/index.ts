/**
 * Every command of the CLI, by id (oclif's explicit discovery: one import, no directory scan,
 * so start-up stays fast). Topic commands use a space in their id: `artifacts list`.
 */
import type { Command } from '@oclif/core';
import ArtifactsPromote from './artifacts/promote.js';
import CreateBucket from './create-bucket.js';
import SyncArtifacts from './sync-artifacts.js';

export const COMMANDS: Record<string, Command.Class> = {
  'artifacts:promote': ArtifactsPromote,
  'create-bucket': CreateBucket,
  'sync-artifacts': SyncArtifacts,
};
