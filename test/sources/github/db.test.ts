/** github_api.db in bounded memory: thousands of record files read in chunks under a small duckdb.memoryLimit. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildGithubApiDatabase, repoFileName, type GithubRepoRecord } from '../../../src/sources/github/index.js';
import { chunkFiles } from '../../../src/sources/bulk-load.js';
import { readDb } from '../../support/ckan-db.js';

describe('buildGithubApiDatabase', () => {
  test('loads 6,000 record files at a 128 MiB limit, in several read_json chunks, every record once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-gh-db-'));
    try {
      const files: string[] = [];
      for (let i = 0; i < 6000; i++) {
        const repo = { owner: `owner${i}`, name: `repo-${i}` };
        const status = i % 10 === 0 ? 'gone' : 'ok';
        const record: GithubRepoRecord = {
          requested: `${repo.owner}/${repo.name}`, status, httpStatus: status === 'gone' ? 404 : 200, fetchedAt: '2026-03-01T00:00:00Z', checkedAt: '2026-03-01T00:00:00Z',
          ...(status === 'ok' ? { id: i, fullName: `${repo.owner}/${repo.name}`, stars: i, topics: ['a', 'b'] } : { goneReason: 'Not Found' }),
        };
        const file = path.join(dir, repoFileName(repo));
        fs.writeFileSync(file, JSON.stringify(record));
        files.push(file);
      }
      assert.ok(chunkFiles(files, 128 * 2 ** 20, 16 * 2 ** 20, () => new Error('too big')).length >= 3, 'more files than one chunk takes');
      const db = path.join(dir, 'github_api.db');
      const load = await buildGithubApiDatabase(db, files, { memoryLimit: '128MiB' });
      assert.deepEqual(load, { files: 6000, repos: 6000, ok: 5400, renamed: 0, gone: 600 });
      const rows = await readDb(db, (d) => d.all(`SELECT count(DISTINCT repository)::INTEGER AS n, sum(stars)::BIGINT::VARCHAR AS s FROM repos`));
      const stars = Array.from({ length: 6000 }, (_, i) => (i % 10 === 0 ? 0 : i)).reduce((a, b) => a + b, 0);
      assert.deepEqual(rows, [{ n: 6000, s: String(stars) }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
