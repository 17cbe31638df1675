/**
 * create-bucket: a bucket with uniform bucket-level access, versioning off and a soft-delete
 * retention (default 14 days). On an existing bucket it changes nothing but a differing
 * soft-delete retention, and reports what it found.
 */
import { MallardError } from '../engine/errors.js';
import { storeFrom, type StoreChoice } from './gcs-store.js';
import type { BucketSettings } from './object-store.js';

export const DEFAULT_SOFT_DELETE_DAYS = 14;
const DAY = 86_400;

export interface CreateBucketOptions extends StoreChoice {
  project: string;
  bucket: string;
  softDeleteDays?: number;
  location?: string;
}

export interface CreateBucketResult {
  bucket: string;
  project: string;
  /** True when the bucket was created now; false when it existed. */
  created: boolean;
  /** What was changed on an existing bucket, e.g. "soft-delete retention 7 → 14 days". */
  changed: string[];
  /** Settings that differ from what create-bucket would choose but are left alone. */
  warnings: string[];
  settings: BucketSettings & { softDeleteDays: number };
}

export async function createBucket(opts: CreateBucketOptions): Promise<CreateBucketResult> {
  const days = opts.softDeleteDays ?? DEFAULT_SOFT_DELETE_DAYS;
  validateDays(days);
  const seconds = days * DAY;
  const store = await storeFrom(opts);
  const existing = await store.getBucket(opts.bucket);
  if (!existing) {
    const wanted: BucketSettings = { name: opts.bucket, location: opts.location, uniformAccess: true, versioning: false, softDeleteSeconds: seconds };
    const settings = await store.createBucket(opts.project, wanted);
    return { bucket: opts.bucket, project: opts.project, created: true, changed: [], warnings: [], settings: withDays(settings) };
  }
  const changed: string[] = [];
  let settings = existing;
  if (existing.softDeleteSeconds !== seconds) {
    settings = await store.setSoftDelete(opts.bucket, seconds);
    changed.push(`soft-delete retention ${formatDays(existing.softDeleteSeconds)} → ${formatDays(seconds)}`);
  }
  const warnings: string[] = [];
  if (!existing.uniformAccess) warnings.push('uniform bucket-level access is off (left unchanged)');
  if (existing.versioning) warnings.push('object versioning is on (left unchanged; soft delete already keeps deleted objects)');
  if (opts.location && existing.location && existing.location.toUpperCase() !== opts.location.toUpperCase()) {
    warnings.push(`the bucket is in ${existing.location}, not ${opts.location} (a bucket cannot move)`);
  }
  return { bucket: opts.bucket, project: opts.project, created: false, changed, warnings, settings: withDays(settings) };
}

/** GCS accepts a soft-delete retention of 7 to 90 days. */
function validateDays(days: number): void {
  if (!Number.isInteger(days) || days < 7 || days > 90) {
    throw new MallardError('ERR_USAGE', `Soft-delete retention must be a whole number of days from 7 to 90 (got ${days})`, {
      context: { softDeleteDays: days },
      suggestions: [`the default is ${DEFAULT_SOFT_DELETE_DAYS}`],
    });
  }
}

function withDays(settings: BucketSettings): BucketSettings & { softDeleteDays: number } {
  return { ...settings, softDeleteDays: settings.softDeleteSeconds / DAY };
}

function formatDays(seconds: number): string {
  return seconds === 0 ? 'off' : `${+(seconds / DAY).toFixed(2)} days`;
}
