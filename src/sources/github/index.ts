/** The GitHub repository metadata client (octokit with throttling and retry), record files, and the per-repository task. */
export { createGithubClient } from './client.js';
export type { GithubClient, GithubClientOptions, GithubRequestOptions } from './client.js';
export type { RepoFetch } from './repo-fetch.js';
export { RateLimitState, RESET_MARGIN_MS } from './rate-limit.js';
export type { RateLimitSnapshot } from './rate-limit.js';
export { isValidRepoName, parseRepoName, repoFileName, repoKey } from './repo-name.js';
export type { RepoName } from './repo-name.js';
export { fetchRepoToFile, readRepoRecord, toRepoRecord } from './record.js';
export type { GithubRepoRecord, RepoFileResult, RepoStatus } from './record.js';
export { ERR_GITHUB, ERR_GITHUB_AUTH, ERR_GITHUB_RATE_LIMIT } from './errors.js';
export { GithubRepoTask, RecordFileTarget, recordsNotBefore } from './tasks.js';
export type { GithubSettings } from './tasks.js';
export { buildGithubApiDatabase, GITHUB_SCHEMA, RECORD_COLUMNS } from './db.js';
export type { GithubBuildOptions, GithubLoadSummary } from './db.js';
