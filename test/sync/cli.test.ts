/** The sync commands as a user runs them: the built CLI in a child process, against the emulator. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { emulatorSuite, modeOf, publish, remoteNames, writeFile } from './helpers.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('sync commands (CLI, GCS emulator via STORAGE_EMULATOR_HOST)', () => {
  const gcs = emulatorSuite();

  /** `undefined` in `env` removes a variable the emulator set-up would give. */
  function cli(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Run {
    const base: Record<string, string | undefined> = { STORAGE_EMULATOR_HOST: gcs.emu.host, GCP_PROJECT: gcs.emu.projectId, METADATA_SERVER_DETECTION: 'none', ...env };
    const defined = Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
    return runCli(args, { cwd, env: defined });
  }

  test('push reads GCP_BUCKET from .env, shows progress lines, and a second push uploads nothing', () => {
    const cwd = gcs.dir('cli-push');
    fs.writeFileSync(path.join(cwd, '.env'), 'GCP_BUCKET=cli-push\n');
    const a = publish(path.join(cwd, 'artifacts'), 'uk', 'usage', '20250101T000000Z');
    const first = cli(cwd, ['sync-artifacts', '--prefix', 'team']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Pushed 2 files \(.*\) to gs:\/\/cli-push\/team; 0 unchanged\./);
    assert.match(first.stderr, new RegExp(`uploaded ${a.manifest.replace(/\./g, '\\.')} \\[2/2 files`));
    const second = cli(cwd, ['sync-artifacts', '--prefix', 'team', '--json']);
    assert.equal(second.status, 0, second.stderr);
    const json = JSON.parse(second.stdout) as { uploaded: number; hashed: number; unchanged: number };
    assert.deepEqual([json.uploaded, json.hashed, json.unchanged], [0, 0, 2]);
    assert.equal(second.stderr, '');
  });

  test('--dry-run prints the plan and uploads nothing; --bucket overrides .env', async () => {
    const cwd = gcs.dir('cli-dry');
    fs.writeFileSync(path.join(cwd, '.env'), 'GCP_BUCKET=not-this-one\n');
    writeFile(path.join(cwd, 'artifacts'), 'runs/r.jsonl', 'x\n');
    const r = cli(cwd, ['sync-artifacts', '--bucket', 'cli-dry', '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Dry run: would upload 1 files .* to gs:\/\/cli-dry, delete 0/);
    assert.match(r.stdout, /upload {2}runs\/r\.jsonl {2}\(2 B, missing\)/);
    assert.deepEqual(await remoteNames(gcs.emu, 'cli-dry'), []);
  });

  test('--pull --into restores with read-only modes', () => {
    const cwd = gcs.dir('cli-pull');
    const a = publish(path.join(cwd, 'artifacts'), 'uk', 'usage', '20250101T000000Z');
    assert.equal(cli(cwd, ['sync-artifacts', '--bucket', 'cli-pull']).status, 0);
    const r = cli(cwd, ['sync-artifacts', '--bucket', 'cli-pull', '--pull', '--into', 'restored', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { downloaded: number }).downloaded, 2);
    assert.equal(modeOf(path.join(cwd, 'restored', a.db)), 0o444);
  });

  test('a pull of large objects prints nothing but its own lines (no Node warnings from the storage library)', () => {
    const cwd = gcs.dir('cli-pull-large');
    for (const day of ['01', '02', '03']) publish(path.join(cwd, 'artifacts'), 'uk', 'ckan_api', `202501${day}T000000Z`, 6 * 1024 * 1024);
    assert.equal(cli(cwd, ['sync-artifacts', '--bucket', 'cli-pull-large']).status, 0);
    const r = cli(cwd, ['sync-artifacts', '--bucket', 'cli-pull-large', '--pull', '--into', 'restored']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Warning|\(node:\d+\)/, r.stderr);
  });

  test('artifacts promote copies the latest artifacts between prefixes', async () => {
    const cwd = gcs.dir('cli-promote');
    publish(path.join(cwd, 'artifacts'), 'uk', 'usage', '20250101T000000Z');
    publish(path.join(cwd, 'artifacts'), 'uk', 'usage', '20250202T000000Z');
    assert.equal(cli(cwd, ['sync-artifacts', '--bucket', 'cli-promote', '--prefix', 'staging']).status, 0);
    const r = cli(cwd, ['artifacts', 'promote', '--from', 'staging', '--to', 'gs://cli-promote/production'], { GCP_BUCKET: 'cli-promote' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Copied 2 objects \(1 artifacts\) from gs:\/\/cli-promote\/staging to gs:\/\/cli-promote\/production/);
    assert.deepEqual(await remoteNames(gcs.emu, 'cli-promote', 'production/'), [
      'production/read_only/uk/usage_20250202T000000Z.db',
      'production/read_only/uk/usage_20250202T000000Z.manifest.json',
    ]);
  });

  test('usage and configuration errors exit 2 with one clear message', () => {
    const cwd = gcs.dir('cli-usage');
    const noBucket = cli(cwd, ['sync-artifacts']);
    assert.equal(noBucket.status, 2);
    assert.match(noBucket.stderr, /No bucket given: set GCP_BUCKET/);
    const noProject = cli(cwd, ['create-bucket', '--bucket', 'bkt'], { GCP_PROJECT: undefined });
    assert.equal(noProject.status, 2);
    assert.match(noProject.stderr, /GCP_PROJECT/);
    const badDays = cli(cwd, ['create-bucket', '--bucket', 'bkt', '--soft-delete-days', '3']);
    assert.equal(badDays.status, 2);
    assert.match(badDays.stderr, /7 to 90/);
    const both = cli(cwd, ['sync-artifacts', '--bucket', 'bkt', '--pull', '--delete']);
    assert.equal(both.status, 2);
  });

  test('a bucket name or prefix GCS would read differently is refused (exit 2) and nothing is pushed', async () => {
    const cwd = gcs.dir('cli-badname');
    publish(path.join(cwd, 'artifacts'), 'uk', 'usage', '20250101T000000Z');
    // Before: pushed to bucket "x" while reporting gs://Bad Bucket/../x, exit 0.
    const bad = cli(cwd, ['sync-artifacts', '--bucket', 'Bad Bucket/../x']);
    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /^Error: invalid bucket name "Bad Bucket\/\.\.\/x" \(from --bucket\)/);
    assert.doesNotMatch(bad.stdout, /Pushed/);
    assert.deepEqual(await remoteNames(gcs.emu, 'x'), []);
    fs.writeFileSync(path.join(cwd, '.env'), 'GCP_BUCKET=Team_Bucket\n');
    const env = cli(cwd, ['sync-artifacts']);
    assert.equal(env.status, 2);
    assert.match(env.stderr, /invalid bucket name "Team_Bucket" \(from GCP_BUCKET\): bucket names are lowercase\n {2}hint: did you mean team_bucket\?/);
    fs.rmSync(path.join(cwd, '.env'));
    for (const prefix of ['../other', '/abs', 'a/../../b']) {
      const p = cli(cwd, ['sync-artifacts', '--bucket', 'cli-badname', '--prefix', prefix]);
      assert.equal(p.status, 2, prefix);
      assert.match(p.stderr, /invalid prefix .* \(from --prefix\)/, prefix);
    }
    const pull = cli(cwd, ['sync-artifacts', '--bucket', 'cli-badname', '--prefix', '../x', '--pull']);
    assert.equal(pull.status, 2);
    const promote = cli(cwd, ['artifacts', 'promote', '--from', 'gs://cli-badname/../x', '--to', 'prod']);
    assert.equal(promote.status, 2);
    assert.match(promote.stderr, /invalid prefix/);
    assert.deepEqual(await remoteNames(gcs.emu, 'cli-badname'), []);
  });

  test('missing credentials are one message naming the bucket, exit 1 (no network touched)', () => {
    const cwd = gcs.dir('cli-creds');
    writeFile(path.join(cwd, 'artifacts'), 'runs/r.jsonl', 'x');
    const r = cli(cwd, ['sync-artifacts', '--bucket', 'team-bucket'], {
      STORAGE_EMULATOR_HOST: undefined,
      HOME: cwd,
      GOOGLE_APPLICATION_CREDENTIALS: path.join(cwd, 'missing-key.json'),
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: No usable Google Cloud credentials to list gs:\/\/team-bucket/);
    assert.match(r.stderr, /hint: run `gcloud auth application-default login`/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack without --verbose');
  });
});
