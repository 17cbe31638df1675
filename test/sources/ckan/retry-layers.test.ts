import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../support/fake-clock.js';
import { runSession } from '../../../src/engine/session.js';
import type { RetryNote } from '../../../src/engine/retry.js';
import { createHttpClient } from '../../../src/http/index.js';
import { crawlSettings } from '../../../src/pipelines/ckan.js';
import { CkanCrawlTask } from '../../../src/sources/ckan/tasks.js';
import { startCkanServer, type CkanTestServer } from '../../support/ckan-server.js';
import { fakeClock } from '../../support/fake-clock.js';
import { testConfig } from '../../pipelines/ckan-fixture-config.js';
import { smallCorpus } from './harness.js';

let dir: string;
let server: CkanTestServer;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-retry-layers-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const startIs = (start: string) => (query: URLSearchParams) => query.get('start') === start;

async function crawlWith(retries: number, notes: RetryNote[]) {
  const client = createHttpClient({ clock: fakeClock(), retries, timeoutMs: 5000, random: () => 0, onRetry: (n) => notes.push(n) });
  const settings = crawlSettings(testConfig(server.actionUrl), { artifactsDir: dir, client: () => client });
  return runSession([new CkanCrawlTask(settings)], { artifactsDir: dir, scope: 'test-portal', workers: 2, clock: new FakeClock(), random: () => 0 });
}

describe('one layer of retries per request', () => {
  test('a page cut short every time: the HTTP client tries 4 times, the page task not again', async () => {
    server = await startCkanServer({ packages: smallCorpus(250), maxRows: 100 });
    server.schedule({ fault: { kind: 'truncate' }, times: 50, match: startIs('100') });
    const notes: RetryNote[] = [];
    const { summary } = await crawlWith(3, notes);
    assert.equal(summary.status, 'failed');
    const pageRequests = server.requests.filter((r) => r.query.get('start') === '100').length;
    assert.equal(pageRequests, 4, 'the client retried 3 times; nothing retried what it gave up on');
    assert.match(summary.failures[0]?.message ?? '', /cut short.*gave up after 4 attempts/);
    assert.deepEqual(notes.map((n) => [n.attempt, n.layer, n.code]), [[1, 'http', 'ERR_CKAN_RESPONSE'], [2, 'http', 'ERR_CKAN_RESPONSE'], [3, 'http', 'ERR_CKAN_RESPONSE']]);
    assert.deepEqual(notes.map((n) => n.delayMs), [1000, 2000, 4000]);
    assert.match(notes[0]!.error, /cut short/);
  });

  test('with client retries off, the page task retries what the client did not', async () => {
    server = await startCkanServer({ packages: smallCorpus(250), maxRows: 100 });
    server.schedule({ fault: { kind: 'truncate' }, times: 2, match: startIs('100') });
    const { summary } = await crawlWith(0, []);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.equal(server.requests.filter((r) => r.query.get('start') === '100').length, 3);
  });
});
