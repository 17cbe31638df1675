/**
 * SIGINT and SIGTERM during a real crawl (the built CLI against a loopback CKAN portal whose
 * pages are slow): the run stops starting tasks, writes its summary and its final run record,
 * releases the lock and exits 130 / 143; a second signal exits at once. The signal is sent
 * once the child says a page after the first is done (an event, not a sleep).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acquireLock, systemClock } from '../../src/engine/index.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { repoRoot } from '../support/cli.js';
import { smallCorpus } from '../sources/ckan/harness.js';

interface Child {
  child: ChildProcess;
  stderr(): string;
  /** Resolves when stderr matches. */
  waitFor(pattern: RegExp): Promise<void>;
  exit: Promise<number | null>;
}

function startCli(args: string[], cwd: string): Child {
  const env: NodeJS.ProcessEnv = { ...process.env, OCLIF_COLUMNS: '200', CI: 'true' };
  delete env['ARTIFACTS_DIR'];
  delete env['CONFIG_PATH'];
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/commands/main.js'), ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of waiters.splice(0)) (w.pattern.test(err) ? w.resolve : () => waiters.push(w))();
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(err)) return resolve();
        waiters.push({ pattern, resolve });
        void exit.then(() => reject(new Error(`the CLI exited before ${pattern}:\n${err}`)));
      }),
    exit,
  };
}

function lastRecord(artifacts: string): Record<string, unknown> {
  const runs = path.join(artifacts, 'runs');
  const [log] = fs.readdirSync(runs).sort().reverse();
  const lines = fs.readFileSync(path.join(runs, log as string), 'utf8').trim().split('\n');
  return JSON.parse(lines.at(-1) as string) as Record<string, unknown>;
}

describe('interrupting a run (built CLI)', () => {
  let dir = '';
  let server: CkanTestServer;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-cli-interrupt-'));
    server = await startCkanServer({ packages: smallCorpus(2000), maxRows: 50 });
    server.schedule({ fault: { kind: 'slow', delayMs: 150 }, times: 1_000_000 });
    fs.mkdirSync(path.join(dir, 'configs'));
    fs.writeFileSync(path.join(dir, 'configs', 's.yaml'), `site: s\nckan:\n  url: ${server.actionUrl}\n  requestsPerSecond: 1000\n`);
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal} mid-crawl: summary, final run record, lock released, exit ${code}; a rerun resumes`, async () => {
      const artifacts = path.join(dir, `art-${signal}`);
      // One worker: the crawl asks for pages a window at a time, so some are still queued
      // when the signal comes (those must be skipped, not waited for forever).
      const run = startCli(['download-datasets-info', '--site', 's', '--refresh', '--workers', '1', '--artifacts-dir', artifacts], dir);
      await run.waitFor(/done CkanPage\(.*start=100\)/);
      run.child.kill(signal);
      assert.equal(await run.exit, code, run.stderr());
      assert.match(run.stderr(), new RegExp(`${signal}: stopping`));
      assert.match(run.stderr(), /===== mallard run \S+: INTERRUPTED/);
      assert.match(run.stderr(), /not started: the run was interrupted/);
      assert.doesNotMatch(run.stderr(), /unsettled top-level await/);
      const record = lastRecord(artifacts);
      assert.equal(record['type'], 'run_finished');
      const summary = record['summary'] as { status: string; counts: { ran: number } };
      assert.equal(summary.status, 'interrupted');
      assert.ok(summary.counts.ran >= 3, 'the pages done before the signal are counted');
      assert.equal(fs.existsSync(path.join(artifacts, '.mallard', 'locks', 's.lock')), false, 'lock released');

      const pagesBefore = server.requests.length;
      const resume = startCli(['download-datasets-info', '--site', 's', '--artifacts-dir', artifacts], dir);
      assert.equal(await resume.exit, 0, resume.stderr());
      assert.ok(server.requests.length - pagesBefore < 40, 'the resume fetched only the missing pages');
    });
  }

  test('a second signal exits at once with 130 and leaves no lock behind', async () => {
    const artifacts = path.join(dir, 'art-twice');
    const run = startCli(['download-datasets-info', '--site', 's', '--refresh', '--artifacts-dir', artifacts], dir);
    await run.waitFor(/done CkanPage\(.*start=50\)/);
    run.child.kill('SIGINT');
    await run.waitFor(/SIGINT: stopping/);
    run.child.kill('SIGINT');
    assert.equal(await run.exit, 130, run.stderr());
    assert.equal(fs.existsSync(path.join(artifacts, '.mallard', 'locks', 's.lock')), false, 'lock released on the way out');
  });

  test('SIGINT while waiting for another run\'s lock (--wait): exit 130, no run recorded, the other lock untouched', async () => {
    const artifacts = path.join(dir, 'art-wait');
    const lockFile = path.join(artifacts, '.mallard', 'locks', 's.lock');
    const lock = await acquireLock(lockFile, { clock: systemClock, command: 'the other run' });
    try {
      const run = startCli(['download-datasets-info', '--site', 's', '--wait', '--artifacts-dir', artifacts], dir);
      await run.waitFor(/waiting for the run holding the lock of s to finish \(--wait\): pid \d+/);
      run.child.kill('SIGINT');
      assert.equal(await run.exit, 130, run.stderr());
      assert.equal(fs.existsSync(path.join(artifacts, 'runs')), false, 'no run recorded');
      assert.match(fs.readFileSync(lockFile, 'utf8'), /the other run/);
    } finally {
      lock.release();
    }
  });

  test('a signal that comes while the last task runs: it finishes and publishes (0444), exit 0', async () => {
    const models = path.join(dir, 'slow-models');
    fs.mkdirSync(path.join(models, 'slow'), { recursive: true });
    fs.writeFileSync(path.join(models, 'slow', 'schema.yml'), 'database: slow\n');
    fs.writeFileSync(path.join(models, 'slow', 'total.sql'), 'SELECT sum(range) AS s FROM range(400000000)');
    const artifacts = path.join(dir, 'art-slow');
    const run = startCli(['run-models', '--site', 's', '--select', 'slow', '--models-dir', models, '--artifacts-dir', artifacts], dir);
    await run.waitFor(/start BuildModels\(/);
    run.child.kill('SIGINT');
    assert.equal(await run.exit, 0, run.stderr());
    assert.match(run.stderr(), /SIGINT: stopping/, 'the signal came during the run');
    assert.match(run.stderr(), /===== mallard run \S+: SUCCESS/);
    const published = fs.readdirSync(path.join(artifacts, 'read_only', 's')).filter((f) => /^slow_\d{8}T\d{6}Z\.db$/.test(f));
    assert.equal(published.length, 1);
    assert.equal(fs.statSync(path.join(artifacts, 'read_only', 's', published[0] as string)).mode & 0o777, 0o444);
  });
});
