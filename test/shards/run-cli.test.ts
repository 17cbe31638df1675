/**
 * Sharded steps through the built CLI, as a deployment runs them: child processes, each with
 * its own artifacts directory, the store on the fake GCS server (STORAGE_EMULATOR_HOST), a
 * loopback CKAN portal. Usage errors exit 2; the CKAN stage runs as plan + 3 shards + final; a
 * shard SIGKILLed while a page hangs is rerun and fetches only that page; a final step before
 * a shard ran refuses naming it (exit 1).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { partition } from '../../src/engine/index.js';
import { latestArtifactInfo } from '../../src/store/index.js';
import { generatePackages } from '../support/ckan-corpus.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { repoRoot, runCliAsync } from '../support/cli.js';
import { cliSteps } from './cli-steps.js';
import { startGcsFakeServer, type GcsFakeServer } from '../support/gcs-fake-server.js';

const SITE = 'cli-shards';
const STORE = 'gs://shard-bucket/run';
let root: string;
let ckan: CkanTestServer;
let gcs: GcsFakeServer;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-shard-cli-'));
  ckan = await startCkanServer({ packages: generatePackages(30, 7) });
  gcs = await startGcsFakeServer({ buckets: ['shard-bucket'] });
  fs.mkdirSync(path.join(root, 'configs'));
  fs.writeFileSync(path.join(root, 'configs', `${SITE}.yaml`), `site: ${SITE}\nckan:\n  url: ${ckan.actionUrl}\n  rows: 1\nhttp:\n  retries: 0\n  timeoutMs: 60000\n`);
});
after(async () => {
  await Promise.all([ckan?.close(), gcs?.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
});

const { freshDir, cli, sharded, args, env } = cliSteps({ root: () => root, site: SITE, store: STORE, gcsHost: () => gcs.host });

describe('sharded steps through the CLI', () => {
  test('usage errors exit 2 with one message: --shard without --store, a leaf shard on a command with no leaf work, a bad spec, a bad store URL', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['download-datasets-info', ['--shard', '0/3'], /--shard 0\/3 needs --store gs:\/\/<bucket>\/<prefix>/],
      ['download-datasets-info', ['--store', STORE], /--store is the shared store of a sharded run: give --shard/],
      ['insert-datasets-info', ['--shard', '1/3', '--store', STORE], /insert-datasets-info has no leaf work of its own to shard/],
      ['create-raw-ckan-db-tables', ['--shard', 'final', '--store', STORE], /reads no sharded stage/],
      ['download-datasets-info', ['--shard', '3/3', '--store', STORE], /shard indexes run from 0 to 2/],
      ['download-datasets-info', ['--shard', 'plan', '--store', 's3://x/y'], /--store/],
    ];
    for (const [command, extra, message] of cases) {
      const r = await cli(command, extra);
      assert.equal(r.status, 2, `${command} ${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(ckan.requests.length, 0);
  });

  test('--help lists --shard and --store', async () => {
    const r = await runCliAsync(['download-datasets-info', '--help'], { cwd: root });
    assert.match(r.stdout, /--shard=<value>/);
    assert.match(r.stdout, /--store=<value>/);
  });

  test('plan, 3 shards (one SIGKILLed while a page hangs, then rerun), final: every page fetched once but the one in flight', async () => {
    const plan = await sharded('download-datasets-info', 'plan');
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stderr, /planned stage ckan: 30 tasks/);
    // Which shard owns which page, from the pages the plan listed (the store holds them).
    const planFile = gcs.names('shard-bucket', `run/state/${SITE}/ckan/plans/`)[0];
    assert.ok(planFile);
    const leaves = (JSON.parse(gcs.object('shard-bucket', planFile)!.data.toString('utf8')) as { leaves: Array<{ id: string; params: { start: number } }> }).leaves;
    const owners = partition(leaves.map((l) => l.id), 3);
    const victim = owners.findIndex((own) => own.filter((id) => !/\bstart=0\)/.test(id)).length >= 3);
    assert.ok(victim >= 0);
    const victimStarts = leaves.filter((l) => owners[victim]!.includes(l.id) && l.params.start > 0).map((l) => String(l.params.start));
    const hung = victimStarts[victimStarts.length - 1]!;

    const early = await sharded('insert-datasets-info', 'final');
    assert.equal(early.status, 1, early.stderr);
    assert.match(early.stderr, /ERR_SHARDS_INCOMPLETE|not complete: no shard of stage ckan has run/);

    ckan.schedule({ fault: { kind: 'hang' }, match: (q) => q.get('start') === hung });
    const dir = freshDir();
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/node'), [path.join(repoRoot, 'dist/commands/main.js'), ...args('download-datasets-info', ['--shard', `${victim}/3`, '--store', STORE, '--workers', '1'], dir)], {
      cwd: root, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // With one worker the hung page is asked last; wait until the others are committed.
    const receipts = (): number => gcs.names('shard-bucket', `run/state/${SITE}/ckan/`).filter((n) => n.includes('/receipts/')).length;
    const deadline = Date.now() + 60_000;
    while (!(ckan.requests.some((r) => r.query.get('start') === hung) && receipts() >= victimStarts.length)) {
      assert.ok(Date.now() < deadline, 'the shard reached the hung page');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const refused = await sharded('insert-datasets-info', 'final');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, new RegExp(`shard ${victim}/3: 1 tasks missing; started .*never finished; e\\.g\\. CkanPage\\(.*start=${hung}\\)`));

    for (let i = 0; i < 3; i++) {
      if (i === victim) continue;
      const r = await sharded('download-datasets-info', `${i}/3`);
      assert.equal(r.status, 0, r.stderr);
    }
    const before = ckan.requests.length;
    const rerun = await sharded('download-datasets-info', `${victim}/3`);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.deepEqual(ckan.requests.slice(before).map((r) => r.query.get('start')), [hung], 'the rerun fetched only the page that was in flight');

    const fin = await sharded('insert-datasets-info', 'final', path.join(root, 'final'));
    assert.equal(fin.status, 0, fin.stderr);
    const starts = ckan.requests.map((r) => r.query.get('start'));
    assert.deepEqual(starts.filter((s, i) => starts.indexOf(s) !== i), [hung], 'no page fetched twice except the one in flight');
    const info = await latestArtifactInfo(path.join(root, 'final'), SITE, 'ckan_api');
    assert.equal(info?.manifest.tables['datasets'], 30);
  });
});
