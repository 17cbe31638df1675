/**
 * Sync speed against the GCS emulator: 500 published artifacts (database + manifest each,
 * 1,000 files). First push uploads everything; the second, with nothing changed, must upload
 * nothing, re-hash nothing and finish in under 2 s. Prints one JSON object; exits 1 when a
 * target is missed.
 *
 *   npm run bench:sync [-- --artifacts 500 --size 16384]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createGcsStore, syncArtifacts, type SyncResult } from '../src/sync/index.js';
import { repoRoot, startGcsEmulator } from '../test/support/gcs-emulator.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function makeArtifacts(root: string, count: number, size: number): number {
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const site = `site-${i % 10}`;
    const ts = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const base = path.join(root, 'read_only', site, `model_${i % 50}_${ts}`);
    fs.mkdirSync(path.dirname(base), { recursive: true });
    const data = Buffer.alloc(size, i % 251);
    data.writeUInt32LE(i, 0);
    fs.writeFileSync(`${base}.db`, data, { mode: 0o444 });
    const manifest = JSON.stringify({ name: `model_${i % 50}`, site, timestamp: ts, size });
    fs.writeFileSync(`${base}.manifest.json`, manifest, { mode: 0o444 });
    bytes += size + manifest.length;
  }
  return bytes;
}

async function timed(fn: () => Promise<SyncResult>): Promise<{ ms: number; result: SyncResult }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: Math.round(performance.now() - t0), result };
}

/** The same unchanged sync as a user runs it: the CLI in a fresh process (start-up included). */
function cliSecondSync(root: string, host: string): { ms: number; uploaded: number; hashed: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/commands/main.js'), 'sync-artifacts', '--bucket', 'bench', '--prefix', 'bench', '--artifacts-dir', root, '--json'], {
    env: { ...process.env, STORAGE_EMULATOR_HOST: host },
    encoding: 'utf8',
  });
  const ms = Math.round(performance.now() - t0);
  if (r.status !== 0) throw new Error(`CLI sync failed: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { uploaded: number; hashed: number };
  return { ms, uploaded: json.uploaded, hashed: json.hashed };
}

async function main(): Promise<void> {
  const count = arg('artifacts', 500);
  const size = arg('size', 16 * 1024);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-sync-'));
  const emu = await startGcsEmulator();
  try {
    const bytes = makeArtifacts(root, count, size);
    const store = await createGcsStore({ apiEndpoint: emu.host, projectId: emu.projectId });
    const run = (): Promise<SyncResult> => syncArtifacts({ store, artifactsDir: root, bucket: 'bench', prefix: 'bench' });
    const first = await timed(run);
    const second = await timed(run);
    const cli = cliSecondSync(root, emu.host);
    const targets = {
      secondUploadsNothing: second.result.uploaded === 0 && cli.uploaded === 0,
      secondHashesNothing: second.result.hashed === 0 && cli.hashed === 0,
      secondUnder2s: second.ms < 2000 && cli.ms < 2000,
    };
    const report = {
      benchmark: 'sync',
      artifacts: count,
      files: first.result.localFiles,
      bytes,
      first: { ms: first.ms, uploaded: first.result.uploaded, hashed: first.result.hashed, mbPerS: +(bytes / 1e6 / (first.ms / 1000)).toFixed(2) },
      second: { ms: second.ms, uploaded: second.result.uploaded, hashed: second.result.hashed, unchanged: second.result.unchanged, remoteObjects: second.result.remoteObjects },
      secondViaCli: cli,
      targets,
      ok: Object.values(targets).every(Boolean),
      node: process.version,
      cpus: os.availableParallelism(),
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (!report.ok) process.exitCode = 1;
  } finally {
    await emu.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
