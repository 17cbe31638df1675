/**
 * Runs one pipeline stage as the user would, a child process of the built CLI
 * (dist/commands/main.js on the project's Node), under /usr/bin/time for its peak RSS and CPU
 * time (user + sys), and counts what it asked of each loopback server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** dist/bench/portal-scale/stages.js → the repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface StageResult {
  stage: string;
  seconds: number;
  peakRssMB: number | null;
  /** User + system CPU seconds of the stage's process (wall time alone is noisy on a shared machine). */
  cpuSeconds: number | null;
  requests: Record<string, number>;
  exit: number | null;
}

export interface StageContext {
  cwd: string;
  /** Flags every stage gets: --config-file, --artifacts-dir. */
  common: string[];
  /** Requests each server has received so far. */
  counters: Record<string, () => number>;
  /** Called with every failed stage's output (the benchmark stops). */
  log?: (line: string) => void;
}

const TIME = '/usr/bin/time';

function child(args: string[], cwd: string, rssFile: string) {
  const node = path.join(repoRoot, 'node_modules/.bin/node');
  const main = path.join(repoRoot, 'dist/commands/main.js');
  const env: NodeJS.ProcessEnv = { ...process.env, OCLIF_COLUMNS: '200' };
  for (const name of ['CONFIG_PATH', 'ARTIFACTS_DIR', 'GITHUB_TOKEN', 'SOURCEGRAPH_TOKEN']) delete env[name];
  const timed = fs.existsSync(TIME);
  const [cmd, argv] = timed ? [TIME, ['-f', '%M %U %S', '-o', rssFile, node, main, ...args]] : [node, [main, ...args]];
  return spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs `args` (a mallard command line) and measures it; a failed stage throws with its output. */
export async function runStage(ctx: StageContext, stage: string, args: string[]): Promise<StageResult> {
  const before = Object.fromEntries(Object.entries(ctx.counters).map(([k, f]) => [k, f()]));
  const rssFile = path.join(ctx.cwd, `.rss-${process.pid}-${stage}`);
  const t0 = performance.now();
  const proc = child([...args, ...ctx.common], ctx.cwd, rssFile);
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
  const exit = await new Promise<number | null>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', resolve);
  });
  const seconds = (performance.now() - t0) / 1000;
  let peakRssMB: number | null = null;
  let cpuSeconds: number | null = null;
  try {
    const [kb, user, sys] = (fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    if (Number.isFinite(kb)) peakRssMB = Math.round((kb as number) / 1024);
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuSeconds = Math.round(((user as number) + (sys as number)) * 1000) / 1000;
    fs.rmSync(rssFile);
  } catch {
    // no /usr/bin/time: RSS unknown
  }
  const requests = Object.fromEntries(Object.entries(ctx.counters).map(([k, f]) => [k, f() - (before[k] ?? 0)]));
  if (exit !== 0) {
    ctx.log?.(stderr);
    throw new Error(`stage ${stage} (${args.join(' ')}) exited ${exit}:\n${stderr.slice(-4000)}`);
  }
  return { stage, seconds: Math.round(seconds * 1000) / 1000, peakRssMB, cpuSeconds, requests, exit };
}
