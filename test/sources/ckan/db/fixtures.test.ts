import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableRowCounts } from '../../../../src/duckdb/index.js';
import { buildCkanApiDatabase } from '../../../../src/sources/ckan/db/index.js';
import type { CkanPackage } from '../../../support/ckan-corpus.js';
import { expectedCounts, keptPackages, readDb, writePackagePages } from '../../../support/ckan-db.js';
import { fixturePath, fixturesSkip } from '../../../support/fixtures.js';
import { withTempDir } from '../../../support/temp-dir.js';

const fixtures = fixturePath('ckan');
const skip = fixturesSkip(fixtures);

/** The packages of a recorded response: package_search results, or the package of package_show. */
function packagesOf(body: { success?: boolean; result?: { results?: CkanPackage[]; id?: string } }): CkanPackage[] {
  if (body.success !== true || body.result === undefined) return [];
  if (Array.isArray(body.result.results)) return body.result.results;
  return typeof body.result.id === 'string' ? [body.result as CkanPackage] : [];
}

describe('loadCkanPages over recorded portal responses', () => {
  test('every recorded package arrives once, with exact counts, raw as recorded', { skip }, async () => {
    const names = (await readdir(fixtures)).filter((f) => f.endsWith('.json')).sort();
    const pages: CkanPackage[][] = [];
    for (const name of names) {
      const found = packagesOf(JSON.parse(await readFile(path.join(fixtures, name), 'utf8')));
      if (found.length > 0) pages.push(found);
    }
    assert.ok(pages.length >= 5, 'recorded pages with packages');
    await withTempDir(async (dir) => {
      const files = await writePackagePages(path.join(dir, 'pages'), pages);
      const target = path.join(dir, 'ckan_api.db');
      const summary = await buildCkanApiDatabase(target, files);
      const expected = expectedCounts(pages);
      assert.equal(summary.packages, pages.flat().length);
      assert.equal(summary.invalid, 0);
      await readDb(target, async (db) => {
        const { coerced: _none, deleted: _zero, ...tables } = expected;
        assert.deepEqual(await tableRowCounts(db), tables);
        const kept = keptPackages(pages);
        const stored = await db.all('SELECT id, raw FROM datasets');
        assert.deepEqual(stored.map((r) => r['id']), kept.map((p) => p.id));
        assert.deepEqual(stored.map((r) => r['raw']), kept.map((p) => JSON.stringify(p)));
        // values known from the recordings (see ../shared/fixtures/ckan/SOURCES.md)
        const big = await db.all('SELECT size, size_raw FROM resources WHERE size > 4294967296');
        assert.deepEqual(big, [{ size: '10004794304', size_raw: '10004794304' }]);
        const frictionless = await db.all("SELECT organization_id, title FROM datasets WHERE name = 'frictionless'");
        assert.deepEqual(frictionless, [{ organization_id: null, title: 'Frictionless' }]);
        const inspire = await db.all("SELECT count(*)::INTEGER AS n FROM extras e JOIN datasets d ON d.id = e.dataset_id WHERE d.title LIKE 'Flood Map for Planning%'");
        assert.deepEqual(inspire, [{ n: 26 }]);
        const stringSizes = await db.all(`SELECT count(*)::INTEGER AS n FROM resources r JOIN datasets d ON d.id = r.dataset_id
          WHERE r.size IS NOT NULL AND json_type(json_extract(d.raw, '$.resources[' || r.position || '].size')) = 'VARCHAR'`);
        assert.ok(Number(stringSizes[0]?.['n']) > 0, 'numeric strings as sizes became numbers');
      });
    });
  });
});
