/** The built CLI, run as a child process: help, config check / list, errors and exit codes. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';

const SECRET = 'ghp_cliTestSecret0123456789abcdefABCDEF';


function cli(args: string[], cwd: string, extraEnv: Record<string, string> = {}): CliResult {
  return runCli(args, { cwd, env: extraEnv });
}

async function workdir(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-cli-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const GOOD = 'site: good\nckan:\n  url: https://data.example.org/api/3/action/\n';
const BAD = 'site: bad\nckan:\n  url: not-a-url\n  urll: x\n';

describe('help', () => {
  test('--help lists every command with its one-line summary', async (t) => {
    const r = cli(['--help'], await workdir(t, {}));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\s+config check\s+Validate a site config and print it with defaults filled in\.$/m);
    assert.match(r.stdout, /^\s+config list\s+List the site configs in \.\/configs, flagging invalid ones\.$/m);
  });

  test('config check --help shows the flags and examples', async (t) => {
    const r = cli(['config', 'check', '--help'], await workdir(t, {}));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /EXAMPLES/);
    assert.match(r.stdout, /\$ \S+ config check --site data-gov-uk/);
    assert.match(r.stdout, /--site=<value>/);
    assert.match(r.stdout, /--config-file=<value>/);
    assert.doesNotMatch(r.stdout, /<%=/);
  });
});

describe('config check', () => {
  test('a valid config prints resolved, with token variables set or not, never their values', async (t) => {
    const cwd = await workdir(t, { 'configs/good.yaml': GOOD, '.env': `GITHUB_TOKEN=${SECRET}\n` });
    const r = cli(['config', 'check', '--site', 'good'], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /configs\/good\.yaml: valid \(site good\)/);
    assert.match(r.stdout, /url: https:\/\/data\.example\.org\/api\/3\/action$/m);
    assert.match(r.stdout, /rows: 1000/);
    assert.match(r.stdout, /github: GITHUB_TOKEN is set/);
    assert.match(r.stdout, /sourcegraph: SOURCEGRAPH_TOKEN is not set/);
    assert.match(r.stdout, /from \.env: GITHUB_TOKEN/);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
  });

  test('--json returns the report; CONFIG_PATH chooses the file', async (t) => {
    const cwd = await workdir(t, { 'elsewhere/good.yaml': GOOD });
    const r = cli(['config', 'check', '--json'], cwd, { CONFIG_PATH: 'elsewhere/good.yaml', SOURCEGRAPH_TOKEN: SECRET });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.valid, true);
    assert.equal(report.site, 'good');
    assert.equal(report.file, path.join('elsewhere', 'good.yaml'));
    assert.match(report.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(report.tokens, { sourcegraph: { env: 'SOURCEGRAPH_TOKEN', set: true }, github: { env: 'GITHUB_TOKEN', set: false } });
    assert.equal(report.config.ckan.url, 'https://data.example.org/api/3/action');
    assert.ok(!r.stdout.includes(SECRET));
  });

  test('a bad config exits 2 with one line per problem, no stack, and writes nothing', async (t) => {
    const cwd = await workdir(t, { 'configs/bad.yaml': BAD });
    const r = cli(['config', 'check', '--site', 'bad', '--artifacts-dir', 'out'], cwd);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ {2}configs\/bad\.yaml:3: ckan\.url: Invalid URL/m);
    assert.match(r.stderr, /^ {2}configs\/bad\.yaml:4: ckan\.urll: Unrecognized key/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(path.join(cwd, 'out')) && !existsSync(path.join(cwd, 'artifacts')), 'nothing may be written');
  });

  test('--verbose adds the stack trace', async (t) => {
    const cwd = await workdir(t, { 'configs/bad.yaml': BAD });
    const r = cli(['config', 'check', '--site', 'bad', '--verbose'], cwd);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /configs\/bad\.yaml:3: ckan\.url: Invalid URL/);
    assert.match(r.stderr, /^\s+at /m);
  });

  test('a bad config with --json gives the problems as data', async (t) => {
    const cwd = await workdir(t, { 'configs/bad.yaml': BAD });
    const r = cli(['config', 'check', '--site', 'bad', '--json'], cwd);
    assert.equal(r.status, 2);
    const out = JSON.parse(r.stdout);
    assert.equal(out.valid, false);
    assert.equal(out.error.code, 'ERR_CONFIG');
    assert.deepEqual(out.error.problems.map((p: { line: number; path: string }) => [p.line, p.path]), [[3, 'ckan.url'], [4, 'ckan.urll']]);
  });

  test('no site chosen, or an unknown one, exits 2 and says what is available', async (t) => {
    const cwd = await workdir(t, { 'configs/good.yaml': GOOD });
    const none = cli(['config', 'check'], cwd);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no site config chosen: pass --site <name>, --config-file <path>, or set CONFIG_PATH/);
    const unknown = cli(['config', 'check', '--site', 'godo'], cwd);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown site "godo"/);
    assert.match(unknown.stderr, /available sites: good/);
  });
});

describe('config list', () => {
  test('lists each config with site and CKAN URL, flagging invalid ones', async (t) => {
    const cwd = await workdir(t, { 'configs/good.yaml': GOOD, 'configs/bad.yaml': BAD, 'configs/notes.txt': 'ignored' });
    const r = cli(['config', 'list'], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^good\s+good\s+https:\/\/data\.example\.org\/api\/3\/action\s+ok$/m);
    assert.match(r.stdout, /^bad\s+bad\s+not-a-url\s+INVALID$/m);
    assert.match(r.stdout, /^\s+configs\/bad\.yaml:3: ckan\.url: Invalid URL/m);
    const json = JSON.parse(cli(['config', 'list', '--json'], cwd).stdout);
    assert.deepEqual(json.configs.map((c: { name: string; valid: boolean }) => [c.name, c.valid]), [['bad', false], ['good', true]]);
  });
});

describe('usage errors', () => {
  test('an unknown flag exits 2', async (t) => {
    const r = cli(['config', 'check', '--no-such-flag'], await workdir(t, {}));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Nonexistent flag: --no-such-flag/);
  });

  test('an unknown command exits 2', async (t) => {
    const r = cli(['no-such-command'], await workdir(t, {}));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^Error: "no-such-command" is not a \S+ command\n/);
  });
});
