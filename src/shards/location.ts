/**
 * Where the shared store lives: `--store gs://bucket[/prefix]`, checked by src/sync's bucket
 * and prefix rules before any request.
 */
import { MallardError } from '../engine/index.js';
import { checkBucketName, checkPrefix } from '../sync/index.js';

export interface StoreLocation {
  bucket: string;
  /** Without leading or trailing '/'; '' for the bucket root. */
  prefix: string;
}

/** Parses `gs://bucket` or `gs://bucket/prefix`; ERR_USAGE naming `flag` otherwise. */
export function parseStoreUrl(text: string, flag = '--store'): StoreLocation {
  const value = text.trim();
  const m = /^gs:\/\/([^/]*)(?:\/(.*))?$/i.exec(value);
  if (m === null || !value.startsWith('gs://')) {
    throw new MallardError('ERR_USAGE', `${flag} "${text}" is not a GCS location: use gs://bucket or gs://bucket/prefix`, {
      context: { flag, value: text },
      suggestions: [`for example: ${flag} gs://my-team-artifacts/mallard/data-gov-uk`],
    });
  }
  const origin = `${flag} ${value}`;
  const bucket = checkBucketName(m[1]!, origin);
  const prefix = checkPrefix(m[2] ?? '', origin);
  return { bucket, prefix };
}

export function formatStoreUrl(loc: StoreLocation): string {
  return loc.prefix === '' ? `gs://${loc.bucket}` : `gs://${loc.bucket}/${loc.prefix}`;
}
