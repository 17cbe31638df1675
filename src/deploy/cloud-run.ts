/**
 * Cloud Run jobs (run.googleapis.com/v1 Job YAML, applied with `gcloud run jobs replace`):
 * one job per step, a sharded step with taskCount = N whose tasks map CLOUD_RUN_TASK_INDEX /
 * CLOUD_RUN_TASK_COUNT to `--shard`, retried by Cloud Run (maxRetries); `run.sh` executes the
 * jobs in order with `--wait`, so the final step starts only after every shard succeeded.
 */
import { stringify } from 'yaml';
import { shellLine, shellWord, stepArgs } from './command-line.js';
import { header, jobName, labels, resources, secretName, type RenderedFile } from './common.js';
import type { DeployOptions } from './options.js';
import type { DeployStep } from './steps.js';

/** Cloud Run's longest task timeout for jobs: 24 hours. */
const TASK_TIMEOUT_SECONDS = 86_400;

export function cloudRunJob(opts: DeployOptions, step: DeployStep): Record<string, unknown> {
  const sharded = step.kind === 'sharded';
  const container: Record<string, unknown> = {
    name: 'mallard',
    image: opts.image,
    ...(sharded
      ? { command: ['/bin/sh', '-c'], args: [shellLine(step, opts, '$CLOUD_RUN_TASK_INDEX/$CLOUD_RUN_TASK_COUNT')] }
      : { command: ['./cli.sh'], args: stepArgs(step, opts, step.shard) }),
    env: opts.secretEnv.map((name) => ({ name, valueFrom: { secretKeyRef: { name: secretName(name), key: 'latest' } } })),
    resources: { limits: resources(step) },
  };
  return {
    apiVersion: 'run.googleapis.com/v1',
    kind: 'Job',
    metadata: { name: jobName(opts.site, step), labels: labels(opts, step) },
    spec: {
      template: {
        metadata: { labels: labels(opts, step) },
        spec: {
          taskCount: sharded ? opts.shards : 1,
          parallelism: sharded ? opts.parallelism : 1,
          template: {
            spec: {
              maxRetries: opts.retries,
              timeoutSeconds: TASK_TIMEOUT_SECONDS,
              ...(opts.serviceAccount ? { serviceAccountName: opts.serviceAccount } : {}),
              containers: [container],
            },
          },
        },
      },
    },
  };
}

export function renderCloudRun(opts: DeployOptions, steps: readonly DeployStep[]): RenderedFile[] {
  const files = steps.map((step, i) => ({
    file: `${String(i + 1).padStart(2, '0')}-${step.name}.yaml`,
    text: header(opts, [`Step ${i + 1} of ${steps.length} (${step.kind === 'sharded' ? `${opts.shards} tasks, ${opts.parallelism} at once` : 'one task'}): ${step.summary}.`])
      + stringify(cloudRunJob(opts, step), { lineWidth: 0 }),
  }));
  return [...files, { file: 'run.sh', text: runScript(opts, steps, files.map((f) => f.file)) }];
}

function runScript(opts: DeployOptions, steps: readonly DeployStep[], files: string[]): string {
  const lines = [
    '#!/bin/sh',
    header(opts, [
      'Creates or updates the Cloud Run jobs, then executes them in order; each waits for the one before to succeed',
      '(every task of a sharded job, after Cloud Run\'s own retries: maxRetries). Running it again is safe and cheap: finished',
      'tasks are found in the store and not done again. A step that failed stops the script: fix the cause, run it again.',
      `Needs: gcloud, REGION (e.g. export REGION=europe-west1)${opts.secretEnv.length > 0 ? `, and the Secret Manager secrets ${opts.secretEnv.map(secretName).join(', ')}` : ''}.`,
      'To redo one step only, execute its job again (gcloud run jobs execute <job> --region "$REGION" --wait): its finished shards return at once.',
    ]).trimEnd(),
    'set -eu',
    'cd "$(dirname "$0")"',
    'REGION="${REGION:?set REGION to the Cloud Run region, e.g. export REGION=europe-west1}"',
    '',
    ...files.map((f) => `gcloud run jobs replace ${shellWord(f)} --region "$REGION"`),
    '',
    ...steps.map((s) => `gcloud run jobs execute ${jobName(opts.site, s)} --region "$REGION" --wait`),
    '',
  ];
  return lines.join('\n');
}
