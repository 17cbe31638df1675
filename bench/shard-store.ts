/**
 * The shared store of sharded runs against the fake GCS server (in its own process, so the
 * numbers are the client's): commit N leaf tasks (one output of --size bytes each, --concurrency
 * at once, as a shard's workers do), list their receipts (one paged listing), pull them into an
 * empty directory, pull again (all skipped). --runs repetitions; prints one JSON object with
 * the median of each phase (wall ms and this process's CPU ms, user+sys) and the load average.
 *
 *   npm run build && node dist/bench/shard-store.js [--tasks 2000 --size 4096 --concurrency 16 --runs 3]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openShardStore, type ShardStateStore } from '../src/shards/index.js';
import { createGcsStore, mapPool } from '../src/sync/index.js';
import { taskOutputs } from '../test/shards/helpers.js';

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'support', 'gcs-fake-server-main.js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Phase {
  wallMs: number;
  cpuMs: number;
}

async function phase(fn: () => Promise<unknown>): Promise<Phase> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: Math.round(performance.now() - t0), cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function oneRun(store: ShardStateStore, tasks: number, size: number, concurrency: number, root: string): Promise<Record<string, Phase>> {
  const work = fs.mkdtempSync(path.join(root, 'work-'));
  const planId = Math.random().toString(16).slice(2).padEnd(64, '0').slice(0, 64);
  const receipts = Array.from({ length: tasks }, (_, i) => {
    const body = Buffer.alloc(size, i % 251);
    body.write(`${planId}:${i}`);
    return taskOutputs(work, `CkanPage(start=${i * 1000})`, { [`raw/bench/ckan/page-${i}.json`]: body }, 'r-bench');
  });
  const commit = await phase(() => mapPool(receipts, concurrency, (r) => store.commit('ckan', planId, work, r, { shard: '0/1', runId: 'r-bench' })));
  let listed = new Map();
  const list = await phase(async () => (listed = await store.receipts('ckan', planId)));
  if (listed.size !== tasks) throw new Error(`listed ${listed.size} receipts, committed ${tasks}`);
  const into = fs.mkdtempSync(path.join(root, 'into-'));
  const pull = await phase(() => store.pull(into, listed.values()));
  const pullAgain = await phase(async () => {
    const again = await store.pull(into, listed.values());
    if (again.downloaded !== 0) throw new Error('second pull downloaded files');
  });
  return { commit, list, pull, pullAgain };
}

async function main(): Promise<void> {
  const tasks = arg('tasks', 2000);
  const size = arg('size', 4096);
  const concurrency = arg('concurrency', 16);
  const runs = arg('runs', 3);
  const child = spawn(process.execPath, [SERVER, 'bench'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const { host } = JSON.parse((await lines.next()).value as string) as { host: string };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-shards-'));
  const loadBefore = os.loadavg();
  try {
    const store = await openShardStore({ bucket: 'bench', prefix: 'bench' }, 'bench', { objectStore: await createGcsStore({ apiEndpoint: host, projectId: 'bench' }) });
    const results: Record<string, Phase>[] = [];
    for (let r = 0; r < runs; r++) results.push(await oneRun(store, tasks, size, concurrency, root));
    const summary = Object.fromEntries(
      Object.keys(results[0]!).map((k) => [k, { wallMs: median(results.map((x) => x[k]!.wallMs)), cpuMs: median(results.map((x) => x[k]!.cpuMs)), allWallMs: results.map((x) => x[k]!.wallMs) }]),
    );
    child.kill('SIGTERM');
    const server = JSON.parse((await lines.next()).value as string) as { cpuMs: number; requests: number };
    const commitMs = summary.commit!.wallMs;
    process.stdout.write(
      JSON.stringify({
        benchmark: 'shard-store',
        tasks, size, concurrency, runs,
        median: summary,
        commitsPerSecond: Math.round(tasks / (commitMs / 1000)),
        server: { cpuMsAllRuns: server.cpuMs, requestsAllRuns: server.requests },
        loadAverage: { before: loadBefore.map((x) => +x.toFixed(2)), after: os.loadavg().map((x) => +x.toFixed(2)) },
        cpus: os.cpus().length,
      }) + "\n",
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
