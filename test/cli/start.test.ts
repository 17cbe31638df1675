/**
 * CLI start-up: `--help` and the topic listings come from oclif.manifest.json without loading
 * any command class, and a run loads only the class of the command it runs. Which modules a
 * process loaded is recorded by a module hook given with --import, so the test sees exactly
 * what a user's `./cli.sh` loads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { COMMAND_MODULES, COMMANDS } from '../../commands/index.js';
import { repoRoot } from '../support/cli.js';

/** Prints, on exit, every dist/commands module the process loaded (one per line, on stderr). */
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ load(url, ctx, next) { seen.add(url); return next(url, ctx); } });
process.on('exit', () => {
  const own = [...seen].filter((u) => u.includes('/dist/commands/')).map((u) => u.slice(u.indexOf('/dist/commands/') + 15));
  process.stderr.write('LOADED ' + JSON.stringify(own.sort()) + '\\n');
});`)}`;

function loadedBy(args: string[], cwd: string): { status: number | null; stdout: string; loaded: string[] } {
  const r = spawnSync(path.join(repoRoot, 'node_modules/.bin/node'), ['--import', HOOK, path.join(repoRoot, 'dist/commands/main.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, OCLIF_COLUMNS: '200' },
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED ')) ?? 'LOADED []';
  return { status: r.status, stdout: r.stdout, loaded: JSON.parse(line.slice(7)) as string[] };
}

const CORE = ['cli-main.js', 'index.js', 'main.js', 'render-error.js'];

describe('CLI start-up loads only what it runs', () => {
  test('--help, a topic and `help <command>` load no command class (but the help command\'s own)', () => {
    for (const args of [['--help'], ['artifacts'], ['help', 'runs'], ['config', 'list', '--help']]) {
      const r = loadedBy(args, repoRoot);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /USAGE/, args.join(' '));
      if (args.includes('runs')) assert.match(r.stdout, /--limit/, 'the help of runs itself');
      const allowed = args[0] === 'help' ? [...CORE, 'help.js'] : CORE;
      assert.deepEqual(r.loaded.filter((f) => !allowed.includes(f)), [], `${args.join(' ')} loaded ${r.loaded.join(', ')}`);
    }
  });

  test('a run loads its own command and nothing of the others', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'mallard-cli-start-'));
    try {
      const r = loadedBy(['runs', '--artifacts-dir', empty], empty);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /No runs recorded/);
      const others = Object.entries(COMMAND_MODULES).filter(([id]) => id !== 'runs').map(([, [file]]) => file.slice(2));
      assert.ok(r.loaded.includes('runs.js'), r.loaded.join(', '));
      assert.deepEqual(r.loaded.filter((f) => others.includes(f)), []);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('the manifest the build wrote lists every command, with each class its entry names', () => {
    const manifestFile = path.join(repoRoot, 'oclif.manifest.json');
    assert.ok(existsSync(manifestFile), 'npm run build writes oclif.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { version: string; commands: Record<string, { summary?: string; description?: string; flags: Record<string, unknown> }> };
    assert.deepEqual(Object.keys(manifest.commands).sort(), Object.keys(COMMAND_MODULES).sort());
    for (const id of Object.keys(COMMAND_MODULES)) {
      const cls = COMMANDS[id];
      assert.equal(typeof cls?.run, 'function', id);
      const cached = Object.keys(manifest.commands[id]?.flags ?? {});
      for (const flag of Object.keys({ ...cls?.baseFlags, ...cls?.flags })) assert.ok(cached.includes(flag), `${id}: --${flag} is in the manifest`);
      assert.equal(manifest.commands[id]?.summary, cls?.summary, `${id}: summary as built`);
    }
  });
});
