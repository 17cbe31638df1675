/**
 * Entry point of the CLI (run by cli.sh): turns on V8's compile cache for every module loaded
 * after it (oclif, the command, DuckDB's bindings, the engine: about 100 ms of each start spent
 * compiling the same JavaScript again), then runs the CLI (cli-main.ts). The cache lives in
 * dist/.compile-cache (build output; Node checks each entry against the source, so a rebuild
 * never runs stale code); when it cannot be written (a read-only install) the CLI runs without it.
 */
import module from 'node:module';
import path from 'node:path';

module.enableCompileCache?.(path.join(import.meta.dirname, '..', '.compile-cache'));
await import('./cli-main.js');
