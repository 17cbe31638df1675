/**
 * The raw file of one repository (contract with the loader): what was asked, what GitHub
 * said (ok, renamed, gone), the metadata the usage models need, and the ETag for the next
 * conditional request. Repositories are keyed by the numeric `id` (it survives renames).
 */
import { z } from 'zod';
import { writeFileAtomic } from '../../engine/atomic-file.js';
import { readStateFileSync } from '../../store/index.js';
import type { GithubClient, GithubRequestOptions } from './client.js';
import type { RepoFetch } from './repo-fetch.js';
import type { RepoName } from './repo-name.js';

export type RepoStatus = 'ok' | 'renamed' | 'gone';

export interface GithubRepoRecord {
  /** owner/name as asked (from the code search). */
  requested: string;
  status: RepoStatus;
  /** Of the last answer with data: 200, or 404 / 410 / 451 / 403 (blocked) for gone. */
  httpStatus: number;
  id?: number;
  /** owner/name as GitHub spells it now. */
  fullName?: string;
  /** Set when status is renamed: the new owner/name. */
  renamedTo?: string;
  stars?: number;
  forks?: number;
  language?: string | null;
  /** SPDX id, e.g. MIT; NOASSERTION for a license GitHub cannot name; null without one. */
  license?: string | null;
  topics?: string[];
  archived?: boolean;
  fork?: boolean;
  createdAt?: string;
  pushedAt?: string | null;
  defaultBranch?: string;
  description?: string | null;
  /** GitHub's message for a gone repository. */
  goneReason?: string;
  etag?: string;
  lastModified?: string;
  /** When the data was last received (a 304 keeps it). */
  fetchedAt: string;
  /** When GitHub was last asked. */
  checkedAt: string;
  /** Answers of 304 since the data was received. */
  notModifiedCount?: number;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/** The record for an answer with data. */
export function toRepoRecord(requested: RepoName, res: Extract<RepoFetch, { kind: 'ok' }>, now: string): GithubRepoRecord {
  const d: Json = res.data;
  const fullName = str(d.full_name);
  const asked = `${requested.owner}/${requested.name}`;
  const renamed = res.redirected || (fullName !== undefined && fullName.toLowerCase() !== asked.toLowerCase());
  const license = d.license && typeof d.license === 'object' ? str((d.license as Json).spdx_id) ?? null : null;
  const record: GithubRepoRecord = { requested: asked, status: renamed ? 'renamed' : 'ok', httpStatus: res.httpStatus, fetchedAt: now, checkedAt: now };
  const fields: Partial<GithubRepoRecord> = {
    id: num(d.id), fullName, renamedTo: renamed ? fullName : undefined,
    stars: num(d.stargazers_count), forks: num(d.forks_count),
    language: str(d.language) ?? null, license,
    topics: Array.isArray(d.topics) ? d.topics.filter((t): t is string => typeof t === 'string') : [],
    archived: bool(d.archived), fork: bool(d.fork), createdAt: str(d.created_at), pushedAt: str(d.pushed_at) ?? null,
    defaultBranch: str(d.default_branch), description: str(d.description) ?? null,
    etag: res.etag, lastModified: res.lastModified,
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (record as unknown as Json)[k] = v;
  return record;
}

/** What a stored record must hold to be used again (other fields are kept as they are). */
const storedRecordSchema = z.looseObject({
  requested: z.string(),
  status: z.enum(['ok', 'renamed', 'gone']),
  httpStatus: z.number().int(),
  etag: z.string().optional(),
  fetchedAt: z.string(),
  checkedAt: z.string(),
  notModifiedCount: z.number().int().min(0).optional(),
});

/** The stored record of a repository, validated; undefined when there is none. A malformed one is ERR_STATE_FILE naming it. */
export function readRepoRecord(file: string): GithubRepoRecord | undefined {
  return readStateFileSync(file, {
    what: 'the GitHub repository record',
    schema: storedRecordSchema as unknown as z.ZodType<GithubRepoRecord>,
    remedy: 'delete it and rerun enrich-github-repos: that repository is fetched again',
  });
}

export interface RepoFileResult {
  record: GithubRepoRecord;
  /** GitHub answered 304: the stored data was kept (and cost no quota). */
  notModified: boolean;
  path: string;
}

/**
 * Asks GitHub for one repository and writes its record to `destPath` atomically. When the
 * file already holds data with an ETag the request is conditional: a 304 keeps the data
 * (only checkedAt changes). Gone repositories are written as such; errors write nothing.
 */
export async function fetchRepoToFile(client: GithubClient, repo: RepoName, destPath: string, opts: GithubRequestOptions = {}): Promise<RepoFileResult> {
  const stored = readRepoRecord(destPath);
  const etag = stored && stored.status !== 'gone' ? stored.etag : undefined;
  const res = await client.getRepo(repo, etag, opts);
  const now = new Date(client.clock.now()).toISOString();
  let record: GithubRepoRecord;
  if (res.kind === 'not-modified' && stored) {
    record = { ...stored, checkedAt: now, notModifiedCount: (stored.notModifiedCount ?? 0) + 1 };
  } else if (res.kind === 'ok') {
    record = toRepoRecord(repo, res, now);
  } else if (res.kind === 'gone') {
    record = { requested: `${repo.owner}/${repo.name}`, status: 'gone', httpStatus: res.httpStatus, goneReason: res.reason, fetchedAt: now, checkedAt: now };
  } else {
    throw new Error(`GitHub answered 304 for ${repo.owner}/${repo.name} without a stored record`);
  }
  await writeFileAtomic(destPath, JSON.stringify(record, null, 2) + '\n', { durable: false });
  return { record, notModified: res.kind === 'not-modified', path: destPath };
}
