import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { runSession } from '../../src/engine/session.js';
import { CkanCrawlTask } from '../../src/sources/ckan/tasks.js';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { smallCorpus } from '../sources/ckan/harness.js';
import { crawledIds, testConfig, testCrawlSettings } from './ckan-fixture-config.js';

let dir: string;
let server: CkanTestServer;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-crawl-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function crawl(config = testConfig(server.actionUrl), workers = 3) {
  return runSession([new CkanCrawlTask(testCrawlSettings(config, dir))], { artifactsDir: dir, scope: 'test-portal', workers, clock: new FakeClock(), random: () => 0 });
}

describe('download-datasets-info: the CKAN crawl', () => {
  test('a capped portal with faults: every dataset arrives exactly once, and a rerun does nothing', async () => {
    const corpus = smallCorpus(950);
    server = await startCkanServer({ packages: corpus, maxRows: 100 });
    server.schedule(
      { kind: 'status', status: 500 },
      { kind: 'rate-limit', retryAfter: '2' },
      { fault: { kind: 'html' }, times: 2 },
      { kind: 'drop', fraction: 0.5 },
      { kind: 'truncate', fraction: 0.3 },
    );
    const { summary } = await crawl();
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.equal(server.pendingFaults(), 0, 'every fault was served');
    const ids = crawledIds(path.join(dir, 'raw', 'test-portal', 'ckan'));
    assert.equal(ids.length, 950);
    assert.deepEqual([...ids].sort(), corpus.map((p) => p.id).sort());
    assert.equal(summary.counts.ran, 11, '10 pages of 100 (the portal caps rows at 100) and the crawl');
    // Every retry is counted at the layer that made it: the HTTP client retried the 500, the 429,
    // the dropped and the cut answer; the page task retried the two HTML pages (the client does not).
    assert.deepEqual(summary.retries.byLayer, { http: 4, task: 2 });
    assert.deepEqual(summary.retries.byFamily, { CkanPage: { http: 4, task: 2 } });
    const requests = server.count('/api/3/action/package_search');
    const again = await crawl();
    assert.equal(again.summary.counts.ran, 0);
    assert.equal(server.count('/api/3/action/package_search'), requests, 'no request on a rerun');
  });

  test('a deleted page file is fetched again, alone', async () => {
    server = await startCkanServer({ packages: smallCorpus(250), maxRows: 100 });
    await crawl();
    const crawlDir = path.join(dir, 'raw', 'test-portal', 'ckan');
    fs.rmSync(path.join(crawlDir, 'page_000000100.ndjson'));
    const before = server.requests.length;
    const { summary } = await crawl();
    assert.deepEqual(server.requests.slice(before).map((r) => r.query.get('start')), ['100']);
    assert.equal(summary.counts.ran, 2, 'the page, and the crawl whose input changed');
    assert.equal(crawledIds(crawlDir).length, 250);
  });

  test('fewer datasets than the portal reported is a loud warning', async () => {
    const corpus = smallCorpus(300);
    server = await startCkanServer({ packages: corpus, maxRows: 100 });
    // The second page comes back short: the portal "lost" datasets while we crawled.
    server.schedule({
      fault: { kind: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ help: '', success: true, result: { count: 300, results: corpus.slice(100, 150) } }) },
      match: (q) => q.get('start') === '100',
    });
    const { summary } = await crawl();
    assert.equal(summary.status, 'success');
    assert.equal(summary.warnings.length, 1);
    assert.match(summary.warnings[0]?.message ?? '', /got 250 datasets but the portal reported 300: 50 missing/);
  });

  test('a portal error envelope fails the crawl with its __type and message', async () => {
    server = await startCkanServer({ packages: smallCorpus(10) });
    server.schedule({ fault: { kind: 'ckan-error', status: 409, type: 'Validation Error', message: 'Search Query is invalid' }, times: 10 });
    const { summary } = await crawl();
    assert.equal(summary.status, 'failed');
    const page = summary.failures.find((f) => f.family === 'CkanPage');
    assert.match(page?.message ?? '', /Validation Error/);
    assert.match(page?.message ?? '', /Search Query is invalid/);
    assert.equal(fs.existsSync(path.join(dir, 'raw', 'test-portal', 'ckan', 'page_000000000.ndjson')), false, 'nothing invalid is written');
  });
});

describe('download-datasets-info: a hostile or lying portal', () => {
  test('a portal claiming 10^9 datasets and serving 3: a handful of requests, a capped plan, clear warnings', async () => {
    server = await startCkanServer({ packages: smallCorpus(3), reportCount: () => 1_000_000_000 });
    const started = Date.now();
    const { summary } = await crawl();
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.ok(Date.now() - started < 20_000, 'planned lazily: no page list of the claimed size');
    assert.ok(server.count('/api/3/action/package_search') <= 5, `stops at the first empty pages: ${server.count('/api/3/action/package_search')} requests`);
    const messages = summary.warnings.map((w) => w.message).join('\n');
    assert.match(messages, /reports 1000000000 datasets, more than ckan\.maxDatasets \(5000000\)/);
    assert.match(messages, /got 3 datasets but the portal reported 1000000000/);
    assert.equal(crawledIds(path.join(dir, 'raw', 'test-portal', 'ckan')).length, 3);
  });

  test('a portal reporting 500 datasets but returning 3 is not asked for 166 empty pages', async () => {
    server = await startCkanServer({ packages: smallCorpus(3), reportCount: () => 500 });
    const { summary } = await crawl();
    assert.equal(summary.status, 'success');
    assert.ok(server.count('/api/3/action/package_search') <= 5, `${server.count('/api/3/action/package_search')} requests`);
    assert.match(summary.warnings.map((w) => w.message).join('\n'), /got 3 datasets but the portal reported 500: 497 missing/);
  });

  test('ckan.maxDatasets caps an honest portal too, and says so', async () => {
    server = await startCkanServer({ packages: smallCorpus(950), maxRows: 100 });
    const { summary } = await crawl(testConfig(server.actionUrl, { maxDatasets: 300 }));
    assert.equal(summary.status, 'success');
    assert.equal(crawledIds(path.join(dir, 'raw', 'test-portal', 'ckan')).length, 300);
    assert.equal(server.count('/api/3/action/package_search'), 3);
    assert.match(summary.warnings.map((w) => w.message).join('\n'), /more than ckan\.maxDatasets \(300\)/);
  });
});
