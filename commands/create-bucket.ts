/** create-bucket: the artifacts bucket with uniform access, no versioning and soft delete. */
import { Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { loadDotEnv } from '../src/config/index.js';
import { createBucket, DEFAULT_SOFT_DELETE_DAYS, gcsTargetFrom, requireBucket, requireProject, type CreateBucketResult } from '../src/sync/index.js';

export class CreateBucket extends BaseCommand {
  static override summary = 'Create the artifacts bucket (uniform access, versioning off, soft delete) or check an existing one.';
  static override description = `Creates --bucket / $GCP_BUCKET in --project / $GCP_PROJECT with uniform bucket-level access, object versioning off and a soft-delete retention of --soft-delete-days (default ${DEFAULT_SOFT_DELETE_DAYS}; GCS accepts 7 to 90), and reports the settings applied. On an existing bucket it reports its settings and changes only a differing soft-delete retention. Needs roles/storage.admin on the project.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --project my-project --bucket my-team-artifacts --location EU',
    '<%= config.bin %> <%= command.id %> --soft-delete-days 30 --json',
  ];

  static override enableJsonFlag = true;

  static override flags = {
    bucket: Flags.string({ description: 'Bucket name (default: $GCP_BUCKET).' }),
    project: Flags.string({ description: 'Google Cloud project (default: $GCP_PROJECT).' }),
    'soft-delete-days': Flags.integer({ description: 'Days deleted objects stay recoverable (7 to 90).', default: DEFAULT_SOFT_DELETE_DAYS }),
    location: Flags.string({ description: 'Location for a new bucket, e.g. EU, US, europe-west1 (default: GCS default, US).' }),
  };

  async run(): Promise<CreateBucketResult> {
    loadDotEnv(process.cwd(), process.env);
    const { flags } = await this.parse(CreateBucket);
    const target = gcsTargetFrom(process.env, { bucket: flags.bucket, project: flags.project });
    const bucket = requireBucket(target);
    const project = requireProject(target);
    const result = await createBucket({ project, bucket, softDeleteDays: flags['soft-delete-days'], location: flags.location, gcs: { projectId: project } });
    const s = result.settings;
    this.log(result.created ? `Created gs://${bucket} in project ${project}.` : `gs://${bucket} already exists.`);
    this.log(`  location: ${s.location ?? 'unknown'}`);
    this.log(`  uniform bucket-level access: ${s.uniformAccess ? 'on' : 'off'}`);
    this.log(`  object versioning: ${s.versioning ? 'on' : 'off'}`);
    this.log(`  soft-delete retention: ${s.softDeleteDays} days`);
    for (const c of result.changed) this.log(`  changed: ${c}`);
    for (const w of result.warnings) this.warn(w);
    return result;
  }
}
