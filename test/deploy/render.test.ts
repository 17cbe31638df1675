import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { renderDeployment, validateDeployOptions, type DeployOptions, type RawDeployOptions, type RenderedFile } from '../../src/deploy/index.js';
import { COMMAND_MODULES } from '../../commands/index.js';
import { MallardError } from '../../src/engine/errors.js';
import { parseShardSpec } from '../../src/engine/shard.js';
import { cloudRunJobSchema } from './cloud-run-schema.js';
import { workflowErrors } from './workflow-parser.js';

const BASE: RawDeployOptions = {
  as: 'cloud-run-job',
  shards: 3,
  retries: 3,
  site: 'data-gov-uk',
  siteArgs: ['--site', 'data-gov-uk'],
  bucket: 'my-bucket',
  prefix: 'mallard/uk',
  image: 'europe-docker.pkg.dev/p/mallard/mallard:1.0',
  secretEnv: ['SOURCEGRAPH_TOKEN', 'GITHUB_TOKEN'],
};

function options(over: Partial<RawDeployOptions> = {}): DeployOptions {
  return validateDeployOptions({ ...BASE, ...over });
}

const yamlFiles = (files: RenderedFile[]) => files.filter((f) => f.file.endsWith('.yaml') || f.file.endsWith('.yml'));
const script = (files: RenderedFile[]) => files.find((f) => f.file === 'run.sh')!.text;

/** Runs a generated `exec ./cli.sh …` shell line with printf instead, and returns the argv the CLI would get. */
function argvOf(line: string, env: Record<string, string>): string[] {
  assert.match(line, /^exec \.\/cli\.sh /);
  const out = execFileSync('/bin/sh', ['-c', line.replace(/^exec \.\/cli\.sh /, "printf '%s\\n' ")], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return out.trimEnd().split('\n');
}

function flagValue(argv: string[], flag: string): string {
  const i = argv.indexOf(flag);
  assert.ok(i >= 0, `${flag} in ${argv.join(' ')}`);
  return argv[i + 1]!;
}

/** The step order a run.sh executes (job names in the order of their execute/create lines). */
function executedJobs(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1]!);
}

function shellSyntaxOk(text: string): void {
  const r = spawnSync('/bin/sh', ['-n'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('deploy render: the steps', () => {
  test('each stage is plan then shards, and one final step ends the run', () => {
    const names = renderDeployment(options()).steps.map((s) => `${s.name}:${s.kind}:${s.shard}`);
    assert.deepEqual(names, [
      'ckan-plan:single:plan', 'ckan-shards:sharded:index',
      'search-plan:single:plan', 'search-shards:sharded:index',
      'github-plan:single:plan', 'github-shards:sharded:index',
      'final:single:final',
    ]);
    const ckanOnly = renderDeployment(options({ until: 'ckan_clean' })).steps;
    assert.deepEqual(ckanOnly.map((s) => s.name), ['ckan-plan', 'ckan-shards', 'final']);
    assert.deepEqual(ckanOnly[2]!.command, ['run-models', '--select', 'ckan_clean']);
    assert.deepEqual(renderDeployment(options({ until: 'sourcegraph_api' })).steps.at(-1)!.command, ['insert-sourcegraph-results']);
  });

  test('every step calls a command of this CLI', () => {
    for (const step of renderDeployment(options()).steps) assert.ok(COMMAND_MODULES[step.command[0]!], `${step.name}: ${step.command[0]}`);
  });
});

describe('deploy render --as cloud-run-job', () => {
  const opts = options({ shards: 5, parallelism: 4 });
  const { steps, files } = renderDeployment(opts);
  const jobs = yamlFiles(files).map((f) => parse(f.text) as Record<string, any>);

  test('every file is a Cloud Run Job with only documented fields', () => {
    assert.equal(jobs.length, steps.length);
    for (const job of jobs) {
      const r = cloudRunJobSchema.safeParse(job);
      assert.ok(r.success, JSON.stringify(r.error?.issues));
    }
  });

  test('a sharded job has taskCount N and maps CLOUD_RUN_TASK_INDEX/COUNT to --shard i/N, for every index', () => {
    const sharded = jobs.filter((j) => j.spec.template.spec.taskCount > 1);
    assert.equal(sharded.length, 3);
    for (const job of sharded) {
      const spec = job.spec.template.spec;
      assert.equal(spec.taskCount, 5);
      assert.equal(spec.parallelism, 4);
      assert.equal(spec.template.spec.maxRetries, 3);
      const c = spec.template.spec.containers[0];
      assert.deepEqual(c.command, ['/bin/sh', '-c']);
      const seen = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const argv = argvOf(c.args[0], { CLOUD_RUN_TASK_INDEX: String(i), CLOUD_RUN_TASK_COUNT: '5' });
        const spec = parseShardSpec(flagValue(argv, '--shard'));
        assert.equal(spec.kind, 'shard');
        if (spec.kind === 'shard') { assert.equal(spec.count, 5); seen.add(spec.index); }
        assert.equal(flagValue(argv, '--store'), 'gs://my-bucket/mallard/uk');
        assert.equal(flagValue(argv, '--site'), 'data-gov-uk');
      }
      assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
    }
  });

  test('single steps run one task with --shard plan or final; tokens come from Secret Manager, never inline', () => {
    const single = jobs.filter((j) => j.spec.template.spec.taskCount === 1);
    assert.deepEqual(single.map((j) => flagValue(j.spec.template.spec.template.spec.containers[0].args, '--shard')), ['plan', 'plan', 'plan', 'final']);
    for (const job of jobs) {
      const env = job.spec.template.spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: unknown; value?: string }>;
      assert.deepEqual(env.map((e) => e.name), ['SOURCEGRAPH_TOKEN', 'GITHUB_TOKEN']);
      assert.ok(env.every((e) => e.value === undefined && e.valueFrom !== undefined));
    }
  });

  test('run.sh applies every job, then executes them in step order, each waiting for the one before', () => {
    const text = script(files);
    shellSyntaxOk(text);
    assert.match(text, /^set -eu$/m);
    const names = jobs.map((j) => j.metadata.name);
    assert.deepEqual(executedJobs(text, /^gcloud run jobs execute (\S+) --region "\$REGION" --wait$/gm), names);
    assert.equal(executedJobs(text, /^gcloud run jobs replace (\S+)/gm).length, names.length);
    assert.ok(text.search(/^gcloud run jobs replace/m) < text.search(/^gcloud run jobs execute/m));
    assert.equal(names.at(-1), 'mallard-data-gov-uk-final');
  });
});

describe('deploy render --as k8s-indexed-job', () => {
  const opts = options({ as: 'k8s-indexed-job', shards: 4, serviceAccount: 'mallard' });
  const { files } = renderDeployment(opts);
  const jobs = yamlFiles(files).map((f) => parse(f.text) as Record<string, any>);

  test('every Job validates against the Kubernetes batch/v1 Job schema (kubernetes-models)', () => {
    for (const job of jobs) new Job(job as ConstructorParameters<typeof Job>[0]).validate();
    // The check is real: a wrong type or field fails it.
    assert.throws(() => new Job({ ...jobs[1], spec: { ...jobs[1]!.spec, completions: 'four' } } as ConstructorParameters<typeof Job>[0]).validate());
  });

  test('a sharded step is an Indexed Job whose index becomes --shard i/N, retried per index, failing at once on exit 2', () => {
    const sharded = jobs.filter((j) => j.spec.completionMode === 'Indexed');
    assert.equal(sharded.length, 3);
    for (const job of sharded) {
      assert.equal(job.spec.completions, 4);
      assert.equal(job.spec.parallelism, 4);
      assert.equal(job.spec.backoffLimitPerIndex, 3);
      assert.equal(job.spec.template.spec.restartPolicy, 'Never');
      assert.equal(job.spec.template.spec.serviceAccountName, 'mallard');
      const rules = job.spec.podFailurePolicy.rules;
      assert.deepEqual(rules[0], { action: 'FailJob', onExitCodes: { containerName: 'mallard', operator: 'In', values: [2] } });
      const c = job.spec.template.spec.containers[0];
      const shards = [0, 1, 2, 3].map((i) => flagValue(argvOf(c.args[0], { JOB_COMPLETION_INDEX: String(i) }), '--shard'));
      assert.deepEqual(shards, ['0/4', '1/4', '2/4', '3/4']);
      shards.forEach((s) => parseShardSpec(s));
    }
    const single = jobs.filter((j) => j.spec.completionMode === undefined);
    assert.ok(single.every((j) => j.spec.completions === 1 && j.spec.backoffLimit === 3));
  });

  test('run.sh creates each Job only after the one before completed, and stops on a failed one', () => {
    const text = script(files);
    shellSyntaxOk(text);
    const names = jobs.map((j) => j.metadata.name);
    assert.deepEqual(executedJobs(text, /^wait_job (\S+)$/gm), names);
    const order = executedJobs(text, /^(kubectl \$\(ns\) create -f \S+|wait_job \S+)$/gm);
    assert.deepEqual(order, names.flatMap((n, i) => [`kubectl $(ns) create -f ${yamlFiles(files)[i]!.file}`, `wait_job ${n}`]));
    assert.match(text, /\*" Failed "\*\).*exit 1/);
  });
});

describe('deploy render --as github-actions-matrix', () => {
  const opts = options({ as: 'github-actions-matrix', shards: 6, parallelism: 3 });
  const { steps, files } = renderDeployment(opts);
  const text = files[0]!.text;
  const workflow = parse(text) as Record<string, any>;

  test('GitHub\'s own parser accepts the workflow', async () => {
    assert.deepEqual(await workflowErrors(files[0]!.file, text), []);
    // The parser is strict: an unknown key in a job is reported.
    const broken = text.replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    bogus: 1\n');
    assert.notDeepEqual(await workflowErrors('broken.yml', broken), []);
  });

  test('jobs are chained with needs:, sharded ones as a matrix over 0..N-1 without fail-fast', () => {
    const ids = Object.keys(workflow.jobs);
    assert.deepEqual(ids, steps.map((s) => s.name));
    ids.forEach((id, i) => assert.equal(workflow.jobs[id].needs, i === 0 ? undefined : ids[i - 1], id));
    for (const step of steps.filter((s) => s.kind === 'sharded')) {
      const job = workflow.jobs[step.name];
      assert.deepEqual(job.strategy, { 'fail-fast': false, 'max-parallel': 3, matrix: { shard: [0, 1, 2, 3, 4, 5] } });
      const run = job.steps.find((s: { run?: string }) => s.run?.startsWith('./cli.sh')).run as string;
      assert.match(run, / --shard \$\{\{ matrix\.shard \}\}\/6 --store gs:\/\/my-bucket\/mallard\/uk$/);
    }
    assert.match(workflow.jobs.final.steps.find((s: { run?: string }) => s.run?.startsWith('./cli.sh')).run, /^\.\/cli\.sh run-models --select usage --site data-gov-uk --shard final --store /);
    assert.deepEqual(workflow.concurrency, { group: 'mallard-data-gov-uk-deploy', 'cancel-in-progress': false });
    assert.deepEqual(workflow.on, { workflow_dispatch: {} });
  });

  test('tokens come from secrets; GitHub reserves GITHUB_*, so GITHUB_TOKEN is read from MALLARD_GITHUB_TOKEN', () => {
    assert.deepEqual(workflow.env, { GCP_PROJECT: '${{ vars.GCP_PROJECT }}', SOURCEGRAPH_TOKEN: '${{ secrets.SOURCEGRAPH_TOKEN }}', GITHUB_TOKEN: '${{ secrets.MALLARD_GITHUB_TOKEN }}' });
    assert.match(text, /gh run rerun <run id> --failed/);
  });
});

describe('deploy options', () => {
  const usage = (over: Partial<RawDeployOptions>, message: RegExp) =>
    assert.throws(() => options(over), (err: unknown) => err instanceof MallardError && err.code === 'ERR_USAGE' && message.test(err.message));

  test('bad values are usage errors naming the flag', () => {
    usage({ shards: 0 }, /--shards 0: cloud-run-job takes 1 to 10000 shards/);
    usage({ as: 'github-actions-matrix', shards: 257 }, /--shards 257: github-actions-matrix takes 1 to 256/);
    usage({ parallelism: 4 }, /--parallelism 4: must be between 1 and --shards \(3\)/);
    usage({ retries: 11 }, /--retries 11/);
    usage({ image: undefined }, /--image is required with --as cloud-run-job/);
    usage({ as: 'k8s-indexed-job', image: undefined }, /--image is required with --as k8s-indexed-job/);
    usage({ bucket: undefined }, /needs a bucket/);
    usage({ bucket: 'Bad Bucket' }, /--bucket "Bad Bucket" is not a GCS bucket name/);
    usage({ bucket: 'google-data' }, /not a GCS bucket name: must not start with "goog"/);
    usage({ prefix: 'a/../b' }, /--prefix "a\/..\/b" must not contain "\.\."/);
    usage({ prefix: '/abs' }, /must not start with "\/"/);
    usage({ until: 'everything' }, /--until everything: one of ckan_clean, sourcegraph_api, usage/);
  });

  test('the prefix loses slashes at its end; Actions needs no image', () => {
    assert.equal(options({ prefix: 'mallard/uk/' }).store.prefix, 'mallard/uk');
    assert.equal(options({ as: 'github-actions-matrix', image: undefined }).image, undefined);
  });
});
