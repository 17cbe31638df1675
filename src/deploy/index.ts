/** Job definitions for sharded runs on existing batch engines: Cloud Run jobs, Kubernetes Indexed Jobs, GitHub Actions matrices. */
export { cloudRunJob } from './cloud-run.js';
export type { RenderedFile } from './common.js';
export { jobName, secretName } from './common.js';
export { actionsSecretName } from './github-actions.js';
export { K8S_TOKEN_SECRET, k8sJob } from './k8s.js';
export { bucketProblem, DEPLOY_KINDS, normalizeStorePrefix, SHARD_LIMITS, storeUrl, validateDeployOptions, type DeployKind, type DeployOptions, type RawDeployOptions, type StoreLocation } from './options.js';
export { renderDeployment, type Deployment } from './render.js';
export { DEPLOY_TARGETS, deploySteps, type DeployStep, type DeployTarget } from './steps.js';
