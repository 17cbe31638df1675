/**
 * github_api.db from record files: read_json over the `owner__name.json` files (explicit columns),
 * in chunks sized to duckdb.memoryLimit, into `repos`, one row per repository name the code search
 * found. Built atomically.
 */
import { buildDatabaseAtomically, memoryLimitBytes, memorySettings, sqlString, sqlStringList, type DatabaseRegistry } from '../../duckdb/index.js';
import { chunkFiles, fileTooLargeError, largestLoadable, objectSizeFor } from '../bulk-load.js';

export interface GithubLoadSummary {
  files: number;
  repos: number;
  ok: number;
  renamed: number;
  gone: number;
}

/** The declared columns of a record file (see README: record file). */
export const RECORD_COLUMNS: Readonly<Record<string, string>> = {
  requested: 'VARCHAR', status: 'VARCHAR', httpStatus: 'INTEGER', id: 'BIGINT', fullName: 'VARCHAR', renamedTo: 'VARCHAR',
  stars: 'BIGINT', forks: 'BIGINT', language: 'VARCHAR', license: 'VARCHAR', topics: 'VARCHAR[]', archived: 'BOOLEAN',
  fork: 'BOOLEAN', createdAt: 'VARCHAR', pushedAt: 'VARCHAR', defaultBranch: 'VARCHAR', description: 'VARCHAR',
  goneReason: 'VARCHAR', etag: 'VARCHAR', fetchedAt: 'VARCHAR', checkedAt: 'VARCHAR', notModifiedCount: 'BIGINT',
};

export const GITHUB_SCHEMA = `
CREATE TABLE repos (
  repository VARCHAR NOT NULL PRIMARY KEY, requested VARCHAR NOT NULL, status VARCHAR NOT NULL, http_status INTEGER,
  id BIGINT, full_name VARCHAR, renamed_to VARCHAR, stars BIGINT, forks BIGINT, language VARCHAR, license VARCHAR,
  topics VARCHAR[], archived BOOLEAN, fork BOOLEAN, created_at TIMESTAMP, pushed_at TIMESTAMP, default_branch VARCHAR,
  description VARCHAR, gone_reason VARCHAR, fetched_at TIMESTAMP, checked_at TIMESTAMP, not_modified_count BIGINT, file VARCHAR);`;

const ts = (col: string): string => `try_cast(${col} AS TIMESTAMPTZ)::TIMESTAMP`;

function columnsSql(): string {
  return `{${Object.entries(RECORD_COLUMNS).map(([k, v]) => `${k}: ${sqlString(v)}`).join(', ')}}`;
}

/** Largest record file read (a repository record is a few kilobytes). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** `repository` is `github.com/<owner>/<name>` in lowercase, as the code search names it (lowercased). */
export function insertReposSql(files: readonly string[], maxObjectBytes = MAX_RECORD_BYTES): string {
  return `INSERT INTO repos
SELECT 'github.com/' || lower(requested), requested, status, httpStatus, id, fullName, renamedTo, stars, forks, language, license,
  topics, archived, fork, ${ts('createdAt')}, ${ts('pushedAt')}, defaultBranch, description, goneReason,
  ${ts('fetchedAt')}, ${ts('checkedAt')}, coalesce(notModifiedCount, 0), filename
FROM read_json(${sqlStringList(files)}, format = 'unstructured', filename = true, maximum_object_size = ${maxObjectBytes}, columns = ${columnsSql()})
ORDER BY lower(requested)`;
}

export interface GithubBuildOptions {
  registry?: DatabaseRegistry;
  /** duckdb.memoryLimit of the site config (default 25% of RAM): files are read in chunks under it. */
  memoryLimit?: string;
}

/** Builds `finalPath` (github_api.db) from the record files; replaces the file only on success. */
export async function buildGithubApiDatabase(finalPath: string, files: readonly string[], options: GithubBuildOptions = {}): Promise<GithubLoadSummary> {
  const limitBytes = memoryLimitBytes(options.memoryLimit ?? '25%');
  const maxFile = Math.min(MAX_RECORD_BYTES, largestLoadable(limitBytes));
  return buildDatabaseAtomically(
    finalPath,
    async (db) => {
      await db.run(GITHUB_SCHEMA);
      await db.run('SET preserve_insertion_order = false');
      const chunks = chunkFiles(files, limitBytes, maxFile, (file, size) => fileTooLargeError(file, size, limitBytes, MAX_RECORD_BYTES));
      for (const chunk of chunks) await db.run(insertReposSql(chunk.files, objectSizeFor(chunk)));
      const rows = await db.all(`SELECT count(*)::INTEGER AS repos,
  count(*) FILTER (WHERE status = 'ok')::INTEGER AS ok, count(*) FILTER (WHERE status = 'renamed')::INTEGER AS renamed,
  count(*) FILTER (WHERE status = 'gone')::INTEGER AS gone FROM repos`);
      const r = rows[0] ?? {};
      return { files: files.length, repos: Number(r['repos'] ?? 0), ok: Number(r['ok'] ?? 0), renamed: Number(r['renamed'] ?? 0), gone: Number(r['gone'] ?? 0) };
    },
    { registry: options.registry, settings: memorySettings(options.memoryLimit) },
  );
}
