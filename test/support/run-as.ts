/**
 * Running the built CLI as a user whom file modes bind: root ignores 0444 and 0555, so a test
 * of "read-only" behaviour run as root runs the CLI as `nobody` through runuser(1).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runCli, type CliResult } from './cli.js';

const node = path.join(repoRoot, 'node_modules/.bin/node');
const main = path.join(repoRoot, 'dist/commands/main.js');
let probed: string | null | undefined;

/**
 * A user file modes apply to: the current one when not root; as root `nobody`, when runuser
 * exists and nobody can run the built CLI (the clone must be readable by others). Else undefined.
 */
export function nonRootUser(): string | undefined {
  if (process.getuid?.() !== 0) return os.userInfo().username;
  if (probed === undefined) {
    const r = spawnSync('runuser', ['-u', 'nobody', '--', node, main, '--version'], { encoding: 'utf8', cwd: os.tmpdir() });
    probed = r.status === 0 ? 'nobody' : null;
  }
  return probed ?? undefined;
}

/** Runs the CLI as `user` (from nonRootUser) in `cwd`, with the environment runCli gives. */
export function cliAsUser(user: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): CliResult {
  if (user === os.userInfo().username) return runCli(args, { cwd, env });
  const r = spawnSync('runuser', ['-u', user, '--', node, main, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...cleanEnv(), OCLIF_COLUMNS: '200', HOME: os.tmpdir(), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['CONFIG_PATH', 'ARTIFACTS_DIR', 'GITHUB_TOKEN', 'SOURCEGRAPH_TOKEN', 'GCP_PROJECT', 'GCP_BUCKET', 'STORAGE_EMULATOR_HOST']) delete env[name];
  return env;
}
