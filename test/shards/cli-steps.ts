/**
 * The CLI steps of a sharded run as the shard CLI tests start them: each step a `./cli.sh`
 * child process with its own fresh --artifacts-dir (as a container would have), reaching the
 * fake GCS server through STORAGE_EMULATOR_HOST.
 */
import path from 'node:path';
import { runCliAsync, type CliResult } from '../support/cli.js';

export interface CliSteps {
  /** A new artifacts directory under the test's root. */
  freshDir(): string;
  cli(command: string, extra: string[], dir?: string): Promise<CliResult>;
  /** The argv of a step (for a child started by hand, to be killed). */
  args(command: string, extra: string[], dir: string): string[];
  /** The environment a step runs with. */
  env(): Record<string, string>;
  /** `command --shard <shard> --store <store>`. */
  sharded(command: string, shard: string, dir?: string): Promise<CliResult>;
}

export function cliSteps(opts: { root: () => string; site: string; store: string; gcsHost: () => string }): CliSteps {
  let dirs = 0;
  const freshDir = (): string => path.join(opts.root(), `step-${++dirs}`);
  const env = (): Record<string, string> => ({ STORAGE_EMULATOR_HOST: opts.gcsHost(), GCP_PROJECT: 'test-project' });
  const args = (command: string, extra: string[], dir: string): string[] => [command, '--site', opts.site, '--artifacts-dir', dir, ...extra];
  const cli = (command: string, extra: string[], dir = freshDir()): Promise<CliResult> => runCliAsync(args(command, extra, dir), { cwd: opts.root(), env: env() });
  return { freshDir, cli, args, env, sharded: (command, shard, dir) => cli(command, ['--shard', shard, '--store', opts.store], dir) };
}
