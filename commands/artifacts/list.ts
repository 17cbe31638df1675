import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { type ArtifactInfo, listArtifacts } from '../../src/store/index.js';
import { formatBytes, renderTable, summarizeTables } from './render.js';

export class ArtifactsList extends BaseCommand {
  static override summary = 'List published artifacts.';
  static override description =
    'Lists the complete artifacts (database plus manifest) under <artifacts-dir>/read_only/, oldest first within each site and name. ' +
    'Files without a manifest are incomplete and not listed (see `artifacts verify`).';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --site data-gov-uk --name ckan_api',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    site: Flags.string({ description: 'Only artifacts of this site.' }),
    name: Flags.string({ description: 'Only artifacts of this name (e.g. ckan_api).' }),
  };

  async run(): Promise<{ artifactsDir: string; artifacts: ArtifactInfo[] }> {
    const { flags } = await this.parse(ArtifactsList);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const artifacts = await listArtifacts(artifactsDir, { site: flags.site, name: flags.name });
    if (artifacts.length === 0) {
      this.log(`No artifacts in ${artifactsDir}/read_only${flags.site || flags.name ? ' matching the filters' : ''}.`);
    } else {
      const rows = artifacts.map((a) => [a.site, a.name, a.timestamp, formatBytes(a.manifest.size), summarizeTables(a.manifest.tables)]);
      this.log(renderTable(['SITE', 'NAME', 'TIMESTAMP', 'SIZE', 'TABLES'], rows));
    }
    return { artifactsDir, artifacts };
  }
}
