import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { MallardError } from '../../src/engine/errors.js';
import { type ArtifactInfo, latestArtifactInfo } from '../../src/store/index.js';

export class ArtifactsLatest extends BaseCommand {
  static override summary = 'Print the path of the latest artifact of a name (or, with --sql, a ready read-only ATTACH line).';
  static override description =
    'Prints the absolute path of the newest complete artifact <name> of a site: the same resolution the stages use for their inputs. ' +
    'Artifacts without a manifest never count. Exits 1 when there is none.\n\n' +
    'Published files are read-only (0444), so open them read-only: `duckdb -readonly <path>`, or in any DuckDB session ' +
    "the line --sql prints (ATTACH '<path>' AS <name> (READ_ONLY);), or in Python duckdb.connect(path, read_only=True).";
  static override examples = [
    '<%= config.bin %> <%= command.id %> ckan_api --site data-gov-uk',
    'duckdb -readonly "$(<%= config.bin %> <%= command.id %> usage --site data-gov-uk)"',
    'duckdb -cmd "$(<%= config.bin %> <%= command.id %> usage --site data-gov-uk --sql)"',
  ];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({ description: 'Artifact name (lowercase letters, digits, underscores).', required: true }),
  };
  static override flags = {
    site: Flags.string({ description: 'Site the artifact belongs to.', required: true }),
    sql: Flags.boolean({ description: "Print ATTACH '<path>' AS <name> (READ_ONLY); for a DuckDB session instead of the path.", default: false }),
  };

  async run(): Promise<ArtifactInfo & { attachSql: string }> {
    const { args, flags } = await this.parse(ArtifactsLatest);
    const artifactsDir = this.artifactsDir(flags['artifacts-dir']);
    const latest = await latestArtifactInfo(artifactsDir, flags.site, args.name);
    if (!latest) {
      throw new MallardError('ERR_ARTIFACT_NOT_FOUND', `No complete artifact ${args.name} for site ${flags.site} in ${artifactsDir}/read_only`, {
        context: { site: flags.site, name: args.name },
        suggestions: ['list what exists with: artifacts list --site ' + flags.site],
      });
    }
    const attachSql = attachStatement(latest.absolutePath, args.name);
    this.log(flags.sql ? attachSql : latest.absolutePath);
    return { ...latest, attachSql };
  }
}

/** `ATTACH '<path>' AS <alias> (READ_ONLY);` with the path as a SQL string literal and the alias quoted when it must be. */
export function attachStatement(file: string, alias: string): string {
  const literal = `'${file.replace(/'/g, "''")}'`;
  const name = /^[a-z_][a-z0-9_]*$/.test(alias) ? alias : `"${alias.replace(/"/g, '""')}"`;
  return `ATTACH ${literal} AS ${name} (READ_ONLY);`;
}
