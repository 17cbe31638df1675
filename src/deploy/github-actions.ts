/**
 * One GitHub Actions workflow: a job per step, chained with `needs:`; a sharded step is a
 * matrix over the shard indexes (`--shard ${{ matrix.shard }}/N`) with `fail-fast: false`
 * (one failed shard does not cancel the others) and `max-parallel`. GitHub does not retry a
 * failed job: re-run the failed jobs (`gh run rerun <run id> --failed`), which resume from
 * the receipts in the bucket; the jobs after them, skipped, run then.
 */
import { stringify } from 'yaml';
import { shellWord, stepArgs } from './command-line.js';
import { header, jobName, type RenderedFile } from './common.js';
import type { DeployOptions } from './options.js';
import type { DeployStep } from './steps.js';

/** GitHub-hosted runners stop a job after 6 hours. */
const JOB_TIMEOUT_MINUTES = 360;

/** GitHub refuses secrets named GITHUB_*: such a variable comes from the secret MALLARD_<name>. */
export function actionsSecretName(envName: string): string {
  return envName.startsWith('GITHUB_') ? `MALLARD_${envName}` : envName;
}

function jobId(step: DeployStep): string {
  return step.name;
}

function setupSteps(): Array<Record<string, unknown>> {
  return [
    { uses: 'actions/checkout@v4' },
    { uses: 'actions/setup-node@v4', with: { 'node-version': '24', cache: 'npm' } },
    { run: 'npm ci' },
    { name: 'Google Cloud credentials', uses: 'google-github-actions/auth@v2', with: { workload_identity_provider: '${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}', service_account: '${{ vars.GCP_SERVICE_ACCOUNT }}' } },
  ];
}

function workflowJob(opts: DeployOptions, step: DeployStep, previous: DeployStep | undefined): Record<string, unknown> {
  const sharded = step.kind === 'sharded';
  const shard = sharded ? `\${{ matrix.shard }}/${opts.shards}` : step.shard;
  const command = ['./cli.sh', ...stepArgs(step, opts, '\u0000').map((w) => (w === '\u0000' ? shard : shellWord(w)))].join(' ');
  const runsName = `${jobName(opts.site, step)}${sharded ? '-${{ matrix.shard }}' : ''}-runs-\${{ github.run_id }}-\${{ github.run_attempt }}`;
  return {
    name: sharded ? `${step.name} \${{ matrix.shard }}/${opts.shards}` : step.name,
    ...(previous ? { needs: jobId(previous) } : {}),
    'runs-on': 'ubuntu-latest',
    'timeout-minutes': JOB_TIMEOUT_MINUTES,
    ...(sharded
      ? { strategy: { 'fail-fast': false, 'max-parallel': opts.parallelism, matrix: { shard: Array.from({ length: opts.shards }, (_, i) => i) } } }
      : {}),
    steps: [
      ...setupSteps(),
      { name: step.summary.length > 80 ? `${step.summary.slice(0, 77)}...` : step.summary, run: command },
      {
        name: 'Upload the run logs',
        if: 'always()',
        uses: 'actions/upload-artifact@v4',
        with: { name: runsName, path: 'artifacts/runs/', 'retention-days': 30, 'if-no-files-found': 'warn' },
      },
    ],
  };
}

export function renderGithubActions(opts: DeployOptions, steps: readonly DeployStep[]): RenderedFile[] {
  const env: Record<string, string> = { GCP_PROJECT: '${{ vars.GCP_PROJECT }}' };
  for (const name of opts.secretEnv) env[name] = `\${{ secrets.${actionsSecretName(name)} }}`;
  const jobs: Record<string, unknown> = {};
  steps.forEach((step, i) => (jobs[jobId(step)] = workflowJob(opts, step, steps[i - 1])));
  const workflow = {
    name: `mallard ${opts.site} in ${opts.shards} shards`,
    on: { workflow_dispatch: {} },
    concurrency: { group: `mallard-${opts.site}-deploy`, 'cancel-in-progress': false },
    permissions: { contents: 'read', 'id-token': 'write' },
    env,
    jobs,
  };
  const text = header(opts, [
    `Jobs in order, each after the one before succeeded (needs:): ${steps.map((s) => (s.kind === 'sharded' ? `${s.name} (${opts.shards} matrix jobs, ${opts.parallelism} at once)` : s.name)).join(' -> ')}.`,
    'A failed shard does not cancel the others (fail-fast: false). GitHub does not retry jobs: re-run the failed ones with',
    '"Re-run failed jobs" or `gh run rerun <run id> --failed`; they resume from the receipts in the bucket, then the skipped jobs run.',
    `Needs repository variables GCP_PROJECT, GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_SERVICE_ACCOUNT${opts.secretEnv.length > 0 ? ` and secrets ${opts.secretEnv.map(actionsSecretName).join(', ')}` : ''}.`,
    'GitHub-hosted runners stop a job after 6 hours and run at most 20 jobs at once on the free plan: choose --shards so a shard fits.',
  ]) + stringify(workflow, { lineWidth: 0 });
  return [{ file: `mallard-${opts.site}-sharded.yml`, text }];
}
