/**
 * GCS's naming rules, checked before any request: a bucket name the service would refuse or
 * (worse) a client library would turn into a different path (`Bad Bucket/../x` became bucket
 * `x`), and a prefix that is not a plain folder path. Errors are ERR_USAGE naming where the
 * value came from (exit 2).
 * Rules: https://cloud.google.com/storage/docs/buckets#naming and …/objects#naming.
 */
import { MallardError } from '../engine/errors.js';

/** Why `name` is not a valid GCS bucket name, or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.includes('/')) return 'a bucket name has no "/" (put the folder in --prefix)';
  if (/[A-Z]/.test(name) && /^[A-Za-z0-9._-]+$/.test(name)) return 'bucket names are lowercase';
  if (!/^[a-z0-9._-]+$/.test(name)) return 'only lowercase letters, digits, "-", "_" and "." are allowed (no spaces)';
  const parts = name.split('.');
  if (parts.length === 1 && (name.length < 3 || name.length > 63)) return `it must be 3 to 63 characters long (it is ${name.length})`;
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'it must start and end with a letter or digit';
  if (parts.length > 1) {
    if (name.length > 222) return `a dotted name must be at most 222 characters long (it is ${name.length})`;
    if (parts.some((p) => p === '')) return 'dots must separate non-empty parts';
    if (parts.some((p) => p.length > 63)) return 'each dot-separated part must be at most 63 characters long';
    if (name.length < 3) return 'it must be at least 3 characters long';
    if (parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p))) return 'it must not look like an IP address';
  }
  if (name.startsWith('goog')) return 'it must not begin with "goog"';
  if (/g[o0][o0]g[l1]e/.test(name)) return 'it must not contain "google" or a look-alike';
  return undefined;
}

/** `name` when it is a valid bucket name; otherwise ERR_USAGE naming `origin` (e.g. --bucket). */
export function checkBucketName(name: string, origin = 'bucket'): string {
  const problem = bucketNameProblem(name);
  if (problem === undefined) return name;
  const suggestions: string[] = [];
  const lower = name.toLowerCase();
  if (name.includes('/') && bucketNameProblem(name.split('/')[0]!) === undefined && !name.includes('..')) {
    suggestions.push(`for gs://${name}: --bucket ${name.split('/')[0]} --prefix ${name.split('/').slice(1).join('/')}`);
  } else if (lower !== name && bucketNameProblem(lower) === undefined) {
    suggestions.push(`did you mean ${lower}?`);
  }
  suggestions.push('GCS bucket names: 3-63 lowercase letters, digits, "-", "_" or "."; starting and ending with a letter or digit');
  return fail(`invalid bucket name "${name}" (from ${origin}): ${problem}`, { bucket: name, origin }, suggestions);
}

/** Why `prefix` is not a plain folder path inside a bucket, or undefined when it is ('' is the bucket root). */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (/^gs:\/\//i.test(prefix)) return 'give the folder only (the bucket goes in --bucket)';
  if (prefix.startsWith('/')) return 'it must not start with "/" (object names are relative to the bucket)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(prefix)) return 'it must not contain control characters or line breaks';
  if (prefix.includes('\\')) return 'use "/" between folders, not "\\"';
  const segments = prefix.replace(/\/+$/, '').split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'it must not contain "." or ".." folders';
  if (segments.some((s) => s === '')) return 'it must not contain empty folders ("//")';
  if (Buffer.byteLength(prefix, 'utf8') > 512) return 'it is longer than 512 bytes';
  return undefined;
}

/** `prefix` without its trailing '/', when valid; otherwise ERR_USAGE naming `origin` (e.g. --prefix). */
export function checkPrefix(prefix: string | undefined, origin = 'prefix'): string {
  const given = prefix ?? '';
  const problem = prefixProblem(given);
  if (problem === undefined) return given.replace(/\/+$/, '');
  return fail(`invalid prefix "${given}" (from ${origin}): ${problem}`, { prefix: given, origin }, ['a prefix is a folder path inside the bucket, e.g. staging or mallard/data-gov-uk']);
}

function fail(message: string, context: Record<string, unknown>, suggestions: string[]): never {
  throw new MallardError('ERR_USAGE', message, { context, suggestions });
}
