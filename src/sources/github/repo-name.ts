/**
 * Repository names: parsed from `owner/name`, `github.com/owner/name` or a URL, checked
 * against GitHub's rules, and turned into safe file names `owner__name.json` (lowercase:
 * GitHub names are case-insensitive, so `Owner/Repo` and `owner/repo` are one file).
 * Owners never contain `_`, so the `__` separator is unambiguous.
 */
import { MallardError } from '../../engine/errors.js';

export interface RepoName {
  owner: string;
  name: string;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** Whether owner and name are ones GitHub allows (so they are safe in a path). */
export function isValidRepoName(repo: RepoName): boolean {
  return OWNER.test(repo.owner) && NAME.test(repo.name) && repo.name !== '.' && repo.name !== '..';
}

/** Parses `owner/name`, `github.com/owner/name` or `https://github.com/owner/name(.git)`. */
export function parseRepoName(text: string): RepoName {
  const stripped = text.trim().replace(/^https?:\/\//i, '').replace(/^(www\.)?github\.com\//i, '').replace(/\.git$/i, '').replace(/\/+$/, '');
  const [owner, name, ...rest] = stripped.split('/');
  const repo = { owner: owner ?? '', name: name ?? '' };
  if (rest.length > 0 || !isValidRepoName(repo)) {
    throw new MallardError('ERR_USAGE', `not a GitHub repository name: ${JSON.stringify(text.slice(0, 200))}`, {
      context: { repository: text.slice(0, 200) },
      suggestions: ['expected owner/name or github.com/owner/name'],
    });
  }
  return repo;
}

/** `owner/name` in lowercase: the identity of a repository name. */
export function repoKey(repo: RepoName): string {
  return `${repo.owner}/${repo.name}`.toLowerCase();
}

/** `owner__name.json`, lowercase. */
export function repoFileName(repo: RepoName): string {
  if (!isValidRepoName(repo)) throw new RangeError(`not a GitHub repository name: ${repo.owner}/${repo.name}`);
  return `${repo.owner}__${repo.name}.json`.toLowerCase();
}
