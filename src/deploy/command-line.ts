/** The mallard command line of a deployment step, as argv or as one POSIX shell line. */
import type { DeployOptions } from './options.js';
import { storeUrl } from './options.js';
import type { DeployStep } from './steps.js';

/** POSIX shell quoting of one word. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * argv after `./cli.sh` for a step; `shard` is the `--shard` value, e.g. `plan`, `final`, or
 * for a sharded step the engine's expression (`$CLOUD_RUN_TASK_INDEX/8`), left unquoted by
 * `shellLine` when it is marked as an expansion.
 */
export function stepArgs(step: DeployStep, opts: DeployOptions, shard: string): string[] {
  return [...step.command, ...opts.siteArgs, '--shard', shard, '--store', storeUrl(opts.store)];
}

/** `exec ./cli.sh …` for `sh -c`, with `--shard "<expansion>"` kept expandable by the shell. */
export function shellLine(step: DeployStep, opts: DeployOptions, shardExpansion: string): string {
  const words = stepArgs(step, opts, '\u0000').map((w) => (w === '\u0000' ? `"${shardExpansion}"` : shellWord(w)));
  return ['exec', './cli.sh', ...words].join(' ');
}
