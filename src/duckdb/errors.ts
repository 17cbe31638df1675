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

/** Who holds DuckDB's lock on a file, as DuckDB's "Could not set lock" message tells. */
export interface LockConflict {
  /** The file whose lock is held (may differ from the one opened: an attached database). */
  file: string;
  /** The holder's program, as DuckDB names it (its executable path). */
  program: string | undefined;
  pid: number | undefined;
  user: string | undefined;
}

/** Parses DuckDB's lock conflict message; undefined for any other message. */
export function parseLockConflict(message: string): LockConflict | undefined {
  const m = /Could not set lock on file "([^"]+)"(?::\s*Conflicting lock is held in (.+?)(?: \(PID (\d+)\))?(?: by user (\S+?))?(?:\.\s|\.?$))?/.exec(message);
  if (m === null) return undefined;
  return { file: m[1]!, program: m[2], pid: m[3] === undefined ? undefined : Number(m[3]), user: m[4] };
}

function lockConflictError(err: unknown, conflict: LockConflict, context: Record<string, unknown>): MallardError {
  const who = conflict.program === undefined
    ? 'another process'
    : `${conflict.pid === undefined ? '' : `PID ${conflict.pid}, `}${conflict.program}${conflict.user === undefined ? '' : ` (user ${conflict.user})`}`;
  return new MallardError('ERR_DUCKDB_LOCKED', `${conflict.file} is in use by another program: ${who} holds DuckDB's lock on it`, {
    cause: err,
    context: { ...context, file: conflict.file, holder: { program: conflict.program, pid: conflict.pid, user: conflict.user } },
    suggestions: [
      `close ${conflict.file} in that program (a DuckDB shell, DBeaver, a notebook) or let it finish, then run again`,
      'to look at data while mallard works, open the published copy read-only: artifacts latest <name> --site <site> --sql',
    ],
    retryable: false,
  });
}

/**
 * Wraps an error thrown by @duckdb/node-api into MallardError('ERR_DUCKDB') naming the
 * database file and the first line of the statement; a lock held by another process is
 * ERR_DUCKDB_LOCKED naming the locked file and its holder. MallardErrors pass through unchanged.
 */
export function wrapDuckDbError(err: unknown, file: string, sql?: string, memoryLimit?: string): MallardError {
  if (err instanceof MallardError) return err;
  const message = errorMessage(err);
  const conflict = parseLockConflict(message);
  if (conflict !== undefined) return lockConflictError(err, conflict, sql === undefined ? { opened: file } : { opened: file, sql: firstLine(sql) });
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
