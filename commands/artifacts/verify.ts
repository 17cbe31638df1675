import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { EXIT_TASK_FAILED } from '../render-error.js';
import { type VerifyReport, verifyArtifacts } from '../../src/store/index.js';

export class ArtifactsVerify extends BaseCommand {
  static override summary = 'Re-hash artifacts and compare them with their manifests.';
  static override description =
    'Re-hashes every artifact under <artifacts-dir>/read_only/ and compares size and sha256 with its manifest; also reports ' +
    'manifests without a database, unreadable manifests and files that are not read-only. ' +
    'Databases without a manifest (a publish cut short) are listed as incomplete: never used, not a failure; `artifacts prune` removes them. ' +
    'Exits 1 when anything is wrong.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --site data-gov-uk --json'];
  static override enableJsonFlag = true;
  static override flags = {
    site: Flags.string({ description: 'Only artifacts of this site.' }),
  };

  async run(): Promise<VerifyReport> {
    const { flags } = await this.parse(ArtifactsVerify);
    const report = await verifyArtifacts(this.artifactsDir(flags['artifacts-dir']), { site: flags.site });
    for (const p of report.problems) this.log(`${p.kind.padEnd(16)}  ${p.message}`);
    for (const p of report.incomplete) this.log(`${'incomplete'.padEnd(16)}  ${p.message}`);
    const incomplete = report.incomplete.length === 0 ? '' : `; ${report.incomplete.length} incomplete (not a failure; remove with: artifacts prune)`;
    const summary = `${report.verified} of ${report.checked} artifacts verified${incomplete}`;
    if (report.ok) {
      this.log(summary);
    } else {
      this.logToStderr(`${summary}; ${report.problems.length} ${report.problems.length === 1 ? 'problem' : 'problems'} found`);
      process.exitCode = EXIT_TASK_FAILED;
    }
    return report;
  }
}
