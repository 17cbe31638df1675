/**
 * Each organization is taken from the kept dataset that embeds it and was modified last (then the
 * highest id), over every chunk: the load keeps each chunk's winner per organization and decides
 * among those (load-sql.ts organizationCandidatesSql), which must pick what one pass over every
 * dataset picks.
 */
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import type { CkanPackage } from '../../../support/ckan-corpus.js';
import { readDb, writePackagePages } from '../../../support/ckan-db.js';
import { withTempDir } from '../../../support/temp-dir.js';

const pkg = (id: string, modified: string | null, org: string | null, title: string): CkanPackage => ({
  id, name: id, metadata_modified: modified, resources: [],
  organization: org === null ? null : { id: org, name: org, title, created: '2015-01-01T00:00:00' },
});

/** Per organization the title of its winner: latest modified (junk and NULL last), then highest id, among the kept datasets. */
function expectedTitles(kept: readonly CkanPackage[]): Record<string, string> {
  const time = (p: CkanPackage): number => {
    const ms = typeof p['metadata_modified'] === 'string' ? Date.parse(`${p['metadata_modified']}Z`) : NaN;
    return Number.isNaN(ms) ? -Infinity : ms;
  };
  const best = new Map<string, CkanPackage>();
  for (const p of kept) {
    const o = p['organization'] as { id: string } | null;
    if (o === null) continue;
    const current = best.get(o.id);
    if (current === undefined || time(p) > time(current) || (time(p) === time(current) && p.id > current.id)) best.set(o.id, p);
  }
  return Object.fromEntries([...best].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, p]) => [id, (p['organization'] as { title: string }).title]));
}

describe('organizations over chunks', () => {
  test('come from the kept dataset modified last, then the highest id, whatever the chunks', async () => {
    const pages: CkanPackage[][] = [
      [pkg('a', '2021-01-01T00:00:00', 'X', 'X from a (latest)'), pkg('b', '2020-01-01T00:00:00', 'Y', 'Y from b'), pkg('m', '2022-05-05T00:00:00', 'Y', 'Y from m (tie, lower id)')],
      [pkg('c', '2019-01-01T00:00:00', 'X', 'X from c (a later page, older)'), pkg('n', '2022-05-05T00:00:00', 'Y', 'Y from n (tie, highest id)'), pkg('d', 'junk', 'Z', 'Z from d (junk time)')],
      [pkg('e', null, 'Z', 'Z from e (no time)'), pkg('f', '2018-01-01T00:00:00', 'Z', 'Z from f (the only time)'), pkg('g', '2017-01-01T00:00:00', null, '')],
      // A later copy of m replaces it (and its organization: Y's tie is now between n and nothing).
      [pkg('m', '2023-01-01T00:00:00', 'W', 'W from m (replaced copy)')],
    ];
    const kept = [pages[0]?.[0], pages[0]?.[1], ...(pages[1] ?? []), ...(pages[2] ?? []), pages[3]?.[0]] as CkanPackage[];
    const expected = expectedTitles(kept);
    assert.deepEqual(expected, { W: 'W from m (replaced copy)', X: 'X from a (latest)', Y: 'Y from n (tie, highest id)', Z: 'Z from f (the only time)' });
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), pages);
      for (const [name, chunkBytes] of [['one.db', undefined], ['each.db', 1]] as const) {
        const file = path.join(dir, name);
        await buildCkanApiDatabase(file, files, { chunkBytes });
        const rows = await readDb(file, (db) => db.all('SELECT id, title, created FROM organizations'));
        assert.deepEqual(Object.fromEntries(rows.map((r) => [r['id'], r['title']])), expected, name);
        assert.deepEqual(rows.map((r) => r['id']), ['W', 'X', 'Y', 'Z'], `${name}: in id order`);
      }
    });
  });
});
