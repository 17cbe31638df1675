import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { type PruneReport, parseCount, parseDuration, pruneArtifacts } from '../../src/store/index.js';
import { formatAge, formatBytes } from './render.js';

export class ArtifactsPrune extends BaseCommand {
  static override summary = 'Remove old artifacts, keeping the newest of each name.';
  static override description =
    'Removes an artifact (database and manifest) only when it is beyond the --keep newest of its site and name AND older ' +
    'than --older-than. The latest artifact of a name is never removed. --dry-run shows what would go and removes nothing.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --keep 3 --older-than 30d --dry-run',
    '<%= config.bin %> <%= command.id %> --keep 1 --older-than 12h --site data-gov-uk --name ckan_api',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    keep: Flags.string({ description: 'How many of the newest artifacts of each name to keep whatever their age (0 or more; the latest always stays).', required: true }),
    'older-than': Flags.string({ description: 'Only remove artifacts older than this: a number with a unit s, m, h, d or w (30d, 12h, 1d12h).', required: true }),
    'dry-run': Flags.boolean({ description: 'Show what would be removed; remove nothing.', default: false }),
    site: Flags.string({ description: 'Only artifacts of this site.' }),
    name: Flags.string({ description: 'Only artifacts of this name.' }),
  };

  async run(): Promise<PruneReport> {
    const { flags } = await this.parse(ArtifactsPrune);
    const keep = parseCount(flags.keep, '--keep');
    const olderThanMs = parseDuration(flags['older-than'], '--older-than');
    const report = await pruneArtifacts(this.artifactsDir(flags['artifacts-dir'], flags['dry-run'] ? 'read' : 'write'), {
      keep,
      olderThanMs,
      dryRun: flags['dry-run'],
      now: () => new Date(),
      site: flags.site,
      name: flags.name,
    });
    const verb = report.dryRun ? 'would remove' : 'removed';
    for (const a of report.removed) this.log(`${verb}  ${a.path}  (${formatBytes(a.size)}, ${formatAge(a.ageMs)} old)`);
    for (const a of report.incomplete) this.log(`${verb}  ${a.path}  (${formatBytes(a.size)}, incomplete: no manifest)`);
    const incomplete = report.incomplete.length === 0 ? '' : ` and ${report.incomplete.length} incomplete`;
    this.log(`${report.dryRun ? 'Would remove' : 'Removed'} ${report.removed.length} artifacts${incomplete} (${formatBytes(report.freedBytes)}); ${report.kept} kept.`);
    return report;
  }
}
