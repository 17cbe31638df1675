/** deploy render: the job definitions of a sharded run, for Cloud Run, Kubernetes or GitHub Actions. */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { DEPLOY_KINDS, DEPLOY_TARGETS, renderDeployment, validateDeployOptions, type RenderedFile } from '../../src/deploy/index.js';
import { writeFileAtomicSync } from '../../src/engine/index.js';
import { SiteCommand } from '../site-command.js';

export class DeployRender extends SiteCommand {
  static override summary = 'Print (or write with --out) the job definitions that run a site\'s pipeline in N shards on Cloud Run, Kubernetes or GitHub Actions.';
  static override description = `The pipeline runs as a sequence of steps (docs/scale-out.md): for each stage (CKAN pages, Sourcegraph searches, GitHub repositories) a plan step, then N shards each doing its share of the stage's leaf work (\`--shard <index>/N\`, the index from the engine's own variable), and one final step that builds and publishes the databases once every shard succeeded. Every step reads and writes the bucket given by --bucket/--prefix (\`--store gs://bucket/prefix\`).
- cloud-run-job: one Cloud Run job YAML per step (taskCount N, maxRetries) and run.sh, which applies them (gcloud run jobs replace) and executes them in order with --wait.
- k8s-indexed-job: one Job per step (sharded steps: completionMode Indexed, backoffLimitPerIndex, a podFailurePolicy that fails at once on a usage error) and run.sh, which creates them in order and waits for each.
- github-actions-matrix: one workflow, a job per step chained with needs:, sharded steps as a matrix (fail-fast: false, max-parallel).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --as cloud-run-job --shards 8 --site data-gov-uk --bucket my-bucket --image europe-docker.pkg.dev/my-project/mallard/mallard:1.0 --out deploy/cloud-run',
    '<%= config.bin %> <%= command.id %> --as k8s-indexed-job --shards 16 --site data-gov-uk --bucket my-bucket --prefix mallard/uk --image ghcr.io/me/mallard:1.0 --out deploy/k8s',
    '<%= config.bin %> <%= command.id %> --as github-actions-matrix --shards 4 --site data-gov-uk --bucket my-bucket --out .github/workflows',
    '<%= config.bin %> <%= command.id %> --as github-actions-matrix --shards 4 --site data-gov-uk --bucket my-bucket --until ckan_clean',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    as: Flags.string({ description: 'The engine to render for.', options: [...DEPLOY_KINDS], required: true }),
    shards: Flags.integer({ description: 'Number of shards each stage\'s leaf work is split into (Cloud Run and Kubernetes up to 10000, GitHub Actions up to 256).', required: true }),
    bucket: Flags.string({ description: 'GCS bucket the shards share (default: gcs.bucket of the site config, then GCP_BUCKET).' }),
    prefix: Flags.string({ description: 'Folder in the bucket (default: gcs.prefix of the site config, then mallard/<site>).' }),
    image: Flags.string({ description: 'Container image holding this project (required for cloud-run-job and k8s-indexed-job).' }),
    until: Flags.string({ description: 'The last database the run publishes.', options: [...DEPLOY_TARGETS], default: 'usage' }),
    parallelism: Flags.integer({ description: 'Shards running at once (default: all of them).' }),
    retries: Flags.integer({ description: 'Retries of a failed shard or step by the engine.', default: 3 }),
    'service-account': Flags.string({ description: 'Service account the Cloud Run or Kubernetes jobs run as (needs read/write on the bucket).' }),
    out: Flags.string({ description: 'Write the files into this directory instead of printing them.' }),
  };

  async run(): Promise<{ files: RenderedFile[]; written: boolean }> {
    const { flags } = await this.parse(DeployRender);
    const loaded = await this.loadConfig(flags);
    const config = loaded.config;
    const opts = validateDeployOptions({
      as: flags.as as (typeof DEPLOY_KINDS)[number],
      shards: flags.shards,
      ...(flags.parallelism === undefined ? {} : { parallelism: flags.parallelism }),
      retries: flags.retries,
      site: config.site,
      siteArgs: flags.site !== undefined ? ['--site', flags.site] : ['--config-file', path.relative(process.cwd(), loaded.file).split(path.sep).join('/')],
      ...definedBucket(flags.bucket ?? config.gcs.bucket ?? process.env.GCP_BUCKET),
      prefix: flags.prefix ?? config.gcs.prefix ?? `mallard/${config.site}`,
      ...(flags.image === undefined ? {} : { image: flags.image }),
      until: flags.until,
      secretEnv: [...new Set([config.sourcegraph.tokenEnv, config.github.tokenEnv])],
      ...(flags['service-account'] === undefined ? {} : { serviceAccount: flags['service-account'] }),
    });
    const { files } = renderDeployment(opts);
    if (flags.out !== undefined) {
      mkdirSync(flags.out, { recursive: true });
      for (const f of files) {
        const file = path.join(flags.out, f.file);
        writeFileAtomicSync(file, f.text);
        if (f.file.endsWith('.sh')) chmodSync(file, 0o755);
      }
      if (!this.jsonEnabled()) this.log(files.map((f) => `wrote ${path.join(flags.out!, f.file)}`).join('\n'));
      return { files, written: true };
    }
    if (!this.jsonEnabled()) this.log(files.length === 1 ? files[0]!.text.trimEnd() : files.map((f) => `# ----- ${f.file}\n${f.text}`).join('\n').trimEnd());
    return { files, written: false };
  }
}

function definedBucket(bucket: string | undefined): { bucket?: string } {
  return bucket === undefined || bucket === '' ? {} : { bucket };
}
