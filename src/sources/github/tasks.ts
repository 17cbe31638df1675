/**
 * The GitHub stage as engine tasks: one task per repository name, whose output is its
 * record file `owner__name.json`. A rerun skips repositories whose file exists with its
 * receipt and was checked within github.maxAge (no request at all); a stale or forced one is
 * asked conditionally, so unchanged repositories answer 304 and cost no quota.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NO_RETRY, Task, type RetryPolicy, type Target, type TaskContext } from '../../engine/index.js';
import type { GithubClient } from './client.js';
import { fetchRepoToFile, readRepoRecord } from './record.js';
import { parseRepoName, repoFileName, repoKey, type RepoName } from './repo-name.js';

export interface GithubSettings {
  site: string;
  /** raw/<site>/github under the artifacts directory. */
  dir: string;
  /** A record GitHub was last asked about longer ago than this is asked again, conditionally (default: never). */
  maxAgeMs?: number;
  /** Shared by every repository of a run (concurrency and the rate-limit state live in it). */
  client: () => GithubClient;
}

/** The time before which a record is stale under `settings.maxAgeMs` (undefined: never stale). */
export function recordsNotBefore(settings: GithubSettings): number | undefined {
  return settings.maxAgeMs === undefined ? undefined : settings.client().clock.now() - settings.maxAgeMs;
}

/**
 * A record file as a task output: it exists when the file holds a record whose `checkedAt` is at
 * or after `notBeforeMs` (an older one is asked about again, with If-None-Match).
 */
export class RecordFileTarget implements Target {
  readonly path: string;

  constructor(file: string, readonly notBeforeMs: () => number | undefined) {
    this.path = path.resolve(file);
  }

  get description(): string {
    return this.path;
  }

  async exists(): Promise<boolean> {
    if (!fs.existsSync(this.path)) return false;
    const notBefore = this.notBeforeMs();
    if (notBefore === undefined) return true;
    const checked = Date.parse(readRepoRecord(this.path)?.checkedAt ?? '');
    return !Number.isNaN(checked) && checked >= notBefore;
  }

  /** The engine reads only stamps: undefined (missing) for a stale record. */
  async stamp(): Promise<string | undefined> {
    if (!(await this.exists())) return undefined;
    const st = fs.statSync(this.path, { throwIfNoEntry: false });
    return st === undefined ? undefined : `${st.size}:${Math.trunc(st.mtimeMs)}`;
  }
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

  outputs(): RecordFileTarget[] {
    return [new RecordFileTarget(this.recordFile, () => recordsNotBefore(this.settings))];
  }

  /** octokit's plugins already retried 5xx and waited for rate limits: their final error is final. */
  override retryPolicy(): RetryPolicy {
    return NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    const { record, notModified } = await fetchRepoToFile(this.settings.client(), this.repo, this.recordFile, { onRetry: (note) => ctx.retried(note) });
    if (notModified) ctx.log('not modified (304)');
    else if (record.status === 'renamed') ctx.log(`renamed to ${record.renamedTo ?? '?'}`);
    else if (record.status === 'gone') ctx.log(`gone (HTTP ${record.httpStatus})`);
  }
}
