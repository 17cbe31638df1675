/** Many transfers, some failed: one error that names them, after the rest went through. */
import { MallardError, errorMessage, isMallardError } from '../engine/errors.js';
import type { Settled } from './pool.js';

export const ERR_SYNC_FAILED = 'ERR_SYNC_FAILED';

export interface Failure {
  path: string;
  error: unknown;
}

export function collectFailures<T>(paths: readonly T[], settled: Settled<unknown>[], key: (item: T) => string): Failure[] {
  const failures: Failure[] = [];
  settled.forEach((s, i) => {
    if (!s.ok) failures.push({ path: key(paths[i]!), error: s.error });
  });
  return failures;
}

/** Nothing when all went well; the error itself when one failed; a summary when several did. */
export function throwIfFailed(failures: Failure[], verb: string): void {
  if (failures.length === 0) return;
  if (failures.length === 1) throw failures[0]!.error;
  const first = failures[0]!;
  const codes = new Set(failures.map((f) => (isMallardError(f.error) ? f.error.code : 'ERR_UNEXPECTED')));
  const code = codes.size === 1 ? [...codes][0]! : ERR_SYNC_FAILED;
  const listed = failures.slice(0, 5).map((f) => f.path);
  const more = failures.length > listed.length ? ` and ${failures.length - listed.length} more` : '';
  throw new MallardError(code, `Could not ${verb} ${failures.length} files (${listed.join(', ')}${more}); first error: ${errorMessage(first.error)}`, {
    cause: first.error,
    context: { failed: failures.map((f) => ({ path: f.path, error: errorMessage(f.error) })) },
    suggestions: isMallardError(first.error) ? first.error.suggestions : ['run the same command again: finished files are not transferred twice'],
    retryable: failures.every((f) => isMallardError(f.error) && f.error.retryable === true),
  });
}
