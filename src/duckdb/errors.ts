import { MallardError, errorMessage } from '../engine/errors.js';

/** The first non-blank line of a SQL text or message, cut to `max` characters. */
export function firstLine(text: string, max = 200): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function suggestionsFor(message: string, file: string): string[] {
  if (message.includes('Could not set lock on file') || message.includes('Conflicting lock')) {
    return [`another process has ${file} open (another mallard run, or a DuckDB shell): wait for it to finish or close it`];
  }
  if (/read-only mode|database does not exist/i.test(message)) {
    return [`check that ${file} exists; a read-only open never creates a database`];
  }
  if (/Permission denied/i.test(message)) {
    return [`${file} is not writable (a published read-only artifact?): open it with readOnly`];
  }
  if (isOutOfMemory(message)) {
    return [
      "raise duckdb.memoryLimit in the site config (e.g. duckdb: { memoryLimit: 4GB } or '50%' of the machine's RAM)",
      'or run fewer tasks at once (--workers): each database build has its own limit',
    ];
  }
  return [];
}

/** DuckDB's out-of-memory errors ("Out of Memory Error: could not allocate block ..."). */
export function isOutOfMemory(message: string): boolean {
  return /Out of Memory|could not allocate block|failed to allocate/i.test(message);
}

/**
 * Wraps an error thrown by @duckdb/node-api into MallardError('ERR_DUCKDB') naming the
 * database file and the first line of the statement. MallardErrors pass through unchanged.
 */
export function wrapDuckDbError(err: unknown, file: string, sql?: string, memoryLimit?: string): MallardError {
  if (err instanceof MallardError) return err;
  const message = errorMessage(err);
  const context: Record<string, unknown> = { file };
  if (sql !== undefined) context['sql'] = firstLine(sql);
  const oom = isOutOfMemory(message);
  if (oom && memoryLimit !== undefined) context['memoryLimit'] = memoryLimit;
  const head = oom
    ? `DuckDB ran out of memory on ${file}${memoryLimit === undefined ? '' : ` (memory limit ${memoryLimit})`}; raise duckdb.memoryLimit in the site config`
    : `DuckDB failed on ${file}`;
  return new MallardError('ERR_DUCKDB', `${head}: ${firstLine(message, 500)}`, {
    cause: err,
    context,
    suggestions: suggestionsFor(message, file),
    retryable: false,
  });
}

export function duckDbError(message: string, file: string, suggestions: string[] = []): MallardError {
  return new MallardError('ERR_DUCKDB', message, { context: { file }, suggestions, retryable: false });
}
