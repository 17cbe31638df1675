/** sync-artifacts: push the artifacts directory to GCS, or restore it with --pull. */
import { Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { loadDotEnv } from '../src/config/index.js';
import { formatBytes, progressPrinter } from './transfer-progress.js';
import { gcsTargetFrom, pullArtifacts, requireBucket, syncArtifacts, type PullResult, type SyncResult } from '../src/sync/index.js';

export class SyncArtifacts extends BaseCommand {
  static override summary = 'Back up the artifacts directory to a Google Cloud Storage bucket, or restore it with --pull.';
  static override description = `Pushes read_only/ and runs/ (raw/ too with --include-raw) to gs://<bucket>/<prefix>/. Lists the bucket once and uploads only files that are missing or differ (md5, from a local hash cache in <artifacts-dir>/.cache/, so unchanged files are not re-read), in parallel, checksum-validated, databases before their manifests. Remote objects are never deleted unless --delete is given; --dry-run prints the plan.

With --pull, restores gs://<bucket>/<prefix>/ into --into (default: the artifacts directory): verifies every checksum, makes read_only/ files read-only (0444) again, skips files that are already identical, and never rewrites a local read-only artifact that differs.

The bucket comes from --bucket or GCP_BUCKET (environment or .env in the working directory). Credentials are Google's Application Default Credentials; STORAGE_EMULATOR_HOST points everything at an emulator.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --bucket my-team-artifacts --prefix staging --dry-run',
    '<%= config.bin %> <%= command.id %> --include-raw --delete',
    '<%= config.bin %> <%= command.id %> --pull --prefix staging --into ./restored --json',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    bucket: Flags.string({ description: 'Bucket name (default: $GCP_BUCKET).' }),
    prefix: Flags.string({ description: 'Folder inside the bucket.', default: '' }),
    'include-raw': Flags.boolean({ description: 'Also sync raw/ (downloaded API pages).', default: false }),
    delete: Flags.boolean({ description: 'Delete remote objects under the synced folders that no longer exist locally.', default: false, exclusive: ['pull'] }),
    'dry-run': Flags.boolean({ description: 'Print what would be transferred (and deleted) without doing it.', default: false }),
    pull: Flags.boolean({ description: 'Restore from the bucket instead of pushing to it.', default: false }),
    into: Flags.string({ description: 'With --pull: directory to restore into (default: --artifacts-dir).', dependsOn: ['pull'] }),
    concurrency: Flags.integer({ description: 'Parallel transfers.', default: 8, min: 1, max: 64 }),
  };

  async run(): Promise<SyncResult | PullResult> {
    loadDotEnv(process.cwd(), process.env);
    const { flags } = await this.parse(SyncArtifacts);
    const target = gcsTargetFrom(process.env, { bucket: flags.bucket });
    const bucket = requireBucket(target);
    const progress = progressPrinter(process.stderr, !this.jsonEnabled());
    const common = {
      bucket,
      prefix: flags.prefix,
      includeRaw: flags['include-raw'],
      dryRun: flags['dry-run'],
      concurrency: flags.concurrency,
      onProgress: progress.onProgress,
      gcs: { projectId: target.project },
    };
    try {
      if (flags.pull) {
        const into = this.artifactsDir(flags.into ?? flags['artifacts-dir'], 'write');
        const result = await pullArtifacts({ ...common, into });
        progress.finish();
        this.renderPull(result);
        return result;
      }
      // 'write': the push keeps its md5 cache in <artifacts-dir>/.cache/.
      const result = await syncArtifacts({ ...common, artifactsDir: this.artifactsDir(flags['artifacts-dir'], 'write'), delete: flags.delete });
      progress.finish();
      this.renderPush(result);
      return result;
    } finally {
      progress.finish();
    }
  }

  private renderPush(r: SyncResult): void {
    const where = r.prefix === '' ? `gs://${r.bucket}` : `gs://${r.bucket}/${r.prefix}`;
    if (r.dryRun) {
      const bytes = r.uploads.reduce((n, u) => n + u.size, 0);
      this.log(`Dry run: would upload ${r.uploads.length} files (${formatBytes(bytes)}) to ${where}, delete ${r.deletes.length}; ${r.unchanged} unchanged.`);
      for (const u of r.uploads) this.log(`  upload  ${u.path}  (${formatBytes(u.size)}, ${u.reason})`);
      for (const d of r.deletes) this.log(`  delete  ${d}`);
      return;
    }
    const deleted = r.deleted > 0 ? `, deleted ${r.deleted}` : '';
    this.log(`Pushed ${r.uploaded} files (${formatBytes(r.uploadedBytes)}) to ${where}${deleted}; ${r.unchanged} unchanged.`);
  }

  private renderPull(r: PullResult): void {
    const where = r.prefix === '' ? `gs://${r.bucket}` : `gs://${r.bucket}/${r.prefix}`;
    if (r.dryRun) {
      this.log(`Dry run: would restore ${r.downloads.length} files from ${where} into ${r.into}; ${r.unchanged} identical.`);
      for (const d of r.downloads) this.log(`  restore  ${d.path}  (${formatBytes(d.size)}, ${d.reason})`);
      return;
    }
    const modes = r.modesRestored > 0 ? `, read-only mode restored on ${r.modesRestored}` : '';
    this.log(`Restored ${r.downloaded} files (${formatBytes(r.downloadedBytes)}) from ${where} into ${r.into}; ${r.unchanged} identical${modes}.`);
  }
}
