/**
 * The generated run.sh scripts, run by a real /bin/sh against stand-ins for gcloud and kubectl
 * on PATH that log each call and answer like the real tools (a job that completes, or fails).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { renderDeployment, validateDeployOptions, type DeployKind } from '../../src/deploy/index.js';
import { withTempDir } from '../support/temp-dir.js';

function render(as: DeployKind, dir: string): string[] {
  const opts = validateDeployOptions({
    as, shards: 3, retries: 2, site: 'data-gov-uk', siteArgs: ['--site', 'data-gov-uk'], bucket: 'my-bucket', prefix: 'p', image: 'r/m:1', secretEnv: [],
  });
  const { files } = renderDeployment(opts);
  for (const f of files) writeFileSync(path.join(dir, f.file), f.text);
  chmodSync(path.join(dir, 'run.sh'), 0o755);
  return files.map((f) => f.file);
}

/** A stand-in program on PATH: logs its argv to calls.log, then runs `body` (how it answers). */
function standIn(dir: string, name: string, body: string): void {
  const file = path.join(dir, 'bin', name);
  writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "${path.join(dir, 'calls.log')}"\n${body}\n`);
  chmodSync(file, 0o755);
}

function runScript(dir: string, env: Record<string, string>): { status: number | null; calls: string[]; stderr: string } {
  const r = spawnSync('/bin/sh', [path.join(dir, 'run.sh')], { cwd: '/', env: { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, ...env }, encoding: 'utf8' });
  let calls: string[] = [];
  try {
    calls = readFileSync(path.join(dir, 'calls.log'), 'utf8').trimEnd().split('\n');
  } catch {
    calls = [];
  }
  return { status: r.status, calls, stderr: r.stderr };
}

async function inDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  await withTempDir(async (dir) => {
    mkdirSync(path.join(dir, 'bin'));
    await fn(dir);
  });
}

describe('run.sh for Cloud Run', () => {
  const gcloud = 'case "$*" in *"execute $FAIL_JOB "*) echo "execution failed" >&2; exit 1 ;; esac; exit 0';

  test('applies every job, then executes each in order with --wait', () => inDir((dir) => {
    render('cloud-run-job', dir);
    standIn(dir, 'gcloud', gcloud);
    const r = runScript(dir, { REGION: 'europe-west1', FAIL_JOB: 'none' });
    assert.equal(r.status, 0, r.stderr);
    const executes = r.calls.filter((c) => c.includes(' execute ')).map((c) => c.split(' ')[4]);
    assert.deepEqual(executes, ['ckan-plan', 'ckan-shards', 'search-plan', 'search-shards', 'github-plan', 'github-shards', 'final'].map((s) => `mallard-data-gov-uk-${s}`));
    assert.ok(r.calls.slice(0, 7).every((c) => c.startsWith('gcloud run jobs replace ')), 'every job is applied before the first executes');
    assert.ok(r.calls.every((c) => c.includes('--region europe-west1')));
  }));

  test('a failed sharded job stops the run: nothing after it executes', () => inDir((dir) => {
    render('cloud-run-job', dir);
    standIn(dir, 'gcloud', gcloud);
    const r = runScript(dir, { REGION: 'europe-west1', FAIL_JOB: 'mallard-data-gov-uk-search-shards' });
    assert.notEqual(r.status, 0);
    assert.equal(r.calls.at(-1)!.split(' ')[4], 'mallard-data-gov-uk-search-shards');
    assert.ok(!r.calls.some((c) => c.includes('github-plan') && c.includes(' execute ')));
  }));

  test('without REGION it refuses before touching anything', () => inDir((dir) => {
    render('cloud-run-job', dir);
    standIn(dir, 'gcloud', gcloud);
    const r = runScript(dir, {});
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /set REGION/);
    assert.deepEqual(r.calls, []);
  }));
});

describe('run.sh for Kubernetes', () => {
  // `get job X -o jsonpath=…` answers the Job's true conditions: Failed for FAIL_JOB, else Complete.
  const kubectl = 'case "$*" in *"get job $FAIL_JOB "*) echo "FailureTarget Failed " ;; *"get job "*) echo "SuccessCriteriaMet Complete " ;; esac; exit 0';

  test('creates each Job only after the one before reported Complete', () => inDir((dir) => {
    const files = render('k8s-indexed-job', dir);
    standIn(dir, 'kubectl', kubectl);
    const r = runScript(dir, { FAIL_JOB: 'none', NAMESPACE: 'data' });
    assert.equal(r.status, 0, r.stderr);
    const creates = r.calls.filter((c) => c.includes(' create -f ')).map((c) => path.basename(c.split(' ').at(-1)!));
    assert.deepEqual(creates, files.filter((f) => f.endsWith('.yaml')));
    // create, then get (waiting), for each Job in turn
    const order = r.calls.filter((c) => / create -f | get job /.test(c)).map((c) => (c.includes(' create ') ? 'create' : 'get'));
    assert.deepEqual(order, creates.flatMap(() => ['create', 'get']));
    assert.ok(r.calls.every((c) => c.includes('--namespace=data')));
  }));

  test('a failed Indexed Job stops the run before the next Job is created', () => inDir((dir) => {
    render('k8s-indexed-job', dir);
    standIn(dir, 'kubectl', kubectl);
    const r = runScript(dir, { FAIL_JOB: 'mallard-data-gov-uk-ckan-shards' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /job mallard-data-gov-uk-ckan-shards failed/);
    const creates = r.calls.filter((c) => c.includes(' create -f ')).map((c) => path.basename(c.split(' ').at(-1)!));
    assert.deepEqual(creates, ['01-ckan-plan.yaml', '02-ckan-shards.yaml']);
  }));
});
