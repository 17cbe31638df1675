/** The shared set-up of the package_search tests: a CKAN server over a small corpus, a temp dir per test, a fake clock. */
import { after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHttpClient, type HttpClient } from '../../../src/http/index.js';
import type { SearchPageParams } from '../../../src/sources/ckan/index.js';
import { fakeClock, FakeClock } from '../../support/fake-clock.js';
import { startCkanServer, type CkanPackage, type CkanTestServer } from '../../support/ckan-server.js';

/** Small packages with the variety portals show: multilingual titles, null organization, no extras, odd sizes. */
export function smallCorpus(n: number): CkanPackage[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `pkg-${String((i * 7919) % 1000).padStart(4, '0')}-${i}`;
    return {
      id,
      name: `dataset-${i}`,
      title: i % 3 === 0 ? { en: `Water ${i}`, fr: `Eau ${i}` } : `Dataset ${i} "quoted" {braces} [brackets] \\ backslash`,
      notes: i % 4 === 0 ? null : `Notes ${i}\nwith a newline and ünïcödé ✓`,
      metadata_modified: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00.${String(i).padStart(6, '0')}`,
      organization: i % 5 === 0 ? null : { id: `org-${i % 3}`, name: `org-${i % 3}`, title: `Org ${i % 3}` },
      resources: [{ id: `${id}-r1`, url: `https://example.org/${i}.csv`, format: 'CSV', size: i % 2 === 0 ? 1234 : i % 3 === 0 ? '391.4 MB' : null }],
      tags: [{ name: 'water' }, { name: `t${i}` }],
      ...(i % 2 === 0 ? { extras: [{ key: 'results', value: '[not the results]' }] } : {}),
      result: { results: ['a nested key named like the envelope'] },
    };
  });
}

/** The packages of a page file, one per line. */
export async function readPage(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), 'a page file ends with a newline');
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line));
}

export interface Harness {
  server: CkanTestServer;
  /** A fresh, empty temp dir for each test. */
  dir: string;
  clock: FakeClock;
  /** Retries with backoff 100, 200, … ms (no jitter) on `clock`. */
  client: HttpClient;
  packages: CkanPackage[];
  /** The packages sorted by id, as `sort=id asc` serves them. */
  byId: CkanPackage[];
  params(over?: Partial<SearchPageParams>): SearchPageParams;
}

/** Registers the hooks of the current suite and returns the harness they fill in. */
export function useCkanHarness(corpusSize = 25, maxRows = 10): Harness {
  const packages = smallCorpus(corpusSize);
  const h = {
    packages,
    byId: [...packages].sort((a, b) => (a.id < b.id ? -1 : 1)),
    params: (over: Partial<SearchPageParams> = {}): SearchPageParams => ({ baseUrl: h.server.actionUrl, rows: 10, start: 0, sort: 'id asc', ...over }),
  } as Harness;
  before(async () => {
    h.server = await startCkanServer({ packages, maxRows });
  });
  beforeEach(async () => {
    if (h.dir) await rm(h.dir, { recursive: true, force: true });
    h.dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-ckan-'));
    h.clock = fakeClock();
    h.client = createHttpClient({ clock: h.clock, random: () => 0, retryBaseMs: 100, timeoutMs: 2000 });
    assert.equal(h.server.pendingFaults(), 0, 'every fault of the previous test was used');
  });
  after(async () => {
    await h.server.close();
    if (h.dir) await rm(h.dir, { recursive: true, force: true });
  });
  return h;
}
