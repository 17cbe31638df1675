/**
 * Portal scale, the Sourcegraph part (issue #10): a synthetic portal's search terms (landing
 * pages, ids, names, resource URLs and ids: names inside URLs, `x-1` inside `x-17`, as on real
 * portals), a code corpus on the loopback Sourcegraph referencing a known share of them (2%), and
 * the download + load done twice: one exact search per term, and batched (many OR-ed terms per
 * request, attributed locally, split on limits). Prints one JSON line: requests, wall time,
 * matches of each against the true set (every term's lines and paths, computed directly).
 *
 *   npm run bench:portal-scale -- --datasets 1000 [--share 0.02] [--terms-per-query 100] [--match-limit 5000] [--no-per-term]
 *
 * The lead extends it end to end (CKAN crawl, incremental rerun) later.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/engine/clock.js';
import { FileTarget, Task, type TaskContext } from '../src/engine/index.js';
import { runSession } from '../src/engine/session.js';
import { createHttpClient } from '../src/http/index.js';
import { openDatabase } from '../src/duckdb/index.js';
import { buildSourcegraphApiDatabase, searchTerms, type SearchRun, type SearchedTerm, type SourcegraphSettings } from '../src/sources/sourcegraph/index.js';
import { startSourcegraphServer } from '../test/support/sourcegraph-server.js';
import { evaluate, parseQuery, type SgFile } from '../test/support/sourcegraph-query.js';

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: '1000' },
    share: { type: 'string', default: '0.02' },
    'terms-per-query': { type: 'string', default: '100' },
    'match-limit': { type: 'string' },
    'memory-limit': { type: 'string', default: '1GB' },
    'no-per-term': { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
  },
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['air', 'quality', 'roads', 'traffic', 'schools', 'census', 'water', 'flood', 'bus', 'energy', 'crime', 'housing'];

/** ~10 terms per dataset, as dataset_search_terms gives. */
function portalTerms(datasets: number, r: () => number): SearchedTerm[] {
  const hex = (): string => Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('');
  const uuid = (): string => { const h = hex(); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`; };
  const byTerm = new Map<string, string[]>();
  const add = (term: string, id: string): void => void byTerm.set(term, [...(byTerm.get(term) ?? []), id]);
  for (let i = 0; i < datasets; i++) {
    const id = uuid();
    const name = `${WORDS[i % WORDS.length]}-${WORDS[(i * 7) % WORDS.length]}-${i}`;
    add(id, id);
    add(name, id);
    add(`https://data.example.org/dataset/${name}`, id);
    for (let k = 0; k < 3 + Math.floor(r() * 3); k++) {
      add(`https://files.example.org/${name}/part-${k}.csv`, id);
      add(uuid(), id);
    }
  }
  return [...byTerm].map(([term, datasetIds]) => ({ term, datasetIds }));
}

/** Files referencing `share` of the terms (1-4 files each, sometimes in other case), and noise. */
function codeCorpus(terms: readonly string[], share: number, r: () => number): { files: SgFile[]; referenced: string[] } {
  const referenced = terms.filter(() => r() < share);
  const files: SgFile[] = [];
  let n = 0;
  for (const term of referenced) {
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) {
      const repo = Math.floor(r() * 400);
      const text = r() < 0.2 ? term.toUpperCase() : term;
      n += 1;
      files.push({
        repository: `github.com/org${repo}/repo${repo}`, path: `src/load_${n}.py`,
        meta: { repositoryID: repo, repoStars: repo % 50, commit: String(n).padStart(40, '0'), branches: ['main'], language: 'Python' },
        lines: ['import pandas as pd', `URL = "${text}"`, 'df = pd.read_csv(URL)', `# see ${r() < 0.3 ? text : 'the docs'}`],
      });
    }
  }
  const referencing = files.length;
  for (let i = 0; i < referencing; i++) files.push({ repository: `github.com/noise${i % 97}/x`, path: `n/${i}.js`, lines: ['const a = 1;', 'export default a;'] });
  return { files, referenced };
}

/** The true set: every term's (term, repository, path, line), as one exact search each would find. */
function trueSet(terms: readonly string[], files: readonly SgFile[]): Set<string> {
  const out = new Set<string>();
  for (const term of terms) {
    const ev = evaluate(parseQuery(`"${term}" count:all`), files);
    for (const m of ev.matches) {
      const lines = Array.isArray(m['lineMatches']) ? (m['lineMatches'] as Array<{ lineNumber: number }>) : [];
      if (lines.length === 0) out.add(JSON.stringify([term, m['repository'], m['path'] ?? null, null]));
      for (const l of lines) out.add(JSON.stringify([term, m['repository'], m['path'], l.lineNumber + 1]));
    }
  }
  return out;
}

class SearchAll extends Task<{ name: string }> {
  readonly family = 'BenchSearchAll';
  constructor(readonly settings: SourcegraphSettings, readonly terms: string[], readonly marker: string) {
    super({ name: path.basename(marker) });
  }
  outputs(): FileTarget[] {
    return [new FileTarget(this.marker)];
  }
  async run(ctx: TaskContext): Promise<void> {
    await new FileTarget(this.marker).write(JSON.stringify(await searchTerms(ctx, this.settings, this.terms)));
  }
}

async function downloadAndLoad(dir: string, name: string, url: string, terms: SearchedTerm[], termsPerQuery: number, count: () => number) {
  const client = createHttpClient({ clock: systemClock, retries: 2, concurrency: 4 });
  const settings: SourcegraphSettings = { site: name, dir: path.join(dir, name), baseUrl: url, includeForks: false, includeArchived: false, termsPerQuery, client: () => client };
  const before = count();
  const t0 = performance.now();
  const task = new SearchAll(settings, terms.map((t) => t.term), path.join(dir, `${name}.done`));
  const { summary } = await runSession([task], { artifactsDir: dir, scope: name, workers: 4, clock: systemClock });
  if (summary.status !== 'success') throw new Error(JSON.stringify(summary.failures));
  const searchSeconds = (performance.now() - t0) / 1000;
  const run = JSON.parse(fs.readFileSync(task.marker, 'utf8')) as SearchRun;
  const db = path.join(dir, `${name}.db`);
  const t1 = performance.now();
  await buildSourcegraphApiDatabase(db, run.requests.map((r) => ({ file: path.join(settings.dir, r.file), terms: r.terms })), terms, { memoryLimit: args['memory-limit'] });
  const loadSeconds = (performance.now() - t1) / 1000;
  const handle = await openDatabase(db, { readOnly: true });
  const rows = await handle.all('SELECT DISTINCT term, repository, path, line_number::INTEGER AS line FROM matches');
  await handle.close();
  const found = new Set(rows.map((r) => JSON.stringify([r['term'], r['repository'], r['path'], r['line']])));
  return { requests: count() - before, splits: run.splits, searchSeconds: round(searchSeconds), loadSeconds: round(loadSeconds), found };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const diff = (a: Set<string>, b: Set<string>): number => [...a].filter((x) => !b.has(x)).length;

async function main(): Promise<void> {
  const r = rng(Number(args.seed));
  const terms = portalTerms(Number(args.datasets), r);
  const { files, referenced } = codeCorpus(terms.map((t) => t.term), Number(args.share), r);
  const truth = trueSet(terms.map((t) => t.term), files);
  const server = await startSourcegraphServer({ files, batchSize: 50, ...(args['match-limit'] ? { matchLimit: Number(args['match-limit']) } : {}) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-portal-'));
  try {
    const count = (): number => server.requests.length;
    const batched = await downloadAndLoad(dir, 'batched', server.url, terms, Number(args['terms-per-query']), count);
    const perTerm = args['no-per-term'] ? undefined : await downloadAndLoad(dir, 'per-term', server.url, terms, 1, count);
    const out = {
      bench: 'portal-scale/sourcegraph', datasets: Number(args.datasets), terms: terms.length, referencedTerms: referenced.length, files: files.length,
      termsPerQuery: Number(args['terms-per-query']), trueMatches: truth.size,
      batched: { requests: batched.requests, splits: batched.splits, searchSeconds: batched.searchSeconds, loadSeconds: batched.loadSeconds, matches: batched.found.size, missing: diff(truth, batched.found), extra: diff(batched.found, truth) },
      ...(perTerm ? { perTerm: { requests: perTerm.requests, searchSeconds: perTerm.searchSeconds, loadSeconds: perTerm.loadSeconds, matches: perTerm.found.size, missing: diff(truth, perTerm.found), extra: diff(perTerm.found, truth) } } : {}),
      requestRatio: round(terms.length / batched.requests),
      identical: diff(truth, batched.found) === 0 && diff(batched.found, truth) === 0,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
