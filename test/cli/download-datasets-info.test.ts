/** download-datasets-info through the built CLI against a local CKAN portal. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { runCliAsync } from '../support/cli.js';
import { smallCorpus } from '../sources/ckan/harness.js';

describe('download-datasets-info (built CLI)', () => {
  let dir = '';
  let server: CkanTestServer;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-cli-ckan-'));
    server = await startCkanServer({ packages: smallCorpus(120), maxRows: 50 });
    fs.mkdirSync(path.join(dir, 'configs'));
    fs.writeFileSync(path.join(dir, 'configs', 'local.yaml'), `site: local\nckan:\n  url: ${server.actionUrl}\n  requestsPerSecond: 1000\n`);
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('crawls, reports, writes a run log; a rerun does nothing and says so', async () => {
    const first = await runCliAsync(['download-datasets-info', '--site', 'local'], { cwd: dir });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /===== mallard run .*: SUCCESS/);
    assert.match(first.stderr, /\* 4 ran successfully:\n {4}- 1 CkanCrawl\(query=\w+, site=local\)\n {4}- 3 CkanPage\(query=\w+, rows=1000, site=local, start=0\), /);
    const crawl = JSON.parse(fs.readFileSync(path.join(dir, 'artifacts', 'raw', 'local', 'ckan', 'crawl.json'), 'utf8'));
    assert.equal(crawl.count, 120);
    assert.equal(crawl.received, 120);
    assert.equal(crawl.effectiveRows, 50);
    const requests = server.requests.length;
    const second = await runCliAsync(['download-datasets-info', '--site', 'local', '--json'], { cwd: dir });
    assert.equal(second.status, 0, second.stderr);
    const events = second.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const end = events.at(-1);
    assert.equal(end.type, 'run_finished');
    assert.equal(end.summary.counts.ran, 0);
    assert.equal(server.requests.length, requests);
    const runs = fs.readdirSync(path.join(dir, 'artifacts', 'runs'));
    assert.equal(runs.filter((n) => n.endsWith('.jsonl')).length, 2);
    // Each run's HTML report beside its log.
    assert.deepEqual(runs.filter((n) => n.endsWith('.html')).sort(), runs.filter((n) => n.endsWith('.jsonl')).map((n) => n.replace(/\.jsonl$/, '.html')).sort());
  });

  test('--dry-run --refresh says every page would run, forced, and fetches nothing', async () => {
    const requests = server.requests.length;
    const r = await runCliAsync(['download-datasets-info', '--site', 'local', '--refresh', '--dry-run'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /forced \(--force\)/);
    assert.equal(server.requests.length, requests);
  });

  test('insert-datasets-info loads the crawl and publishes ckan_api read-only; create-raw-ckan-db-tables is then complete', async () => {
    const r = await runCliAsync(['insert-datasets-info', '--site', 'local'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const published = fs.readdirSync(path.join(dir, 'artifacts', 'read_only', 'local'));
    const db = published.find((f) => /^ckan_api_\d{8}T\d{6}Z\.db$/.test(f));
    assert.ok(db, published.join(', '));
    assert.ok(published.includes(db.replace(/\.db$/, '.manifest.json')));
    assert.equal(fs.statSync(path.join(dir, 'artifacts', 'read_only', 'local', db)).mode & 0o777, 0o444);
    const create = await runCliAsync(['create-raw-ckan-db-tables', '--site', 'local', '--json'], { cwd: dir });
    assert.equal(create.status, 0, create.stderr);
    assert.equal(JSON.parse(create.stdout.trim().split('\n').at(-1) as string).summary.counts.alreadyComplete, 1);
  });

  test('an unreachable portal fails with the URL named and exit 1', async () => {
    fs.writeFileSync(path.join(dir, 'configs', 'down.yaml'), 'site: down\nckan:\n  url: http://127.0.0.1:9/api/3/action\nhttp:\n  retries: 1\n');
    const r = await runCliAsync(['download-datasets-info', '--site', 'down'], { cwd: dir });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /127\.0\.0\.1:9/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });

  test('--since auto after a complete crawl fetches the changes only; a bad --reconcile-every is a usage error', async () => {
    const requests = server.requests.length;
    const r = await runCliAsync(['download-datasets-info', '--site', 'local', '--since', 'auto', '--reconcile-every', '0', '--json'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const sent = server.requests.slice(requests);
    assert.ok(sent.some((q) => /^metadata_modified:\[\S+ TO \*\]$/.test(q.query.get('fq') ?? '')), 'a delta since the last crawl');
    assert.ok(sent.some((q) => q.query.get('fl') === 'id'), '--reconcile-every 0: an id listing every time');
    assert.ok(sent.length <= 6, `${sent.length} requests`);
    assert.ok(fs.existsSync(path.join(dir, 'artifacts', 'raw', 'local', 'ckan', 'increments.json')));
    const bad = await runCliAsync(['download-datasets-info', '--site', 'local', '--since', 'auto', '--reconcile-every', 'soon'], { cwd: dir });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--reconcile-every "soon" is not a duration/);
  });
});
