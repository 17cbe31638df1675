/**
 * CLI start time: `./cli.sh --help` and a command that does nothing much (`runs` over an
 * empty artifacts directory), each run as a fresh process the way a user runs it (cli.sh with
 * its rebuild check, then Node, oclif and the command), alternated with a bare `node -e 0` so
 * all three see the same machine load. Prints one JSON line with the medians in seconds:
 * {runs, helpSeconds, noopSeconds, nodeSeconds, target, ok}. Target: both under 0.3 s.
 *   npm run bench:start -- --runs 20
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
const TARGET_SECONDS = 0.3;
const root = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(root, 'cli.sh');
const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-start-'));

interface Case {
  name: 'help' | 'noop' | 'node';
  file: string;
  args: string[];
  /** What the output must contain, so a broken CLI cannot look fast. */
  expect: RegExp;
}

const cases: Case[] = [
  { name: 'help', file: cli, args: ['--help'], expect: /USAGE[\s\S]*COMMANDS/ },
  { name: 'noop', file: cli, args: ['runs', '--artifacts-dir', empty], expect: /No runs recorded/ },
  { name: 'node', file: process.execPath, args: ['-e', '0'], expect: /^$/ },
];

function timeOnce(c: Case): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(c.file, c.args, { cwd: empty, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0 || !c.expect.test(`${r.stdout}${r.stderr}`)) {
    throw new Error(`${c.name}: ${c.file} ${c.args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  }
  return seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

try {
  for (const c of cases) timeOnce(c); // warm the file cache (and build, if cli.sh must)
  const times: Record<Case['name'], number[]> = { help: [], noop: [], node: [] };
  for (let i = 0; i < RUNS; i += 1) for (const c of cases) times[c.name].push(timeOnce(c));
  const round = (x: number): number => Number(x.toFixed(3));
  const helpSeconds = round(median(times.help));
  const noopSeconds = round(median(times.noop));
  const ok = helpSeconds < TARGET_SECONDS && noopSeconds < TARGET_SECONDS;
  console.log(JSON.stringify({ runs: RUNS, helpSeconds, noopSeconds, nodeSeconds: round(median(times.node)), target: TARGET_SECONDS, ok }));
} finally {
  fs.rmSync(empty, { recursive: true, force: true });
}
