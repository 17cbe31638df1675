import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../support/fake-clock.js';
import { runSession } from '../../../src/engine/session.js';
import { createHttpClient } from '../../../src/http/index.js';
import { searchFileName, SourcegraphSearchTask, type SourcegraphSettings } from '../../../src/sources/sourcegraph/index.js';
import { generateMatches, startSourcegraphServer, type SourcegraphTestServer } from '../../support/sourcegraph-server.js';

const TERMS = ['https://data.example.org/a', 'air quality 2024', '../../escape', 'Île-de-France "quoted"'];
let dir: string;
let server: SourcegraphTestServer;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-sg-tasks-'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function settings(extra: Partial<SourcegraphSettings> = {}): SourcegraphSettings {
  const clock = new FakeClock();
  const client = createHttpClient({ clock, retries: 2, random: () => 0 });
  return { site: 'test-portal', dir: path.join(dir, 'raw', 'test-portal', 'sourcegraph'), baseUrl: server.url, includeForks: false, includeArchived: false, client: () => client, ...extra };
}

function run(s: SourcegraphSettings, terms = TERMS) {
  return runSession(terms.map((t) => new SourcegraphSearchTask(s, t)), { artifactsDir: dir, scope: 'test-portal', workers: 3, clock: new FakeClock(), random: () => 0 });
}

describe('SourcegraphSearchTask', () => {
  test('one file per term inside the folder; a rerun makes no request; new options search again', async () => {
    const corpus = Object.fromEntries(TERMS.map((t, i) => [t, { matches: generateMatches(t, i + 1) }]));
    server = await startSourcegraphServer({ corpus });
    server.schedule({ kind: 'cut', afterEvents: 1 });
    const s = settings({ token: 'sgp_tokentoken' });
    const { summary } = await run(s);
    assert.equal(summary.status, 'success', JSON.stringify(summary.failures));
    assert.equal(summary.counts.ran, TERMS.length);
    const files = fs.readdirSync(s.dir).sort();
    assert.deepEqual(files, TERMS.map(searchFileName).sort());
    for (const [i, term] of TERMS.entries()) {
      const file = JSON.parse(fs.readFileSync(path.join(s.dir, searchFileName(term)), 'utf8')) as { terms: string[]; matches: unknown[] };
      assert.deepEqual(file.terms, [term]);
      assert.equal(file.matches.length, i + 1);
    }
    assert.ok(server.requests.every((r) => r.headers.authorization === 'token sgp_tokentoken'));
    const requests = server.requests.length;
    assert.equal(requests, TERMS.length + 1, 'one cut stream tried again');

    const again = await run(settings());
    assert.equal(again.summary.counts.ran, 0);
    assert.equal(server.requests.length, requests, 'no request on a rerun');

    const forks = await run(settings({ includeForks: true }));
    assert.equal(forks.summary.counts.ran, TERMS.length, 'other query options are other tasks');
    assert.ok(server.requests.slice(requests).every((r) => r.query.includes('fork:yes')));
  });

  test('a failing search fails its task only; the others are written', async () => {
    server = await startSourcegraphServer({ corpus: { good: { matches: generateMatches('good', 2) }, bad: { matches: [], error: 'boom' } } });
    const s = settings();
    const { summary } = await run(s, ['good', 'bad']);
    assert.equal(summary.status, 'failed');
    assert.equal(summary.failures.length, 1);
    assert.match(JSON.stringify(summary.failures[0]), /ERR_SOURCEGRAPH_SEARCH/);
    assert.deepEqual(fs.readdirSync(s.dir), [searchFileName('good')]);
  });
});
