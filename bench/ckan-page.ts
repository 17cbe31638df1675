/**
 * How much memory fetching one big package_search page takes. Writes a page of
 * `--datasets N` synthetic packages (~2 KB each) to a temp file, serves it from disk on
 * 127.0.0.1 (so the server holds almost nothing), fetches it with fetchSearchPage and
 * prints JSON: body size, time, and the peak RSS / heap growth seen while fetching.
 * Run: npm run build && node dist/bench/ckan-page.js --datasets 20000
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHttpClient } from '../src/http/index.js';
import { fetchSearchPage } from '../src/sources/ckan/index.js';

function syntheticPackage(i: number): object {
  const id = `${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-bench-${i}`;
  return {
    id,
    name: `dataset-${i}`,
    title: i % 3 === 0 ? { en: `Dataset ${i}`, fr: `Jeu de données ${i}` } : `Dataset ${i}`,
    notes: `A description of dataset ${i}. `.repeat(12),
    metadata_modified: '2024-05-01T10:00:00.000000',
    organization: i % 7 === 0 ? null : { id: `org-${i % 50}`, name: `org-${i % 50}`, title: `Organisation ${i % 50}` },
    resources: Array.from({ length: 1 + (i % 4) }, (_, r) => ({ id: `${id}-r${r}`, url: `https://example.org/${i}/${r}.csv`, format: 'CSV', size: r % 2 ? null : 1000 * r })),
    tags: [{ name: 'bench' }, { name: `tag-${i % 100}` }],
    extras: [{ key: 'source', value: 'bench' }],
  };
}

async function writeBody(file: string, n: number): Promise<void> {
  const fh = await open(file, 'w');
  await fh.write(`{"help":"bench","success":true,"result":{"count":${n},"sort":"id asc","facets":{},"results":[`);
  let batch: string[] = [];
  for (let i = 0; i < n; i++) {
    batch.push(JSON.stringify(syntheticPackage(i)));
    if (batch.length === 1000 || i === n - 1) {
      await fh.write((i >= batch.length ? ',' : '') + batch.join(','));
      batch = [];
    }
  }
  await fh.write('],"search_facets":{}}}');
  await fh.close();
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--datasets');
  const n = arg === -1 ? 20_000 : Number(process.argv[arg + 1]);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-bench-page-'));
  const bodyFile = path.join(dir, 'body.json');
  await writeBody(bodyFile, n);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    createReadStream(bodyFile).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/3/action`;
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const started = performance.now();
  const result = await fetchSearchPage(createHttpClient(), { baseUrl, rows: n, start: 0, sort: 'id asc' }, path.join(dir, 'page.ndjson'));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
  console.log(JSON.stringify({
    datasets: n,
    received: result.received,
    bodyMB: mb((await stat(bodyFile)).size),
    pageFileMB: mb(result.bytes),
    seconds: Math.round(seconds * 1000) / 1000,
    mbPerSecond: Math.round(mb(result.bytesReceived) / seconds),
    rssGrowthMB: mb(peakRss - base.rss),
    heapGrowthMB: mb(peakHeap - base.heapUsed),
  }));
  server.close();
  await rm(dir, { recursive: true, force: true });
}

await main();
