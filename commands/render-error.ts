/** How a failed command reads to the user, and which exit code it ends with. */
import { Errors } from '@oclif/core';
import { isMallardError, USAGE_ERROR_CODES } from '../src/engine/errors.js';

export const EXIT_OK = 0;
export const EXIT_TASK_FAILED = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(err: unknown): number {
  if (isMallardError(err)) return USAGE_ERROR_CODES.has(err.code) ? EXIT_USAGE : EXIT_TASK_FAILED;
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
    lines.push(`Error: ${err.message.replace(/^Error: /, '')}`);
    lines.push('  hint: see --help for usage');
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
