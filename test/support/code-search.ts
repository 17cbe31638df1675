/** Helpers for the code-search stage tests: a published clean_ckan_api with known terms, Sourcegraph matches. */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../src/duckdb/index.js';
import { publishArtifact } from '../../src/store/index.js';
import type { SgMatch } from './sourcegraph-server.js';

/** Publishes a clean_ckan_api holding only dataset_search_terms with these (dataset id, term) pairs. */
export async function publishCleanTerms(artifactsDir: string, site: string, pairs: ReadonlyArray<readonly [string, string]>, at: number): Promise<string> {
  const work = path.join(artifactsDir, 'scratch');
  fs.mkdirSync(work, { recursive: true });
  const file = path.join(work, `clean-${at}.db`);
  const db = await openDatabase(file);
  try {
    await db.run('CREATE TABLE dataset_search_terms (dataset_id VARCHAR, kind VARCHAR, term VARCHAR, url VARCHAR, resource_id VARCHAR)');
    for (const [id, term] of pairs) await db.run('INSERT INTO dataset_search_terms VALUES (?, ?, ?, NULL, NULL)', [id, 'resource_url', term]);
  } finally {
    await db.close();
  }
  const published = await publishArtifact({ artifactsDir, site, name: 'clean_ckan_api', sourcePath: file, toolVersion: 't', now: () => new Date(at) });
  return published.absolutePath;
}

let commitCounter = 0;

/** A content match of `term` in `repository` at `file`, on the given 0-based lines. */
export function contentMatch(repository: string, file: string, lines: number[], stars = 0, language = 'Python'): SgMatch {
  commitCounter += 1;
  return {
    type: 'content', repository, repositoryID: 1, repoStars: stars, path: file, branches: ['main'], language,
    commit: String(commitCounter).padStart(40, 'a'),
    lineMatches: lines.map((n) => ({ line: `x = "line ${n}"`, lineNumber: n, offsetAndLengths: [[0, 1]] })),
  };
}
