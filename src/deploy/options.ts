/** What `deploy render` is asked for, validated: one clear ERR_USAGE per mistake. */
import { MallardError } from '../engine/errors.js';
import { MAX_SHARDS } from '../engine/shard.js';
import { DEPLOY_TARGETS, type DeployTarget } from './steps.js';

export const DEPLOY_KINDS = ['cloud-run-job', 'k8s-indexed-job', 'github-actions-matrix'] as const;
export type DeployKind = (typeof DEPLOY_KINDS)[number];

/** The most shards each engine takes: Cloud Run 10,000 tasks per job, a matrix 256 jobs. */
export const SHARD_LIMITS: Readonly<Record<DeployKind, number>> = {
  'cloud-run-job': MAX_SHARDS,
  'k8s-indexed-job': MAX_SHARDS,
  'github-actions-matrix': 256,
};

export interface StoreLocation {
  bucket: string;
  /** Without leading or trailing slashes; '' for the bucket root. */
  prefix: string;
}

export interface DeployOptions {
  as: DeployKind;
  shards: number;
  /** Shards running at once (≤ shards). */
  parallelism: number;
  /** Retries of a failed shard or step by the engine (Cloud Run maxRetries, k8s backoff limits). */
  retries: number;
  site: string;
  /** `--site s`, or `--config-file <path relative to the project>`, as a checkout or image has it. */
  siteArgs: string[];
  store: StoreLocation;
  /** Container image holding this project (Cloud Run, Kubernetes). */
  image?: string;
  until: DeployTarget;
  /** Names of the environment variables holding tokens (never their values). */
  secretEnv: string[];
  /** Cloud Run or Kubernetes service account the jobs run as. */
  serviceAccount?: string;
}

export interface RawDeployOptions extends Omit<DeployOptions, 'store' | 'parallelism' | 'until'> {
  bucket?: string;
  prefix?: string;
  parallelism?: number;
  until?: string;
}

/** GCS bucket naming rules (https://cloud.google.com/storage/docs/buckets#naming). */
export function bucketProblem(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name)) return 'only lowercase letters, digits, dashes, underscores and dots, starting and ending with a letter or digit';
  const parts = name.split('.');
  if (name.length < 3 || (parts.length === 1 && name.length > 63) || name.length > 222) return 'between 3 and 63 characters (222 with dots, each part at most 63)';
  if (parts.some((p) => p.length === 0 || p.length > 63)) return 'dot-separated parts of 1 to 63 characters';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'not an IP address';
  if (name.startsWith('goog') || /g[o0][o0]g[l1]e/.test(name)) return 'must not start with "goog" or contain "google"';
  return undefined;
}

/** A prefix under the bucket: relative, no `..` or empty parts; slashes at the ends dropped. */
export function normalizeStorePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed.startsWith('/')) throw usage(`--prefix "${prefix}" must not start with "/": it is a folder inside the bucket, e.g. mallard/data-gov-uk`);
  const parts = trimmed === '' ? [] : trimmed.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw usage(`--prefix "${prefix}" must not contain "..", "." or empty parts ("//")`);
  if (/[\s#?*[\]]/.test(trimmed)) throw usage(`--prefix "${prefix}" must not contain spaces or any of # ? * [ ]`);
  return trimmed;
}

export function validateDeployOptions(raw: RawDeployOptions): DeployOptions {
  const limit = SHARD_LIMITS[raw.as];
  if (!Number.isInteger(raw.shards) || raw.shards < 1 || raw.shards > limit) {
    throw usage(`--shards ${raw.shards}: ${raw.as} takes 1 to ${limit} shards`);
  }
  const parallelism = raw.parallelism ?? raw.shards;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > raw.shards) {
    throw usage(`--parallelism ${parallelism}: must be between 1 and --shards (${raw.shards})`);
  }
  if (!Number.isInteger(raw.retries) || raw.retries < 0 || raw.retries > 10) throw usage(`--retries ${raw.retries}: must be between 0 and 10`);
  if (raw.bucket === undefined || raw.bucket === '') {
    throw new MallardError('ERR_USAGE', 'deploy render needs a bucket: shards share their outputs and receipts through gs://<bucket>/<prefix>', {
      suggestions: ['pass --bucket my-bucket (or set gcs.bucket in the site config, or GCP_BUCKET in the environment or .env)'],
    });
  }
  const problem = bucketProblem(raw.bucket);
  if (problem !== undefined) throw usage(`--bucket "${raw.bucket}" is not a GCS bucket name: ${problem}`);
  if (raw.as !== 'github-actions-matrix' && (raw.image === undefined || raw.image.trim() === '')) {
    throw usage(`--image is required with --as ${raw.as}: the container image holding this project (see docs/scale-out.md), e.g. europe-docker.pkg.dev/my-project/mallard/mallard:1.0`);
  }
  if (raw.image !== undefined && /\s/.test(raw.image)) throw usage(`--image "${raw.image}" must not contain spaces`);
  const until = raw.until ?? 'usage';
  if (!(DEPLOY_TARGETS as readonly string[]).includes(until)) throw usage(`--until ${until}: one of ${DEPLOY_TARGETS.join(', ')}`);
  if (raw.serviceAccount !== undefined && !/^[a-z0-9@._-]+$/.test(raw.serviceAccount)) throw usage(`--service-account "${raw.serviceAccount}" is not a service account name or email`);
  const { bucket, prefix, ...rest } = raw;
  return { ...rest, parallelism, until: until as DeployTarget, store: { bucket, prefix: normalizeStorePrefix(prefix ?? '') } };
}

export function storeUrl(store: StoreLocation): string {
  return store.prefix === '' ? `gs://${store.bucket}` : `gs://${store.bucket}/${store.prefix}`;
}

function usage(message: string): MallardError {
  return new MallardError('ERR_USAGE', message);
}
