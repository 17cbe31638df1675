/** deploy render: the job definitions of a sharded run for one engine (docs/scale-out.md). */
import { renderCloudRun } from './cloud-run.js';
import type { RenderedFile } from './common.js';
import { renderGithubActions } from './github-actions.js';
import { renderK8s } from './k8s.js';
import type { DeployOptions } from './options.js';
import { deploySteps, type DeployStep } from './steps.js';

export interface Deployment {
  steps: DeployStep[];
  files: RenderedFile[];
}

export function renderDeployment(opts: DeployOptions): Deployment {
  const steps = deploySteps(opts.until);
  const files = opts.as === 'cloud-run-job' ? renderCloudRun(opts, steps) : opts.as === 'k8s-indexed-job' ? renderK8s(opts, steps) : renderGithubActions(opts, steps);
  return { steps, files };
}
