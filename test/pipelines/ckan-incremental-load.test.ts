/**
 * Issue #10, rerun target: insert-datasets-info after an incremental crawl merges only the new
 * pages and listings into a copy of the previous ckan_api, and the result is the full load's.
 * Through the loopback CKAN server and the pipeline's tasks.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { runSession } from '../../src/engine/session.js';
import type { Task } from '../../src/engine/index.js';
import type { SiteConfig } from '../../src/config/index.js';
import { ckanStage, downloadDatasetsInfo } from '../../src/pipelines/ckan.js';
import { createHttpClient } from '../../src/http/index.js';
import { listArtifacts, verifyArtifacts } from '../../src/store/index.js';
import { startCkanServer, type CkanPackage, type CkanTestServer } from '../support/ckan-server.js';
import { fakeClock, FakeClock } from '../support/fake-clock.js';
import { sortedTables } from '../support/table-dump.js';
import { readDb } from '../support/ckan-db.js';
import { smallCorpus } from '../sources/ckan/harness.js';
import { testConfig } from './ckan-fixture-config.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
let dir: string;
let server: CkanTestServer;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-ckan-incr-load-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const client = createHttpClient({ clock: fakeClock(), retries: 3, timeoutMs: 5000 });
const opts = () => ({ artifactsDir: dir, client: () => client, since: 'auto' as const });
const run = (task: Task, at: number, force: string[] = []) => runSession([task], { artifactsDir: dir, scope: 'test-portal', workers: 2, clock: new FakeClock(at), random: () => 0, force, runtimeFamilies: ['CkanPage', 'CkanCrawl'] });
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');
const loaded = { config: {} as SiteConfig, file: 'test', hash: 'h' };
const readDbRows = (file: string, sql: string, expected: unknown) => readDb(file, async (db) => assert.deepEqual(await db.all(sql), expected));

async function load(config: SiteConfig, at: number, fullRebuild = false) {
  const { insert } = ckanStage({ ...loaded, config }, { ...opts(), fullRebuild });
  const { summary } = await run(insert, at, fullRebuild ? ['InsertDatasetsInfo'] : []);
  assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
  const latest = (await listArtifacts(dir, { site: 'test-portal', name: 'ckan_api' })).at(-1);
  assert.ok(latest);
  const report = JSON.parse(fs.readFileSync(insert.reportFile, 'utf8')) as Record<string, unknown>;
  return { file: latest.absolutePath, manifest: latest.manifest, report };
}

/** A portal of `corpus` served `rows` a page, crawled in full at T0: its config. */
async function crawledPortal(corpus: CkanPackage[], rows: number): Promise<SiteConfig> {
  server = await startCkanServer({ packages: corpus, maxRows: rows });
  const config = testConfig(server.actionUrl, { rows });
  assert.equal((await run(downloadDatasetsInfo(config, opts()), T0)).summary.status, 'success');
  return config;
}

describe('insert-datasets-info after an incremental crawl', () => {
  test('merges the new pages and listings into the previous ckan_api; every table equals a full load', async () => {
    const corpus = smallCorpus(250);
    const config = await crawledPortal(corpus, 100);
    const first = await load(config, T0);
    assert.equal(first.report['incremental'], false);
    assert.match(String(first.report['fullBecause']), /no ckan_api is published yet/);

    // A day later: edits (one loses its resources and organization, one moves to a new
    // organization), two new datasets, four deleted ones.
    const t1 = T0 + DAY;
    const byId = [...corpus].sort((a, b) => (a.id < b.id ? -1 : 1));
    const at = iso(t1 - 3_600_000);
    const edits: CkanPackage[] = [
      { ...byId[10]!, title: 'edited', metadata_modified: at },
      { ...byId[11]!, resources: [], organization: null, metadata_modified: at },
      { ...byId[12]!, organization: { id: 'org-new', name: 'org-new', title: { en: 'New org' } }, tags: [{ name: 'moved' }], metadata_modified: at },
      { ...byId[13]!, organization: { id: 'org-1', name: 'org-1', title: 'Org 1 renamed' }, metadata_modified: at },
    ];
    const created = [0, 1].map((i) => ({ ...corpus[1]!, id: `new-${i}`, name: `new-${i}`, title: `New ${i}`, metadata_modified: iso(t1 - 1_000) }));
    const deleted = new Set(byId.slice(100, 104).map((p) => p.id));
    const edited = new Set(edits.map((e) => e.id));
    server.packages = [...corpus.filter((p) => !deleted.has(p.id) && !edited.has(p.id)), ...edits, ...created];
    assert.equal((await run(downloadDatasetsInfo(config, opts()), t1)).summary.status, 'success');
    const second = await load(config, t1);
    const incremental = second.report['incremental'] as Record<string, unknown>;
    assert.equal(incremental['pages'], 1, 'only the delta page is loaded');
    assert.equal(incremental['from'], path.relative(dir, first.file), 'from the previous published ckan_api');
    assert.deepEqual(incremental['merged'], { added: 2, replaced: 4, kept: 0, organizations: 4, deletedChanged: 0 });
    assert.deepEqual(second.manifest.build?.['incremental'], incremental, 'the manifest says so too');

    // Eight days after the base crawl: a delta and an id listing (the four deletions).
    const t2 = T0 + 8 * DAY;
    assert.equal((await run(downloadDatasetsInfo(config, opts()), t2)).summary.status, 'success');
    const third = await load(config, t2);
    const again = third.report['incremental'] as Record<string, unknown>;
    assert.equal(again['listings'], 1);
    assert.equal((again['merged'] as Record<string, unknown>)['deletedChanged'], 4);
    assert.equal((third.report['load'] as Record<string, unknown>)['deleted'], 4);
    const incrementalTables = await sortedTables(third.file, ['pages.loaded_at']);

    // The same page files loaded in full (--force InsertDatasetsInfo / --full-refresh).
    const full = await load(config, t2 + 1000, true);
    assert.equal(full.report['incremental'], false);
    assert.match(String(full.report['fullBecause']), /full rebuild was asked for/);
    assert.deepEqual(incrementalTables, await sortedTables(full.file, ['pages.loaded_at']), 'every table, ORDER BY all columns');
    assert.deepEqual({ ...(third.report['load'] as object), coerced: null }, { ...(full.report['load'] as object), coerced: null }, 'the same counts');
    assert.equal(incrementalTables['datasets']?.filter((r) => r['deleted_at'] !== null).length, 4);
    // Published by link: the work database is the latest artifact, and each build a new inode, so every earlier artifact still matches its manifest.
    assert.equal(fs.statSync(path.join(dir, 'work', 'test-portal', 'ckan_api.db')).ino, fs.statSync(full.file).ino);
    assert.equal(new Set([first, second, third, full].map((a) => fs.statSync(a.file).ino)).size, 4);
    assert.deepEqual((await verifyArtifacts(dir)).problems, []);
  });

  test('a new base crawl, or a previous ckan_api changed after it was published, loads in full', async () => {
    const config = await crawledPortal(smallCorpus(60), 100);
    const first = await load(config, T0);

    server.packages = [...smallCorpus(60).slice(1), { ...smallCorpus(1)[0]!, title: 'edited', metadata_modified: iso(T0 + 1000) }];
    assert.equal((await run(downloadDatasetsInfo(config, opts()), T0 + DAY)).summary.status, 'success');
    fs.chmodSync(first.file, 0o644);
    fs.appendFileSync(first.file, Buffer.alloc(4096));
    const second = await load(config, T0 + DAY);
    assert.equal(second.report['incremental'], false);
    assert.match(String(second.report['fullBecause']), /changed after it was published/);

    const refresh = await run(downloadDatasetsInfo(config, { ...opts(), since: 'full' as const }), T0 + 2 * DAY, ['CkanPage', 'CkanCrawl']);
    assert.equal(refresh.summary.status, 'success');
    const third = await load(config, T0 + 2 * DAY);
    assert.equal(third.report['incremental'], false);
    assert.match(String(third.report['fullBecause']), /new base crawl|changed or is gone/);
  });

  test('an artifacts directory restored without its mtimes (new inodes too) stays incremental: each page is known by its sha256', async () => {
    const corpus = smallCorpus(120);
    const config = await crawledPortal(corpus, 50);
    const first = await load(config, T0);
    const pages = (first.manifest.build?.['loaded'] as { pages: { file: string; sha256?: string }[] }).pages;
    assert.equal(pages.length, 3);
    for (const page of pages) {
      assert.equal(page.sha256, createHash('sha256').update(fs.readFileSync(path.join(dir, page.file))).digest('hex'), `${page.file} recorded with its sha256`);
    }

    // Copied away and back, as a restore from the bucket or `cp -r` leaves it: every file new, with new mtimes.
    const copy = `${dir}-copy`;
    fs.cpSync(dir, copy, { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(copy, dir);
    const page0 = path.join(dir, pages[0]!.file);
    fs.utimesSync(page0, new Date(T0 + 5 * DAY), new Date(T0 + 5 * DAY));
    assert.notEqual(fs.statSync(page0).mtimeMs, (first.manifest.build?.['loaded'] as { pages: { mtimeMs: number }[] }).pages[0]!.mtimeMs);

    server.packages = [...corpus.slice(1), { ...corpus[0]!, title: 'edited', metadata_modified: iso(T0 + DAY - 1000) }];
    assert.equal((await run(downloadDatasetsInfo(config, opts()), T0 + DAY)).summary.status, 'success');
    const second = await load(config, T0 + DAY);
    const incremental = second.report['incremental'] as Record<string, unknown>;
    assert.ok(incremental, `incremental, not full: ${String(second.report['fullBecause'])}`);
    assert.equal(incremental['from'], path.relative(dir, first.file));
    assert.equal((incremental['merged'] as Record<string, unknown>)['replaced'], 1);
    await readDbRows(second.file, "SELECT title FROM datasets WHERE id = " + `'${corpus[0]!.id}' AND deleted_at IS NULL`, [{ title: 'edited' }]);
  });

  test('once the replaced versions kept as deleted rows pass 20% of the datasets, the next load is full and drops them', async () => {
    const corpus = smallCorpus(30);
    const config = await crawledPortal(corpus, 100);
    const first = await load(config, T0);
    assert.equal(first.manifest.build?.['deadRows'], 0, 'a full load deletes nothing');

    const edit = (packages: CkanPackage[], n: number, at: number) => packages.map((p, i) => (i < n ? { ...p, title: `edited at ${at}`, metadata_modified: iso(at) } : p));
    server.packages = edit(corpus, 5, T0 + DAY - 1000);
    assert.equal((await run(downloadDatasetsInfo(config, opts()), T0 + DAY)).summary.status, 'success');
    const second = await load(config, T0 + DAY);
    assert.equal((second.report['incremental'] as Record<string, unknown>)['deadRows'], 5);
    assert.equal(second.manifest.build?.['deadRows'], 5, '5 of 30: not over 20%, the file keeps them');

    server.packages = edit(server.packages, 1, T0 + 2 * DAY - 1000);
    assert.equal((await run(downloadDatasetsInfo(config, opts()), T0 + 2 * DAY)).summary.status, 'success');
    const third = await load(config, T0 + 2 * DAY);
    const merged = third.report['incremental'] as { merged: { replaced: number }; deadRows: number };
    // The delta's overlap window fetches the day before's edits again: each replaces its copy.
    assert.ok(merged.merged.replaced >= 1);
    assert.equal(merged.deadRows, 5 + merged.merged.replaced, "the previous file's, and this load's");
    const dead = merged.deadRows;
    assert.ok(dead > 6, `${dead} of 30: over 20%`);

    server.packages = edit(server.packages, 1, T0 + 3 * DAY - 1000);
    assert.equal((await run(downloadDatasetsInfo(config, opts()), T0 + 3 * DAY)).summary.status, 'success');
    const fourth = await load(config, T0 + 3 * DAY);
    assert.equal(fourth.report['incremental'], false);
    const share = ((100 * dead) / 30).toFixed(1).replace('.', '\\.');
    assert.match(String(fourth.report['fullBecause']), new RegExp(`ckan_api_\\S+\\.db holds ${dead} replaced versions of datasets as deleted rows \\(${share}% of its 30, over 20%\\): a full load writes the file without them`));
    assert.equal(fourth.manifest.build?.['deadRows'], 0);
    await readDbRows(fourth.file, 'SELECT (max(rowid) + 1 - count(*))::INTEGER AS dead, count(*)::INTEGER AS n FROM datasets', [{ dead: 0, n: 30 }]);
  });
});
