/** Runs the built CLI (dist/commands/main.js) on the project's Node, as a user would. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/support/cli.js → the repository root, three levels up. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Variables a developer's shell may have that would change what the CLI does. */
const SCRUBBED = ['CONFIG_PATH', 'ARTIFACTS_DIR', 'GITHUB_TOKEN', 'SOURCEGRAPH_TOKEN', 'GCP_PROJECT', 'GCP_BUCKET', 'STORAGE_EMULATOR_HOST'];

/**
 * `env` adds or overrides variables; the ones in SCRUBBED are removed unless given. Help is
 * laid out 200 columns wide so assertions do not depend on wrapping.
 */
export function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string>; input?: string }): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, OCLIF_COLUMNS: '200' };
  for (const name of SCRUBBED) delete env[name];
  Object.assign(env, options.env ?? {});
  const r = spawnSync(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/commands/main.js'), ...args], {
    cwd: options.cwd,
    env,
    encoding: 'utf8',
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
