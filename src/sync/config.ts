/**
 * Where sync goes: GCP_PROJECT and GCP_BUCKET from the environment (the CLI loads .env first),
 * overridden by explicit values (flags). A bucket name GCS would refuse is an ERR_USAGE naming
 * where it came from.
 */
import { MallardError } from '../engine/errors.js';
import { checkBucketName } from './names.js';

export interface GcsTarget {
  bucket?: string;
  project?: string;
}

export function gcsTargetFrom(env: NodeJS.ProcessEnv, overrides: GcsTarget = {}): GcsTarget {
  const pick = (flag: string | undefined, name: string): string | undefined => {
    const value = flag ?? env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim().replace(/^gs:\/\//, '').replace(/\/+$/, '');
  };
  const bucket = pick(overrides.bucket, 'GCP_BUCKET');
  const origin = overrides.bucket !== undefined && overrides.bucket.trim() !== '' ? '--bucket' : 'GCP_BUCKET';
  return { bucket: bucket === undefined ? undefined : checkBucketName(bucket, origin), project: pick(overrides.project, 'GCP_PROJECT') };
}

export function requireBucket(target: GcsTarget): string {
  if (target.bucket) return target.bucket;
  throw new MallardError('ERR_CONFIG', 'No bucket given: set GCP_BUCKET (environment or .env) or pass --bucket', {
    suggestions: ['for example: echo GCP_BUCKET=my-team-artifacts >> .env'],
  });
}

export function requireProject(target: GcsTarget): string {
  if (target.project) return target.project;
  throw new MallardError('ERR_CONFIG', 'No Google Cloud project given: set GCP_PROJECT (environment or .env) or pass --project', {
    suggestions: ['for example: echo GCP_PROJECT=my-project-id >> .env'],
  });
}
