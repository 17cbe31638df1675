import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { readJournal } from '../../src/engine/receipt-journal.js';
import { runSession, sessionPaths } from '../../src/engine/session.js';
import { CkanCrawlTask } from '../../src/sources/ckan/tasks.js';
import { startCkanServer } from '../support/ckan-server.js';
import { smallCorpus } from '../sources/ckan/harness.js';
import { crawledIds, testConfig, testCrawlSettings } from './ckan-fixture-config.js';

test('a crawl killed midway (kill -9) resumes without refetching finished pages or keeping a corrupt one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-crawl-kill-'));
  const corpus = smallCorpus(1000);
  const server = await startCkanServer({ packages: corpus, maxRows: 100 });
  try {
    server.schedule({ fault: { kind: 'stall', delayMs: 80 }, times: 1000 });
    const crawlDir = path.join(dir, 'raw', 'test-portal', 'ckan');
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'crawl-child.js'), server.actionUrl, dir], { stdio: 'inherit' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const finished = () => (fs.existsSync(crawlDir) ? fs.readdirSync(crawlDir).filter((f) => /^page_\d+\.json$/.test(f)) : []);
    for (let i = 0; i < 400 && finished().length < 3; i += 1) await delay(25);
    child.kill('SIGKILL');
    await exited;
    const onDisk = finished();
    assert.ok(onDisk.length >= 3 && onDisk.length < 10, `killed midway, after ${onDisk.length} pages`);
    // A page is finished when its receipt is in the journal (the commit point): a page renamed
    // into place an instant before the kill, whose receipt was still in the batch, is fetched
    // again (never trusted without a receipt), so the test counts only committed pages.
    const committed = new Set([...readJournal(sessionPaths(dir, 'test-portal').receipts).values()].flatMap((r) => Object.keys(r.outputs).map((o) => path.basename(o))));
    const done = onDisk.filter((page) => committed.has(page));
    assert.ok(done.length >= 1, `at least one page committed before the kill (on disk: ${onDisk.join(', ')})`);
    assert.equal(fs.existsSync(path.join(crawlDir, 'crawl.json')), false);

    server.schedule(); // no more stalls needed; the rest answers normally
    const before = server.requests.length;
    const config = testConfig(server.actionUrl);
    const { summary } = await runSession([new CkanCrawlTask(testCrawlSettings(config, dir))], { artifactsDir: dir, scope: config.site, clock: new FakeClock() });
    assert.equal(summary.status, 'success');
    const refetched = server.requests.slice(before).map((r) => `page_${r.query.get('start')?.padStart(9, '0')}.json`);
    for (const page of done) assert.ok(!refetched.includes(page), `${page} was finished and must not be fetched again`);
    const ids = crawledIds(crawlDir);
    assert.equal(ids.length, 1000);
    assert.equal(new Set(ids).size, 1000, 'every dataset exactly once, every page file whole');
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
