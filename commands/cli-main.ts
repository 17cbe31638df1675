/**
 * The CLI, started by main.ts (run by cli.sh). Runs oclif, and is the one place that turns an
 * outcome into an exit code: 0 all requested work done, 1 a task failed, 2 bad usage or
 * bad config, 75 another run holds the lock (render-error.ts), 130/143 interrupted by
 * SIGINT/SIGTERM (set by commands/run-command.ts).
 * Errors print as one clear message; stacks only with --verbose.
 */
import { run, flush, Errors } from '@oclif/core';
import { isMallardError } from '../src/engine/errors.js';
import { exitCodeFor, renderError } from './render-error.js';

// A reader that went away (`./cli.sh runs | head -1`) is not an error: leave quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    await run(argv, import.meta.url);
    await flush();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof Errors.ExitError) return err.oclif.exit ?? 0;
    process.stderr.write(renderError(err, verbose));
    // A run interrupted by a signal before it began set its exit code (130/143).
    if (isMallardError(err) && err.code === 'ERR_INTERRUPTED' && typeof process.exitCode === 'number' && process.exitCode >= 128) return process.exitCode;
    return exitCodeFor(err);
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Piped output is written asynchronously: let it drain before leaving, but never wait on a
// reader that went away (`| head`), and never hang on a handle something forgot to close.
await Promise.race([drained(process.stdout), new Promise((resolve) => setTimeout(resolve, 2000))]);
await Promise.race([drained(process.stderr), new Promise((resolve) => setTimeout(resolve, 500))]);
process.exit(code);

function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('drain', () => resolve());
    stream.once('error', () => resolve());
    stream.once('close', () => resolve());
  });
}
