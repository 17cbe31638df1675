/** Files mallard reads back, malformed: one clear error naming the file, through the built CLI. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCkanServer, type CkanTestServer } from '../support/ckan-server.js';
import { runCliAsync } from '../support/cli.js';
import { smallCorpus } from '../sources/ckan/harness.js';

describe('malformed state files (built CLI)', () => {
  let dir = '';
  let server: CkanTestServer;
  const crawlDir = () => path.join(dir, 'artifacts', 'raw', 'local', 'ckan');
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-cli-state-'));
    server = await startCkanServer({ packages: smallCorpus(60), maxRows: 50 });
    fs.mkdirSync(path.join(dir, 'configs'));
    fs.writeFileSync(path.join(dir, 'configs', 'local.yaml'), `site: local\nckan:\n  url: ${server.actionUrl}\n  requestsPerSecond: 1000\n`);
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('{} in crawl.json: --dry-run names the file and what to do, no TypeError', async () => {
    fs.mkdirSync(crawlDir(), { recursive: true });
    const crawl = path.join(crawlDir(), 'crawl.json');
    fs.writeFileSync(crawl, '{}\n');
    const r = await runCliAsync(['download-datasets-info', '--site', 'local', '--dry-run'], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /Cannot read properties|TypeError|\n\s+at /);
    assert.ok(r.stderr.includes(`The crawl manifest ${crawl} is malformed at site`), r.stderr);
    assert.match(r.stderr, /hint: delete that file and rerun download-datasets-info/);
    assert.equal(server.requests.length, 0, 'nothing was fetched');
  });

  test('crawl.json that is not JSON, then deleted as the hint says: the crawl runs', async () => {
    const crawl = path.join(crawlDir(), 'crawl.json');
    fs.writeFileSync(crawl, '{"site": "local", "pages": [');
    const bad = await runCliAsync(['download-datasets-info', '--site', 'local'], { cwd: dir });
    assert.equal(bad.status, 1);
    assert.ok(bad.stderr.includes(`The crawl manifest ${crawl} is not valid JSON`), bad.stderr);
    fs.rmSync(crawl);
    const good = await runCliAsync(['download-datasets-info', '--site', 'local'], { cwd: dir });
    assert.equal(good.status, 0, good.stderr);
    assert.equal(JSON.parse(fs.readFileSync(crawl, 'utf8')).received, 60);
  });

  test('a searches.json of another shape: download-sourcegraph-results names the file and what to do', async () => {
    const searches = path.join(dir, 'artifacts', 'raw', 'local', 'sourcegraph', 'searches.json');
    fs.mkdirSync(path.dirname(searches), { recursive: true });
    fs.writeFileSync(searches, '{"site": "local", "searches": {}}\n');
    const r = await runCliAsync(['download-sourcegraph-results', '--site', 'local', '--dry-run'], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /Cannot read properties|TypeError|\n\s+at /);
    assert.ok(r.stderr.includes(`The searches manifest ${searches} is malformed`), r.stderr);
    assert.match(r.stderr, /hint: delete that file and rerun download-sourcegraph-results/);
  });

  test('malformed increments.json and delta.json (incremental crawls): named with what to do, then fixed as the hint says', async () => {
    const crawl = path.join(crawlDir(), 'crawl.json');
    const increments = path.join(crawlDir(), 'increments.json');
    assert.equal((await runCliAsync(['download-datasets-info', '--site', 'local'], { cwd: dir })).status, 0, 'a complete base crawl');
    fs.writeFileSync(increments, JSON.stringify({ base: 'x', steps: [{ kind: 'delta', dir: 'deltas/a', pages: 'page_000000000.ndjson' }] }));
    for (const args of [['download-datasets-info', '--since', 'auto'], ['insert-datasets-info']]) {
      const r = await runCliAsync([...args, '--site', 'local'], { cwd: dir });
      assert.equal(r.status, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /Cannot read properties|TypeError|\n\s+at /);
      assert.ok(r.stderr.includes(`The incremental crawl record ${increments} is malformed at steps.0.`), r.stderr);
      // Read while planning, the error ends the command with its hint; inside the load task it is
      // the task's failure, and the summary gives the same hint under it.
      assert.match(r.stderr, /hint: delete it and rerun download-datasets-info --refresh/);
    }
    fs.writeFileSync(increments, '{"base": ');
    const cut = await runCliAsync(['insert-datasets-info', '--site', 'local'], { cwd: dir });
    assert.equal(cut.status, 1);
    assert.ok(cut.stderr.includes(`The incremental crawl record ${increments} is not valid JSON`), cut.stderr);
    fs.rmSync(increments);

    // The next delta's folder holds a delta.json that is not one (a hand edit, a half-restored backup).
    const startedAt = JSON.parse(fs.readFileSync(crawl, 'utf8')).startedAt as string;
    const since = new Date(Date.parse(startedAt) - 3_600_000).toISOString().replace(/[-:]/g, '');
    const delta = path.join(crawlDir(), 'deltas', since, 'delta.json');
    fs.mkdirSync(path.dirname(delta), { recursive: true });
    fs.writeFileSync(delta, JSON.stringify({ kind: 'delta', pages: [1, 2] }));
    const bad = await runCliAsync(['download-datasets-info', '--site', 'local', '--since', 'auto'], { cwd: dir });
    assert.equal(bad.status, 1, bad.stderr);
    assert.ok(bad.stderr.includes(`The delta manifest ${delta} is malformed`), bad.stderr);
    fs.rmSync(path.dirname(delta), { recursive: true });
    const good = await runCliAsync(['download-datasets-info', '--site', 'local', '--since', 'auto'], { cwd: dir });
    assert.equal(good.status, 0, good.stderr);
    assert.equal(JSON.parse(fs.readFileSync(increments, 'utf8')).steps[0].kind, 'delta');
  });
});
