/** artifacts promote: server-side copy of the latest artifacts from one GCS location to another. */
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { loadDotEnv } from '../../src/config/index.js';
import { formatBytes, progressPrinter } from '../transfer-progress.js';
import { gcsTargetFrom, promoteArtifacts, type PromoteResult } from '../../src/sync/index.js';

export class ArtifactsPromote extends BaseCommand {
  static override summary = 'Copy the latest artifacts (with manifests) from one bucket or prefix to another, e.g. staging to production.';
  static override description = `Finds, under --from, the newest complete artifact (database and manifest) of each name and site, and copies it server-side to the same path under --to: databases first, manifests last. A location is gs://bucket/prefix, gs://bucket, or a bare prefix in --bucket / $GCP_BUCKET. Objects already at the target with the same content are skipped; if any target object exists with different content, nothing is copied and the error names it.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --from staging --to production',
    '<%= config.bin %> <%= command.id %> --from gs://team-staging --to gs://team-prod --name usage --name clean_ckan_api',
    '<%= config.bin %> <%= command.id %> --from staging --to production --site data-gov-uk --dry-run --json',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    from: Flags.string({ description: 'Source: gs://bucket/prefix, gs://bucket, or a prefix in the default bucket.', required: true }),
    to: Flags.string({ description: 'Target: gs://bucket/prefix, gs://bucket, or a prefix in the default bucket.', required: true }),
    name: Flags.string({ description: 'Only these artifact names (repeatable).', multiple: true }),
    site: Flags.string({ description: 'Only artifacts of this site.' }),
    bucket: Flags.string({ description: 'Default bucket for bare prefixes (default: $GCP_BUCKET).' }),
    'dry-run': Flags.boolean({ description: 'Show what would be copied without copying.', default: false }),
  };

  async run(): Promise<PromoteResult> {
    loadDotEnv(process.cwd(), process.env);
    const { flags } = await this.parse(ArtifactsPromote);
    const target = gcsTargetFrom(process.env, { bucket: flags.bucket });
    const progress = progressPrinter(process.stderr, !this.jsonEnabled());
    let result: PromoteResult;
    try {
      result = await promoteArtifacts({
        from: flags.from,
        to: flags.to,
        defaultBucket: target.bucket,
        names: flags.name,
        site: flags.site,
        dryRun: flags['dry-run'],
        onProgress: progress.onProgress,
        gcs: { projectId: target.project },
      });
    } finally {
      progress.finish();
    }
    const verb = result.dryRun ? 'Dry run: would copy' : 'Copied';
    this.log(`${verb} ${result.copied} objects (${result.artifacts.length} artifacts) from ${result.from} to ${result.to}; ${result.skipped} already there.`);
    for (const a of result.artifacts) {
      const state = a.copied.length === 0 ? 'already there' : result.dryRun ? 'to copy' : 'copied';
      this.log(`  ${a.site}/${a.name}_${a.timestamp}  ${state}`);
    }
    if (!result.dryRun && result.copiedBytes > 0) this.log(`  ${formatBytes(result.copiedBytes)} copied server-side`);
    return result;
  }
}
