/**
 * The incremental ckan_api load (a copy of the previous database with the new pages and listings
 * merged in) gives the tables a full load of every page gives, wherever the previous load stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MallardError } from '../../../../src/engine/errors.js';
import { buildCkanApiDatabase, buildCkanApiDatabaseIncrementally, type ListingInput } from '../../../../src/sources/ckan/db/index.js';
import { generatePackages, type CkanPackage } from '../../../support/ckan-corpus.js';
import { readDb, writeRawPages } from '../../../support/ckan-db.js';
import { sortedTables } from '../../../support/table-dump.js';
import { withTempDir } from '../../../support/temp-dir.js';

const pkg = (id: string, modified: string | null, extra: Record<string, unknown> = {}): CkanPackage => ({
  id, name: id, title: `${id} ${modified}`, metadata_modified: modified, metadata_created: '2019-01-01T00:00:00.000000',
  resources: [], tags: [], ...extra,
});
const res = (n: number, prefix: string): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, url: `https://x.org/${prefix}/${i}` }));
const org = (id: string, title: string): Record<string, unknown> => ({ id, name: id, title: { en: title, fr: `${title} (fr)` } });
const line = (p: unknown): string => JSON.stringify(p);

/** The steps of a crawl: pages (raw lines) and id listings, in the order they were made. */
type Step = { page: string[] } | { listing: string[]; at: string };

const STEPS: Step[] = [
  { page: [
    line(pkg('A', '2020-01-01T00:00:00', { resources: res(3, 'A-old'), organization: org('X', 'X from A') })),
    line(pkg('B', '2021-06-01T00:00:00', { resources: res(1, 'B-new'), tags: [{ name: 'b' }], organization: org('Y', 'Y from B') })),
    line(pkg('C', '2021-01-01T00:00:00', { title: 'C first page', organization: org('X', 'X from C') })),
    line(pkg('D', '2021-01-01T00:00:00', { title: 'D first line' })),
    line(pkg('D', '2021-01-01T00:00:00', { title: 'D second line' })),
    line(pkg('E', '2020-01-01T00:00:00', { title: 'E dated' })),
    line(pkg('G', '2020-01-01T00:00:00', { organization: org('X', 'X from G') })),
    line({ name: 'no id at all' }),
  ] },
  { page: [
    line(pkg('B', '2020-06-01T00:00:00', { resources: res(5, 'B-old'), tags: [{ name: 'x' }, { name: 'y' }] })),
    line(pkg('C', '2021-01-01T00:00:00', { title: 'C second page', organization: null, owner_org: 'X' })),
    line(pkg('E', null, { title: 'E undated' })),
    line(pkg('F', '2020-01-01T00:00:00', { extras: [{ key: 'k', value: 'v' }] })),
    line(pkg('H', '2020-02-01T00:00:00', { owner_org: 'Y' })),
  ] },
  { listing: ['A', 'B', 'C', 'D', 'E', 'H'], at: '2022-01-01T00:00:00Z' },
  { page: [
    line(pkg('A', '2022-01-01T00:00:00', { resources: res(2, 'A-new'), extras: [{ key: 'k', value: 'v' }], organization: org('Z', 'Z from A') })),
    line(pkg('G', '2021-01-01T00:00:00', { organization: org('Z', 'Z from G'), groups: [{ id: 'g', name: 'g', title: 'G' }] })),
    line(pkg('I', '2022-02-01T00:00:00', { organization: org('Y', 'Y from I'), resources: res(2, 'I') })),
  ] },
  { listing: ['A', 'D', 'E', 'G', 'H', 'I'], at: '2022-03-01T00:00:00Z' },
  { page: [
    line(pkg('C', '2023-01-01T00:00:00', { title: 'C back', resources: res(1, 'C') })),
    line(pkg('B', '2019-01-01T00:00:00', { title: 'B stale copy' })),
    line([1, 2]),
    line(pkg('J', '2023-01-01T00:00:00', { organization: org('X', 'X from J') })),
  ] },
];

interface Plan {
  pages: string[];
  listings: ListingInput[];
}

/** Writes every step's files; returns the load plan of the first `n` steps for each n. */
async function writeSteps(dir: string, steps: readonly Step[]): Promise<Plan[]> {
  const plans: Plan[] = [{ pages: [], listings: [] }];
  for (const [i, step] of steps.entries()) {
    const last = plans.at(-1) as Plan;
    if ('page' in step) {
      const [file] = await writeRawPages(path.join(dir, `step-${i}`), [step.page]);
      plans.push({ pages: [...last.pages, file as string], listings: last.listings });
    } else {
      const file = path.join(dir, `step-${i}`, 'ids_0.ndjson');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, step.listing.map((id) => `{"id":"${id}"}\n`).join(''));
      plans.push({ pages: last.pages, listings: [...last.listings, { files: [file], listedAt: new Date(step.at), afterPages: last.pages.length }] });
    }
  }
  return plans;
}

const now = () => new Date('2024-01-01T00:00:00Z');

describe('incremental ckan_api load', () => {
  test('equals a full load of every page, wherever the previous load stopped, and chained', async () => {
    await withTempDir(async (dir) => {
      const plans = await writeSteps(path.join(dir, 'raw'), STEPS);
      const all = plans.at(-1) as Plan;
      const fullFile = path.join(dir, 'full.db');
      const full = await buildCkanApiDatabase(fullFile, all.pages, { listings: all.listings, now });
      const expected = await sortedTables(fullFile);
      assert.ok(full.deleted > 0 && full.invalid === 2 && full.duplicates > 0, 'the scenario has deletions, invalid lines and duplicates');

      for (let steps = 1; steps < plans.length; steps++) {
        const before = plans[steps] as Plan;
        if (before.pages.length === 0) continue;
        const previousFile = path.join(dir, `previous-${steps}.db`);
        const previous = await buildCkanApiDatabase(previousFile, before.pages, { listings: before.listings, now });
        const target = path.join(dir, `incremental-${steps}.db`);
        const { summary, incremental } = await buildCkanApiDatabaseIncrementally(
          target, { file: previousFile, pages: before.pages.length, listings: before.listings.length, invalid: previous.invalid }, all.pages, { listings: all.listings, now });
        assert.deepEqual(await sortedTables(target), expected, `after ${steps} steps: every table equals the full load's`);
        assert.deepEqual({ ...summary, coerced: full.coerced }, full, `after ${steps} steps: the counts of a full load`);
        assert.equal(incremental.pages, all.pages.length - before.pages.length);
        assert.equal(incremental.listings, all.listings.length - before.listings.length);
        assert.equal(fs.existsSync(previousFile), true, 'the previous database is only read');
        assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('delta')), [], 'the delta load is removed');
      }

      // Chained: 2 steps, then 4, then all, each from the one before.
      let previousFile = path.join(dir, 'chain-0.db');
      let previous = { file: previousFile, pages: 0, listings: 0, invalid: 0 };
      const first = await buildCkanApiDatabase(previousFile, (plans[2] as Plan).pages, { listings: (plans[2] as Plan).listings, now });
      previous = { ...previous, pages: (plans[2] as Plan).pages.length, listings: (plans[2] as Plan).listings.length, invalid: first.invalid };
      for (const steps of [4, plans.length - 1]) {
        const plan = plans[steps] as Plan;
        const target = path.join(dir, `chain-${steps}.db`);
        const { summary } = await buildCkanApiDatabaseIncrementally(target, previous, plan.pages, { listings: plan.listings, now });
        previousFile = target;
        previous = { file: target, pages: plan.pages.length, listings: plan.listings.length, invalid: summary.invalid };
      }
      assert.deepEqual(await sortedTables(previousFile), expected, 'chained incremental loads equal the full load');

      await readDb(fullFile, async (db) => {
        const rows = await db.all("SELECT id, title, strftime(deleted_at, '%Y-%m-%d') AS deleted FROM datasets ORDER BY id");
        const byId = Object.fromEntries(rows.map((r) => [r['id'], r]));
        assert.equal(byId['B']?.['deleted'], null, 'B is in the last page (a stale copy): no listing after it');
        assert.equal(byId['B']?.['title'], 'B 2021-06-01T00:00:00', 'the stale copy loses');
        assert.equal(byId['F']?.['deleted'], '2022-01-01', 'F was missing from the first listing after it');
        assert.equal(byId['G']?.['deleted'], null, 'G came back after the first listing and is in the second');
        assert.equal(byId['C']?.['title'], 'C back');
        const orgs = await db.all('SELECT id, title FROM organizations ORDER BY id');
        assert.deepEqual(orgs, [{ id: 'X', title: 'X from J' }, { id: 'Y', title: 'Y from I' }, { id: 'Z', title: 'Z from A' }]);
      });
    });
  });

  test('a larger corpus with edits, additions and deletions gives the full load', async () => {
    await withTempDir(async (dir) => {
      const base = generatePackages(600, 11);
      const edits = base.filter((_, i) => i % 37 === 0).map((p, i) => ({ ...p, title: `edited ${i}`, metadata_modified: '2030-01-01T00:00:00', resources: i % 2 === 0 ? [] : p['resources'] }));
      const added = generatePackages(20, 12).map((p) => ({ ...p, id: `added-${String(p.id)}`, metadata_modified: '2030-01-02T00:00:00' }));
      const pages = [base.slice(0, 250), base.slice(250, 500), base.slice(500)].map((ps) => ps.map(line));
      const deltas = [edits.map(line), added.map(line)];
      const files = await writeRawPages(path.join(dir, 'raw'), [...pages, ...deltas]);
      const keep = base.filter((_, i) => i % 50 !== 3).map((p) => String(p.id));
      const listingFile = path.join(dir, 'raw', 'ids.ndjson');
      fs.writeFileSync(listingFile, [...keep, ...added.map((p) => String(p.id))].map((id) => `{"id":"${id}"}\n`).join(''));
      const listings = [{ files: [listingFile], listedAt: new Date('2030-02-01T00:00:00Z'), afterPages: 5 }];
      const fullFile = path.join(dir, 'full.db');
      const full = await buildCkanApiDatabase(fullFile, files, { listings, now });
      const previousFile = path.join(dir, 'previous.db');
      const previous = await buildCkanApiDatabase(previousFile, files.slice(0, 3), { now });
      const target = path.join(dir, 'incremental.db');
      const { summary, incremental } = await buildCkanApiDatabaseIncrementally(target, { file: previousFile, pages: 3, listings: 0, invalid: previous.invalid }, files, { listings, now });
      assert.deepEqual(await sortedTables(target), await sortedTables(fullFile));
      assert.deepEqual({ ...summary, coerced: full.coerced }, full);
      assert.equal(incremental.merged.replaced, edits.length);
      assert.equal(incremental.merged.added, added.length);
      assert.ok(full.deleted > 0);
    });
  });

  test('the delta loads while the previous database is copied: a failure of either leaves no temp file, and the target as it was', async () => {
    await withTempDir(async (dir) => {
      const files = await writeRawPages(path.join(dir, 'raw'), [
        Array.from({ length: 50 }, (_, i) => line(pkg(`p${i}`, '2020-01-01T00:00:00'))),
        Array.from({ length: 120 }, (_, i) => line(pkg(`big${i}`, '2021-01-01T00:00:00', { notes: 'x'.repeat(100_000) }))),
      ]);
      const previousFile = path.join(dir, 'previous.db');
      const previous = await buildCkanApiDatabase(previousFile, files.slice(0, 1), { now });
      const target = path.join(dir, 'out', 'ckan_api.db');
      fs.mkdirSync(path.dirname(target));
      fs.writeFileSync(target, 'the last good database');
      const from = { file: previousFile, pages: 1, listings: 0, invalid: previous.invalid };
      const leftovers = () => fs.readdirSync(path.dirname(target)).filter((f) => f !== 'ckan_api.db');

      // The new page is too large for the limit: the delta's error, as a full load gives it.
      const tooLarge = await buildCkanApiDatabaseIncrementally(target, from, files, { now, memoryLimit: '16MB' }).then(() => undefined, (e: unknown) => e);
      assert.ok(tooLarge instanceof MallardError, String(tooLarge));
      assert.equal(tooLarge.code, 'ERR_CKAN_LOAD_MEMORY');
      assert.match(tooLarge.suggestions.join(' '), /duckdb\.memoryLimit/);
      assert.deepEqual(leftovers(), [], 'neither the copy nor the delta is left');

      // The previous database cannot be copied (gone): the copy's error, once the delta's load has ended.
      const gone = await buildCkanApiDatabaseIncrementally(target, { ...from, file: path.join(dir, 'gone.db') }, files.slice(0, 1).concat(files[0] as string), { now }).then(() => undefined, (e: unknown) => e);
      assert.ok(gone instanceof Error, String(gone));
      assert.match(gone.message, /gone\.db/);
      assert.deepEqual(leftovers(), []);
      assert.equal(fs.readFileSync(target, 'utf8'), 'the last good database');
    });
  });

  test('keeps the replaced versions as deleted rows: the previous row groups are not rewritten, and deadRows counts them', async () => {
    await withTempDir(async (dir) => {
      // 40,000 small packages: three row groups of 16,384 rows at most (build.ts).
      const ids = Array.from({ length: 40_000 }, (_, i) => `d${i}`);
      const pages = [0, 1, 2, 3].map((p) => ids.slice(p * 10_000, (p + 1) * 10_000).map((id) => line(pkg(id, '2020-01-01T00:00:00'))));
      const edits = ids.filter((_, i) => i % 5 !== 0).map((id) => line(pkg(id, '2021-01-01T00:00:00', { title: 'edited' })));
      const again = [line(pkg('d1', '2022-01-01T00:00:00', { title: 'edited again' }))];
      const files = await writeRawPages(path.join(dir, 'raw'), [...pages, edits, again]);
      const options = { now };
      const previousFile = path.join(dir, 'previous.db');
      const previous = await buildCkanApiDatabase(previousFile, files.slice(0, 4), options);
      const groups = (file: string) => readDb(file, async (db) => db.all(`SELECT row_group_id AS g, block_id AS b, block_offset AS o FROM pragma_storage_info('datasets')
  WHERE column_name = 'raw' AND segment_type <> 'VALIDITY' ORDER BY ALL`));
      const before = await groups(previousFile);
      assert.equal(new Set(before.map((r) => r['g'])).size, 3, 'the full load wrote three row groups');

      const target = path.join(dir, 'incremental.db');
      const { incremental } = await buildCkanApiDatabaseIncrementally(target, { file: previousFile, pages: 4, listings: 0, invalid: previous.invalid }, files.slice(0, 5), options);
      assert.equal(incremental.merged.replaced, 32_000);
      assert.equal(incremental.deadRows, 32_000, 'each replaced version stays as a deleted row');
      assert.deepEqual((await groups(target)).slice(0, before.length), before, 'the previous row groups stay where they were (a vacuum merges them into new blocks)');
      await readDb(target, async (db) => {
        const [row] = await db.all("SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE title = 'edited')::INTEGER AS edited FROM datasets");
        assert.deepEqual(row, { n: 40_000, edited: 32_000 }, 'queries see the live rows only');
      });

      const chained = path.join(dir, 'chained.db');
      const next = await buildCkanApiDatabaseIncrementally(chained, { file: target, pages: 5, listings: 0, invalid: previous.invalid }, files, options);
      assert.equal(next.incremental.deadRows, 32_001, 'counted with the previous database\'s');
      const fullFile = path.join(dir, 'full.db');
      await buildCkanApiDatabase(fullFile, files, options);
      assert.deepEqual(await sortedTables(chained), await sortedTables(fullFile), 'the tables equal a full load');
    });
  });
});
