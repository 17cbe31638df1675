/** How a failed command reads to the user, and which exit code it ends with (README "Exit codes"). */
import { Errors } from '@oclif/core';
import { isMallardError, USAGE_ERROR_CODES } from '../src/engine/errors.js';

export const EXIT_OK = 0;
export const EXIT_TASK_FAILED = 1;
export const EXIT_USAGE = 2;
/**
 * Another run holds the lock of the site (sysexits' EX_TEMPFAIL, "try again later"): nothing
 * was wrong with what was asked, it just cannot run now (`--wait` waits instead).
 */
export const EXIT_LOCKED = 75;

/**
 * Errors of the project's own definition found before anything runs: a model that refs a
 * model that does not exist or does not parse, or a dbt feature not supported yet, is a mistake
 * in what was asked, like a cycle.
 */
const DEFINITION_ERROR_CODES: ReadonlySet<string> = new Set(['ERR_MODEL_REF', 'ERR_MODEL_PARSE', 'ERR_DBT_UNSUPPORTED']);

export function exitCodeFor(err: unknown): number {
  if (isMallardError(err)) {
    if (err.code === 'ERR_LOCKED') return EXIT_LOCKED;
    return USAGE_ERROR_CODES.has(err.code) || DEFINITION_ERROR_CODES.has(err.code) ? EXIT_USAGE : EXIT_TASK_FAILED;
  }
  // oclif's own errors are about the command line: unknown command, bad or missing flag.
  if (err instanceof Errors.CLIError) return EXIT_USAGE;
  return EXIT_TASK_FAILED;
}

export function renderError(err: unknown, verbose: boolean): string {
  const lines: string[] = [];
  if (isMallardError(err)) {
    lines.push(`Error: ${err.message}`);
    for (const s of err.suggestions) lines.push(`  hint: ${s}`);
  } else if (err instanceof Errors.CLIError) {
    // oclif's parse errors end with "See more help with --help": the hints below say it once.
    lines.push(`Error: ${err.message.replace(/^Error: /, '').replace(/\nSee more help with --help$/, '')}`);
    const hints = (err as Errors.CLIError & { suggestions?: string[] }).suggestions ?? [];
    for (const s of hints) lines.push(`  hint: ${s}`);
    if (hints.length === 0) lines.push('  hint: see --help for usage');
  } else if (isFileSystemError(err)) {
    lines.push(`Error: ${fileSystemMessage(err)}`);
    if (!verbose) lines.push('  hint: rerun with --verbose for details');
  } else {
    const message = err instanceof Error ? err.message : String(err);
    lines.push(`Error: ${message}`);
    if (!verbose) lines.push('  hint: rerun with --verbose for details');
  }
  if (verbose && err instanceof Error && err.stack) {
    lines.push('', err.stack);
    let cause = err.cause;
    while (cause instanceof Error) {
      lines.push(`caused by: ${cause.stack ?? cause.message}`);
      cause = cause.cause;
    }
  }
  return lines.join('\n') + '\n';
}

/** Node's own file-system errors (EACCES, ENOSPC …), which carry a path and a syscall. */
function isFileSystemError(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).path === 'string';
}

const FS_ERROR_WORDS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'no such file or directory',
  EMFILE: 'too many open files',
};

/** "cannot write /x/y: permission denied (EACCES)": the path and the reason, no stack. */
function fileSystemMessage(err: NodeJS.ErrnoException & { path: string }): string {
  const verb = /^(write|mkdir|rename|unlink|rm|copyfile|link|symlink|chmod|utime)/.test(err.syscall ?? '') ? 'cannot write' : 'cannot access';
  const words = FS_ERROR_WORDS[err.code ?? ''] ?? err.message;
  return `${verb} ${err.path}: ${words} (${err.code})`;
}
