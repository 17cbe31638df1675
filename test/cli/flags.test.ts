/**
 * Careless flags and names, through the built CLI as a user meets them: the artifacts
 * directory (empty, a file, read-only), exit codes (a held lock, a ref() to a missing model,
 * an unknown --force), --config-file on a directory, help / -h / "did you mean".
 * The read-only case runs as `nobody` when the tests run as root (root ignores modes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sessionPaths } from '../../src/engine/index.js';
import { cliAsUser, nonRootUser } from '../support/run-as.js';
import { runCli, type CliResult } from '../support/cli.js';

const CONFIG = 'site: demo\nckan:\n  url: http://127.0.0.1:9/api/3/action\nhttp:\n  retries: 0\n';

describe('careless flags and names (built CLI)', () => {
  let dir: string;
  const cli = (args: string[], env: Record<string, string> = {}): CliResult => runCli(args, { cwd: dir, env });

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-cli-flags-'));
    fs.chmodSync(dir, 0o755); // readable by the unprivileged user of the read-only test
    fs.mkdirSync(path.join(dir, 'configs'));
    fs.writeFileSync(path.join(dir, 'configs', 'demo.yaml'), CONFIG);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('--artifacts-dir "" is refused (exit 2) and nothing is written into the working directory', () => {
    for (const args of [['create-raw-ckan-db-tables', '--site', 'demo'], ['runs'], ['artifacts', 'list']]) {
      const r = cli([...args, '--artifacts-dir', '']);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^Error: --artifacts-dir \(or ARTIFACTS_DIR\) is empty/);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ['configs']);
  });

  test('an artifacts dir that is a file: one clear message, exit 2, for runs and for artifacts list', () => {
    fs.writeFileSync(path.join(dir, 'afile'), 'not a directory');
    const run = cli(['create-raw-ckan-db-tables', '--site', 'demo', '--artifacts-dir', 'afile']);
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stderr.split('\n')[0], 'Error: the artifacts directory afile is a file, not a directory');
    assert.doesNotMatch(run.stderr, /ENOTDIR|\n\s+at /);
    const list = cli(['artifacts', 'list', '--artifacts-dir', 'afile']);
    assert.equal(list.status, 2);
    assert.doesNotMatch(list.stdout, /No artifacts/);
    assert.match(list.stderr, /afile is a file, not a directory/);
    const below = cli(['runs', '--artifacts-dir', 'afile/sub']);
    assert.equal(below.status, 2);
    assert.match(below.stderr, /afile\/sub cannot be created: .*afile is a file, not a directory/);
  });

  test('a read-only artifacts dir: exit 2 for a run, reading commands still work (as a non-root user)', (t) => {
    const user = nonRootUser();
    if (user === undefined) return t.skip('needs a non-root user (runuser and nobody) when run as root');
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro);
    fs.chmodSync(ro, 0o555);
    t.after(() => fs.chmodSync(ro, 0o755));
    const run = cliAsUser(user, ['create-raw-ckan-db-tables', '--site', 'demo', '--artifacts-dir', ro], dir);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^Error: the artifacts directory .*\/ro is not writable by this user \(permission denied\)/);
    assert.doesNotMatch(run.stderr, /EACCES|\n\s+at /);
    const missingBelow = cliAsUser(user, ['create-raw-ckan-db-tables', '--site', 'demo', '--artifacts-dir', path.join(ro, 'new')], dir);
    assert.equal(missingBelow.status, 2);
    assert.match(missingBelow.stderr, /\/ro\/new cannot be created: .*\/ro is not writable/);
    const list = cliAsUser(user, ['artifacts', 'list', '--artifacts-dir', ro], dir);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /No artifacts/);
    assert.deepEqual(fs.readdirSync(ro), []);
    const closed = path.join(dir, 'closed');
    fs.mkdirSync(closed);
    fs.chmodSync(closed, 0o000);
    t.after(() => fs.chmodSync(closed, 0o755));
    const unreadable = cliAsUser(user, ['artifacts', 'list', '--artifacts-dir', closed], dir);
    assert.equal(unreadable.status, 2, unreadable.stderr);
    assert.match(unreadable.stderr, /^Error: the artifacts directory .*\/closed is not readable by this user/);
    // Writable, but a folder inside is not: Node's error as one line naming the path, no stack.
    const inner = path.join(dir, 'inner');
    fs.mkdirSync(path.join(inner, '.mallard'), { recursive: true, mode: 0o777 });
    fs.chmodSync(inner, 0o777);
    fs.chmodSync(path.join(inner, '.mallard'), 0o555);
    t.after(() => fs.chmodSync(path.join(inner, '.mallard'), 0o755));
    const deep = cliAsUser(user, ['create-raw-ckan-db-tables', '--site', 'demo', '--artifacts-dir', inner], dir);
    assert.equal(deep.status, 1, deep.stderr);
    assert.equal(deep.stderr.split('\n')[0], `Error: cannot write ${path.join(inner, '.mallard', 'locks')}: permission denied (EACCES)`);
    assert.doesNotMatch(deep.stderr, /\n\s+at /);
  });

  test('a lock held by another run exits 75 (documented), not 2; --help says so', () => {
    const art = path.join(dir, 'locked');
    const lock = sessionPaths(art, 'demo').lock;
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'the test' }) + '\n');
    const r = cli(['create-raw-ckan-db-tables', '--site', 'demo', '--artifacts-dir', art]);
    assert.equal(r.status, 75, r.stderr);
    assert.match(r.stderr, new RegExp(`^Error: another run holds the lock .*demo\\.lock: pid ${process.pid} on `));
    assert.match(r.stderr, /--wait/);
    assert.equal(fs.existsSync(path.join(art, 'runs')), false, 'no run recorded');
    const help = cli(['create-raw-ckan-db-tables', '--help']);
    assert.match(help.stdout, /75/);
  });

  test('an unknown --force id exits 2 and records no run (no "interrupted" run in runs)', () => {
    const art = path.join(dir, 'forced');
    const r = cli(['create-raw-ckan-db-tables', '--site', 'demo', '--artifacts-dir', art, '--force', 'CreateRawCkanDbb']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--force "CreateRawCkanDbb": no task or task family of that name/);
    assert.match(r.stderr, /CreateRawCkanDb/);
    assert.equal(fs.existsSync(path.join(art, 'runs')), false);
    const runs = cli(['runs', '--artifacts-dir', art, '--json']);
    assert.equal(runs.status, 0, runs.stderr);
    assert.deepEqual(JSON.parse(runs.stdout).runs ?? JSON.parse(runs.stdout), []);
  });

  test('a ref() to a missing model is a usage error (exit 2), like a cycle', () => {
    const models = path.join(dir, 'models-ref');
    fs.mkdirSync(path.join(models, 'g'), { recursive: true });
    fs.writeFileSync(path.join(models, 'g', 'a.sql'), "SELECT * FROM {{ ref('nope') }}\n");
    const r = cli(['run-models', '--site', 'demo', '--select', 'g', '--models-dir', models, '--artifacts-dir', path.join(dir, 'art-ref')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /a\.sql:1: ref\('nope'\): no model named 'nope'/);
  });

  test('--config-file (or CONFIG_PATH) naming a directory says so, exit 2', () => {
    const r = cli(['config', 'check', '--config-file', 'configs']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.split('\n')[0], 'Error: configs (from --config-file) is a directory, not a config file');
    assert.match(r.stderr, /hint: give one file in it, e\.g\. configs\/demo\.yaml/);
    const env = cli(['config', 'check'], { CONFIG_PATH: dir });
    assert.equal(env.status, 2);
    assert.match(env.stderr, /\(from CONFIG_PATH\) is a directory, not a config file/);
  });
});

describe('help, -h and "did you mean" (built CLI)', () => {
  const cwd = os.tmpdir();
  const cli = (args: string[]): CliResult => runCli(args, { cwd });

  test('help <command>, <command> -h and <command> --help print the same help', () => {
    const viaHelp = cli(['help', 'artifacts', 'latest']);
    const viaH = cli(['artifacts', 'latest', '-h']);
    const viaFlag = cli(['artifacts', 'latest', '--help']);
    for (const r of [viaHelp, viaH, viaFlag]) assert.equal(r.status, 0, r.stderr);
    assert.match(viaFlag.stdout, /^Print the path of the latest artifact/);
    assert.equal(viaH.stdout, viaFlag.stdout);
    assert.equal(viaHelp.stdout, viaFlag.stdout);
    const root = cli(['-h']);
    assert.equal(root.status, 0);
    assert.match(root.stdout, /^\s+runs\s+List recent runs/m);
  });

  test('a mistyped command or topic command: "did you mean", exit 2', () => {
    const r = cli(['rnus']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^Error: "rnus" is not a \S+ command\n {2}hint: did you mean \S+ runs\?/);
    const topic = cli(['artifacts', 'lsit']);
    assert.equal(topic.status, 2);
    assert.match(topic.stderr, /"artifacts lsit" is not a \S+ command\n {2}hint: did you mean \S+ artifacts list\?\n {2}hint: \S+ artifacts --help lists the artifacts commands/);
    const help = cli(['help', 'sync-artifact']);
    assert.equal(help.status, 2);
    assert.match(help.stderr, /did you mean \S+ sync-artifacts\?/);
    const far = cli(['frobnicate']);
    assert.equal(far.status, 2);
    assert.doesNotMatch(far.stderr, /did you mean/);
  });

  test('a mistyped flag: "did you mean --x?", exit 2, oclif\'s own message kept', () => {
    const r = cli(['runs', '--limt', '3']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^Error: Nonexistent flag: --limt\n {2}hint: did you mean --limit\?/);
    const dashed = cli(['run-models', '--site', 'demo', '--selct', 'x', '--dry-rn']);
    assert.equal(dashed.status, 2);
    assert.match(dashed.stderr, /did you mean --select\?/);
  });

  test('the --force example names a real task id and family', () => {
    const r = cli(['insert-datasets-info', '--help']);
    assert.match(r.stdout, /InsertDatasetsInfo\(site=data-gov-uk\)/);
    assert.doesNotMatch(r.stdout, /Page\(site=x/);
  });
});

/** Whether `runuser` works here (the helper's own check, exercised so a broken set-up is visible). */
test('run-as helper: as root it runs as nobody, otherwise as the current user', (t) => {
  const user = nonRootUser();
  if (user === undefined) return t.skip('no non-root user available');
  const r = cliAsUser(user, ['--version'], os.tmpdir());
  assert.equal(r.status, 0, r.stderr);
  if (process.getuid?.() === 0) {
    const who = spawnSync('runuser', ['-u', user, '--', 'id', '-u'], { encoding: 'utf8' });
    assert.notEqual(who.stdout.trim(), '0');
  }
});
