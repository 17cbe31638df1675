/**
 * Kubernetes Jobs (batch/v1): a sharded step is an Indexed Job (completionMode: Indexed,
 * completions = N) whose pods map JOB_COMPLETION_INDEX to `--shard <index>/N`, each index
 * retried on its own (backoffLimitPerIndex); a config or usage error (exit 2) fails the Job
 * at once, an evicted pod is not counted. `run.sh` creates the Jobs in order and waits for
 * each to complete, so the final step starts only after every index succeeded.
 */
import { stringify } from 'yaml';
import { shellLine, stepArgs } from './command-line.js';
import { header, jobName, labels, resources, type RenderedFile } from './common.js';
import type { DeployOptions } from './options.js';
import type { DeployStep } from './steps.js';

/** The Secret holding the tokens, one key per variable name (optional: anonymous use works, slower). */
export const K8S_TOKEN_SECRET = 'mallard-tokens';

export function k8sJob(opts: DeployOptions, step: DeployStep): Record<string, unknown> {
  const sharded = step.kind === 'sharded';
  const container = {
    name: 'mallard',
    image: opts.image,
    ...(sharded
      ? { command: ['/bin/sh', '-c'], args: [shellLine(step, opts, `$JOB_COMPLETION_INDEX/${opts.shards}`)] }
      : { command: ['./cli.sh'], args: stepArgs(step, opts, step.shard) }),
    env: opts.secretEnv.map((name) => ({ name, valueFrom: { secretKeyRef: { name: K8S_TOKEN_SECRET, key: name, optional: true } } })),
    resources: { requests: resources(step), limits: { memory: resources(step).memory } },
  };
  const failurePolicy = {
    rules: [
      // Exit 2 is bad usage or configuration: every retry would fail the same way.
      { action: 'FailJob', onExitCodes: { containerName: 'mallard', operator: 'In', values: [2] } },
      // Preempted or evicted: not the shard's fault; not counted against its retries.
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ],
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(opts.site, step), labels: labels(opts, step) },
    spec: {
      ...(sharded
        ? { completionMode: 'Indexed', completions: opts.shards, parallelism: opts.parallelism, backoffLimitPerIndex: opts.retries }
        : { completions: 1, parallelism: 1, backoffLimit: opts.retries }),
      podFailurePolicy: failurePolicy,
      ttlSecondsAfterFinished: 7 * 86_400,
      template: {
        metadata: { labels: labels(opts, step) },
        spec: {
          restartPolicy: 'Never',
          ...(opts.serviceAccount ? { serviceAccountName: opts.serviceAccount } : {}),
          containers: [container],
        },
      },
    },
  };
}

export function renderK8s(opts: DeployOptions, steps: readonly DeployStep[]): RenderedFile[] {
  const files = steps.map((step, i) => ({
    file: `${String(i + 1).padStart(2, '0')}-${step.name}.yaml`,
    text: header(opts, [`Step ${i + 1} of ${steps.length} (${step.kind === 'sharded' ? `Indexed Job, ${opts.shards} indexes, ${opts.parallelism} at once` : 'one pod'}): ${step.summary}.`])
      + stringify(k8sJob(opts, step), { lineWidth: 0 }),
  }));
  return [...files, { file: 'run.sh', text: runScript(opts, steps, files.map((f) => f.file)) }];
}

function runScript(opts: DeployOptions, steps: readonly DeployStep[], files: string[]): string {
  return [
    '#!/bin/sh',
    header(opts, [
      'Creates the Jobs in order, each once the one before completed (every index of an Indexed Job, after its own retries).',
      'Running it again is safe and cheap: it recreates each Job, and finished shards are found in the store and not done again.',
      `Needs: kubectl for the cluster (NAMESPACE to choose one), a service account with access to the bucket (Workload Identity)${opts.secretEnv.length > 0 ? `, and optionally the Secret ${K8S_TOKEN_SECRET} with keys ${opts.secretEnv.join(', ')}` : ''}.`,
      'Needs Kubernetes 1.33+ (backoffLimitPerIndex and podFailurePolicy are GA there).',
    ]).trimEnd(),
    'set -eu',
    'cd "$(dirname "$0")"',
    'ns() { if [ -n "${NAMESPACE:-}" ]; then echo "--namespace=$NAMESPACE"; fi; }',
    '',
    '# Waits until a Job has completed; stops the script when it failed.',
    'wait_job() {',
    '  while :; do',
    `    state=$(kubectl $(ns) get job "$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')`,
    '    case " $state " in',
    '      *" Complete "*) echo "job $1 completed"; return 0 ;;',
    '      *" Failed "*) echo "job $1 failed: kubectl $(ns) describe job $1; fix the cause and run this script again" >&2; exit 1 ;;',
    '    esac',
    '    sleep 15',
    '  done',
    '}',
    '',
    ...steps.flatMap((s, i) => [
      `kubectl $(ns) delete job ${jobName(opts.site, s)} --ignore-not-found --wait=true`,
      `kubectl $(ns) create -f ${files[i]}`,
      `wait_job ${jobName(opts.site, s)}`,
    ]),
    '',
  ].join('\n');
}
