/** Runs the built CLI (dist/commands/main.js) on the project's Node, as a user would. */
import { spawn, spawnSync } from 'node:child_process';
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
  const env = cliEnv(options.env);
  const r = spawnSync(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/commands/main.js'), ...args], {
    cwd: options.cwd,
    env,
    encoding: 'utf8',
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OCLIF_COLUMNS: '200' };
  for (const name of SCRUBBED) delete env[name];
  return Object.assign(env, extra);
}

/** Like runCli, without blocking this process: for tests whose servers run in it. */
export function runCliAsync(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/commands/main.js'), ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
