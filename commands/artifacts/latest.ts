import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { MallardError } from '../../src/engine/errors.js';
import { type ArtifactInfo, latestArtifactInfo } from '../../src/store/index.js';

export class ArtifactsLatest extends BaseCommand {
  static override summary = 'Print the path of the latest artifact of a name.';
  static override description =
    'Prints the absolute path of the newest complete artifact <name> of a site: the same resolution the stages use for their inputs. ' +
    'Artifacts without a manifest never count. Exits 1 when there is none.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ckan_api --site data-gov-uk',
    'duckdb "$(<%= config.bin %> <%= command.id %> usage --site data-gov-uk)"',
  ];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({ description: 'Artifact name (lowercase letters, digits, underscores).', required: true }),
  };
  static override flags = {
    site: Flags.string({ description: 'Site the artifact belongs to.', required: true }),
  };

  async run(): Promise<ArtifactInfo> {
    const { args, flags } = await this.parse(ArtifactsLatest);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const latest = await latestArtifactInfo(artifactsDir, flags.site, args.name);
    if (!latest) {
      throw new MallardError('ERR_ARTIFACT_NOT_FOUND', `No complete artifact ${args.name} for site ${flags.site} in ${artifactsDir}/read_only`, {
        context: { site: flags.site, name: args.name },
        suggestions: ['list what exists with: artifacts list --site ' + flags.site],
      });
    }
    this.log(latest.absolutePath);
    return latest;
  }
}
