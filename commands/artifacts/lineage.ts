import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { type LineageNode, artifactLineage } from '../../src/store/index.js';
import { renderLineage } from './render.js';

export class ArtifactsLineage extends BaseCommand {
  static override summary = 'Show what an artifact was built from, recursively.';
  static override description =
    'Follows the manifests from an artifact to the artifacts and raw inputs it was built from, and theirs, and prints the tree. ' +
    'The artifact is a path (to the .db or its manifest), <name>_<timestamp>, or <site>/<name>_<timestamp>. ' +
    'Inputs that were pruned or lack a manifest are marked, not fatal.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> usage_20240115T103000Z',
    '<%= config.bin %> <%= command.id %> artifacts/read_only/data-gov-uk/usage_20240115T103000Z.db --json',
  ];
  static override enableJsonFlag = true;
  static override args = {
    artifact: Args.string({ description: 'Artifact path, <name>_<timestamp> or <site>/<name>_<timestamp>.', required: true }),
  };

  async run(): Promise<LineageNode> {
    const { args, flags } = await this.parse(ArtifactsLineage);
    const tree = await artifactLineage(this.artifactsDir(flags['artifacts-dir']), args.artifact, { cwd: process.cwd() });
    this.log(renderLineage(tree));
    return tree;
  }
}
