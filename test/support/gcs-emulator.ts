/**
 * The GCS emulator for tests: the Firebase Storage emulator, started in a child process on a
 * free loopback port, with a private data directory; installed on first use by
 * test/support/gcs-emulator/install.mjs (also run by `npm test`'s pretest).
 *
 *   const emu = await startGcsEmulator();
 *   new Storage({ apiEndpoint: emu.host, projectId: emu.projectId });  // or STORAGE_EMULATOR_HOST=emu.host in a child's env
 *   await emu.stop();
 *
 * What the emulator lacks (see ../../../shared/DESIGN.md): bucket creation and metadata,
 * bucket.exists, preconditions (ignored), chunked resumable uploads, soft-delete policies.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface GcsEmulator {
  /** `http://127.0.0.1:PORT`: the `apiEndpoint` option, or the value of STORAGE_EMULATOR_HOST. */
  host: string;
  port: number;
  projectId: string;
  /** Where the emulator keeps object bytes (tests may corrupt them to provoke checksum errors). */
  blobDir: string;
  stop(): Promise<void>;
}

const INSTALLER = path.join(repoRoot, 'test', 'support', 'gcs-emulator', 'install.mjs');
const SERVER = path.join(repoRoot, 'dist', 'test', 'support', 'gcs-emulator-server.js');

/** Installs firebase-tools for the harness when missing (fast no-op when present). */
export function ensureEmulatorInstalled(): void {
  const result = spawnSync(process.execPath, [INSTALLER], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`installing the GCS emulator failed: ${result.stderr}`);
}

export async function startGcsEmulator(projectId = 'demo-mallard'): Promise<GcsEmulator> {
  ensureEmulatorInstalled();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-gcs-emu-'));
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, TMPDIR: tmp, GCS_EMULATOR_PROJECT: projectId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let port: number;
  try {
    port = await readPort(child.stdout, exited, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  child.stdout.resume(); // keep draining any later output
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { host: `http://127.0.0.1:${port}`, port, projectId, blobDir: path.join(tmp, 'firebase', 'storage', 'blobs'), stop };
}

async function readPort(stdout: NodeJS.ReadableStream, exited: Promise<void>, stderr: () => string): Promise<number> {
  const rl = readline.createInterface({ input: stdout });
  const line = await Promise.race([
    new Promise<string>((resolve) => rl.once('line', resolve)),
    exited.then(() => {
      throw new Error(`the GCS emulator exited before it was ready: ${stderr()}`);
    }),
  ]);
  rl.close();
  const port = (JSON.parse(line) as { port?: unknown }).port;
  if (typeof port !== 'number') throw new Error(`unexpected first line from the GCS emulator: ${line}`);
  return port;
}
