/**
 * The GitHub stage as engine tasks: one task per repository name, whose output is its
 * record file `owner__name.json`. A rerun skips repositories whose file exists with its
 * receipt (no request at all); a forced rerun asks conditionally, so unchanged
 * repositories answer 304 and cost no quota.
 */
import path from 'node:path';
import { FileTarget, NO_RETRY, Task, type RetryPolicy, type TaskContext } from '../../engine/index.js';
import type { GithubClient } from './client.js';
import { fetchRepoToFile } from './record.js';
import { parseRepoName, repoFileName, repoKey, type RepoName } from './repo-name.js';

export interface GithubSettings {
  site: string;
  /** raw/<site>/github under the artifacts directory. */
  dir: string;
  /** Shared by every repository of a run (concurrency and the rate-limit state live in it). */
  client: () => GithubClient;
}

export class GithubRepoTask extends Task<{ site: string; repo: string }> {
  readonly family = 'GithubRepo';
  readonly repo: RepoName;

  /** `repository`: owner/name, github.com/owner/name or a URL (ERR_USAGE when it is none of them). */
  constructor(readonly settings: GithubSettings, repository: string) {
    const repo = parseRepoName(repository);
    super({ site: settings.site, repo: repoKey(repo) });
    this.repo = repo;
  }

  get recordFile(): string {
    return path.join(this.settings.dir, repoFileName(this.repo));
  }

  outputs(): FileTarget[] {
    return [new FileTarget(this.recordFile)];
  }

  /** octokit's plugins already retried 5xx and waited for rate limits: their final error is final. */
  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const { record, notModified } = await fetchRepoToFile(this.settings.client(), this.repo, this.recordFile);
    if (notModified) ctx.log('not modified (304)');
    else if (record.status === 'renamed') ctx.log(`renamed to ${record.renamedTo ?? '?'}`);
    else if (record.status === 'gone') ctx.log(`gone (HTTP ${record.httpStatus})`);
  }
}
