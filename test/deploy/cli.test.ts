import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot, runCli } from '../support/cli.js';
import { withTempDir } from '../support/temp-dir.js';

describe('./cli.sh deploy render', () => {
  test('--out writes the job files and an executable run.sh', async () => {
    await withTempDir(async (dir) => {
      const out = path.join(dir, 'k8s');
      const r = runCli(['deploy', 'render', '--as', 'k8s-indexed-job', '--shards', '2', '--site', 'data-gov-uk', '--bucket', 'my-bucket', '--image', 'ghcr.io/me/mallard:1', '--until', 'ckan_clean', '--out', out], { cwd: repoRoot });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n').map((l) => path.basename(l)), ['01-ckan-plan.yaml', '02-ckan-shards.yaml', '03-final.yaml', 'run.sh']);
      assert.ok((statSync(path.join(out, 'run.sh')).mode & 0o111) !== 0);
      const shards = parse(readFileSync(path.join(out, '02-ckan-shards.yaml'), 'utf8'));
      assert.match(shards.spec.template.spec.containers[0].args[0], /--shard "\$JOB_COMPLETION_INDEX\/2" --store gs:\/\/my-bucket\/mallard\/data-gov-uk$/);
    });
  });

  test('prints one workflow with --json too', () => {
    const r = runCli(['deploy', 'render', '--as', 'github-actions-matrix', '--shards', '2', '--site', 'data-gov-uk', '--bucket', 'my-bucket', '--json'], { cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { files: Array<{ file: string; text: string }>; written: boolean };
    assert.equal(out.written, false);
    assert.deepEqual(out.files.map((f) => f.file), ['mallard-data-gov-uk-sharded.yml']);
  });

  test('bad flags exit 2 with one clear message and write nothing', async () => {
    await withTempDir(async (dir) => {
      const out = path.join(dir, 'out');
      const cases: Array<[string[], RegExp]> = [
        [['--as', 'cloud-run-job', '--shards', '4', '--bucket', 'b-1'], /--image is required with --as cloud-run-job/],
        [['--as', 'github-actions-matrix', '--shards', '300', '--bucket', 'b-1'], /--shards 300: github-actions-matrix takes 1 to 256 shards/],
        [['--as', 'github-actions-matrix', '--shards', '4', '--bucket', 'Bad Bucket/../x'], /--bucket "Bad Bucket\/\.\.\/x" is not a GCS bucket name/],
        [['--as', 'github-actions-matrix', '--shards', '4', '--bucket', 'b-1', '--prefix', '../up'], /--prefix "\.\.\/up" must not contain "\.\."/],
        [['--as', 'nomad', '--shards', '4', '--bucket', 'b-1'], /Expected --as=nomad to be one of: cloud-run-job, k8s-indexed-job, github-actions-matrix/],
        [['--as', 'github-actions-matrix', '--bucket', 'b-1'], /Missing required flag shards/],
      ];
      for (const [args, message] of cases) {
        const r = runCli(['deploy', 'render', '--site', 'data-gov-uk', ...args, '--out', out], { cwd: repoRoot });
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('Error:')).length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        assert.equal(existsSync(out), false);
      }
    });
  });
});
