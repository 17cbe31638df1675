/** Errors for content that differs where the tool must not overwrite it, or does not match. */
import { MallardError } from '../engine/errors.js';
import { ERR_SYNC_CHECKSUM, ERR_SYNC_CONFLICT } from './gcs-errors.js';
import type { ObjectRef } from './object-store.js';

export function conflictLocal(file: string, rel: string): MallardError {
  return new MallardError(ERR_SYNC_CONFLICT, `Local read-only artifact ${file} differs from the remote copy; not overwriting it`, {
    context: { file, path: rel },
    suggestions: ['check it with `./cli.sh artifacts verify`; move it away to restore the remote copy'],
  });
}

/** An object that exists at the target with different content (`count` such objects in all). */
export function conflictError(to: ObjectRef, count = 1): MallardError {
  const more = count > 1 ? ` (and ${count - 1} more)` : '';
  return new MallardError(ERR_SYNC_CONFLICT, `gs://${to.bucket}/${to.name} already exists with different content${more}; not overwriting it`, {
    context: { bucket: to.bucket, object: to.name, conflicts: count },
    suggestions: ['remove the differing object by hand if it is wrong, or publish a new artifact (a new timestamp)'],
  });
}

export function checksumError(bucket: string, name: string, localPath: string, expected: string | undefined, got: string): MallardError {
  return new MallardError(ERR_SYNC_CHECKSUM, `Checksum mismatch downloading gs://${bucket}/${name}: expected md5 ${expected}, got ${got}`, {
    context: { bucket, object: name, file: localPath },
    suggestions: ['the remote copy may be damaged: push it again from a machine with a good copy (`./cli.sh artifacts verify` there first)'],
  });
}
