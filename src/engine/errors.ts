/**
 * The one error base class of mallard. Every error a user can cause or meet carries a
 * stable `code`, the context it happened in (task id, file, URL: never a token), and
 * suggestions the CLI prints under the message.
 */
export interface ErrorDetails {
  cause?: unknown;
  context?: Record<string, unknown>;
  suggestions?: string[];
  /** Whether trying the same thing again may succeed (network timeout, HTTP 429/5xx). */
  retryable?: boolean;
  /** A server-given wait before the next try (Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

export class MallardError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  readonly suggestions: string[];
  readonly retryable: boolean | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MallardError';
    this.code = code;
    this.context = details.context ?? {};
    this.suggestions = details.suggestions ?? [];
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Codes of errors the user caused by what they asked for or configured: exit code 2 (commands/render-error.ts decides; a held lock, ERR_LOCKED, has its own). */
export const USAGE_ERROR_CODES: ReadonlySet<string> = new Set(['ERR_CONFIG', 'ERR_USAGE', 'ERR_CYCLE']);

export function isMallardError(err: unknown): err is MallardError {
  return err instanceof MallardError;
}

/** The message of any thrown value, without its stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
