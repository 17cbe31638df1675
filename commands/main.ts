/**
 * Entry point of the CLI (run by cli.sh). Runs oclif, and is the one place that turns an
 * outcome into an exit code: 0 all requested work done, 1 a task failed, 2 bad usage or
 * bad config. Errors print as one clear message; stacks only with --verbose.
 */
import { run, flush, Errors } from '@oclif/core';
import { exitCodeFor, renderError } from './render-error.js';

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    await run(argv, import.meta.url);
    await flush();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof Errors.ExitError) return err.oclif.exit ?? 0;
    process.stderr.write(renderError(err, verbose));
    return exitCodeFor(err);
  }
}

const code = await main(process.argv.slice(2));
// Let pending stdout/stderr writes drain before leaving: piped output is asynchronous.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
