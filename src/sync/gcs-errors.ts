/**
 * Turns what @google-cloud/storage and google-auth-library throw into one MallardError that
 * names the bucket (and object): missing credentials, permission denied, missing bucket.
 */
import { MallardError, errorMessage, isMallardError } from '../engine/errors.js';
import { describeFailure, isRetryable } from '../engine/retry.js';
import { HTTP_RETRY, isRetryableStatus } from '../http/index.js';

export const ERR_GCS_CREDENTIALS = 'ERR_GCS_CREDENTIALS';
export const ERR_GCS_PERMISSION = 'ERR_GCS_PERMISSION';
export const ERR_GCS_BUCKET_MISSING = 'ERR_GCS_BUCKET_MISSING';
export const ERR_GCS = 'ERR_GCS';
/** HTTP 412: an `ifGenerationMatch` did not hold (the object exists, or changed since it was read). Never retryable. */
export const ERR_GCS_PRECONDITION = 'ERR_GCS_PRECONDITION';
export const ERR_SYNC_CHECKSUM = 'ERR_SYNC_CHECKSUM';
export const ERR_SYNC_CONFLICT = 'ERR_SYNC_CONFLICT';

const CREDENTIAL_PATTERNS = [
  /could not load the default credentials/i,
  /GOOGLE_APPLICATION_CREDENTIALS/,
  /the file at .* does not exist/i,
  /invalid_grant|invalid_rapt|reauthentication|unable to detect a project id/i,
  /no access, refresh token|API key|Anonymous caller/i,
];

export interface GcsErrorContext {
  bucket: string;
  object?: string;
  action: string;
  /** The generation a conditional write or delete required (0: that the object be absent). */
  ifGenerationMatch?: number;
}

/** ERR_GCS_PRECONDITION for a conditional write or delete of `gs://bucket/object` that lost. */
export function preconditionError(ctx: GcsErrorContext & { object: string }, cause?: unknown): MallardError {
  const where = `gs://${ctx.bucket}/${ctx.object}`;
  const why = ctx.ifGenerationMatch === 0 ? 'it already exists' : `its generation is no longer ${ctx.ifGenerationMatch ?? 'the one read'}`;
  return new MallardError(ERR_GCS_PRECONDITION, `Did not ${ctx.action} ${where}: ${why} (another writer got there first)`, {
    cause,
    context: { bucket: ctx.bucket, object: ctx.object, action: ctx.action, status: 412, ifGenerationMatch: ctx.ifGenerationMatch },
    retryable: false,
  });
}

export function isPreconditionError(err: unknown): boolean {
  return isMallardError(err) && err.code === ERR_GCS_PRECONDITION;
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const status = (err as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A MallardError for any failure of a GCS call; MallardErrors pass through unchanged. */
export function toGcsError(err: unknown, ctx: GcsErrorContext): MallardError {
  if (isMallardError(err)) return err;
  const status = statusOf(err);
  const message = errorMessage(err);
  const where = ctx.object === undefined ? `gs://${ctx.bucket}` : `gs://${ctx.bucket}/${ctx.object}`;
  const context = { bucket: ctx.bucket, object: ctx.object, action: ctx.action, status };
  if (status === 412 && ctx.object !== undefined) return preconditionError({ ...ctx, object: ctx.object }, err);
  if (status === 401 || (status === undefined && CREDENTIAL_PATTERNS.some((re) => re.test(message)))) {
    return new MallardError(ERR_GCS_CREDENTIALS, `No usable Google Cloud credentials to ${ctx.action} ${where}: ${firstLine(message)}`, {
      cause: err,
      context,
      suggestions: [
        'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file',
        'for a local emulator, set STORAGE_EMULATOR_HOST=http://127.0.0.1:PORT',
      ],
    });
  }
  if (status === 403) {
    return new MallardError(ERR_GCS_PERMISSION, `Permission denied to ${ctx.action} ${where}: ${firstLine(message)}`, {
      cause: err,
      context,
      suggestions: [`grant the account roles/storage.objectAdmin on gs://${ctx.bucket} (roles/storage.admin to create buckets)`],
    });
  }
  if (status === 404 && (ctx.object === undefined || /bucket/i.test(message.split(ctx.bucket).join('')))) {
    return new MallardError(ERR_GCS_BUCKET_MISSING, `Bucket gs://${ctx.bucket} does not exist (while trying to ${ctx.action})`, {
      cause: err,
      context,
      suggestions: ['check GCP_BUCKET / --bucket, or create it with `./cli.sh create-bucket`'],
    });
  }
  const retryable = status === undefined ? isRetryable(HTTP_RETRY, describeFailure(err)) : isRetryableStatus(status);
  return new MallardError(ERR_GCS, `Could not ${ctx.action} ${where}: ${firstLine(message)}`, { cause: err, context, retryable });
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
