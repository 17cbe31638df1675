/**
 * Portal scale, end to end (issue #10). A synthetic portal of --datasets packages (~4 resources
 * each) on the loopback CKAN server, a loopback Sourcegraph whose code references a known share
 * (2%) of the search terms, and the loopback GitHub for the repositories found. The whole
 * pipeline runs through the real CLI, one child process per stage (scratch --artifacts-dir,
 * a config pointing at the servers, duckdb.memoryLimit 1GB), to usage.db; then 1% of the datasets
 * change (edited, half with a new resource URL; a few new, a few deleted) and it runs again
 * incrementally (ckan.incremental: true). Last, a reconcile pass (an id listing: --reconcile-every 0)
 * marks the deleted datasets. Prints one JSON line: wall time and peak RSS of every stage,
 * requests to each server, matches found vs the true set, the targets and the checks. A failed
 * check exits 1. --keep keeps the scratch dir, with the first run's artifacts in artifacts-first/.
 *
 *   npm run bench:portal-scale -- [--datasets 100000] [--share 0.02] [--memory-limit 1GB] [--workers 4]
 *     [--terms-per-query 100] [--match-limit 20] [--no-reconcile] [--keep]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCkanServer, PACKAGE_SEARCH_PATH, type CkanPackage } from '../test/support/ckan-server.js';
import { makeRepoBody, startGithubServer, type GhBody } from '../test/support/github-server.js';
import { startSourcegraphServer } from '../test/support/sourcegraph-server.js';
import { CodeIndex } from './portal-scale/code-index.js';
import { codeCorpus, REPOS, rng, trueSet } from './portal-scale/corpus.js';
import { makePortal } from './portal-scale/portal.js';
import { checkRound, checkDeletions, type RoundCheck } from './portal-scale/checks.js';
import { repoRoot, runStage, type StageContext, type StageResult } from './portal-scale/stages.js';

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: '100000' },
    share: { type: 'string', default: '0.02' },
    seed: { type: 'string', default: '7' },
    'memory-limit': { type: 'string', default: '1GB' },
    workers: { type: 'string', default: '4' },
    'terms-per-query': { type: 'string', default: '100' },
    /** The loopback Sourcegraph's limit of matched lines per search: batches that hit it are split. */
    'match-limit': { type: 'string' },
    'no-reconcile': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

function usage(message: string): never {
  process.stderr.write(`bench:portal-scale: ${message}\n`);
  process.exit(2);
}
if (!/^[1-9]\d*$/.test(args.datasets)) usage(`--datasets must be a whole number above 0, got ${JSON.stringify(args.datasets)}`);
if (!(Number(args.share) > 0 && Number(args.share) <= 1)) usage(`--share must be a fraction in (0, 1], got ${JSON.stringify(args.share)}`);
if (!/^[1-9]\d*$/.test(args.workers)) usage(`--workers must be a whole number above 0, got ${JSON.stringify(args.workers)}`);

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const sum = (stages: StageResult[], key: string): number => stages.reduce((n, s) => n + (s.requests[key] ?? 0), 0);
const seconds = (stages: StageResult[]): number => round3(stages.reduce((n, s) => n + s.seconds, 0));

function writeConfig(dir: string, urls: { ckan: string; sourcegraph: string; github: string }): string {
  const file = path.join(dir, 'bench.yaml');
  fs.writeFileSync(file, `site: bench
ckan:
  url: ${urls.ckan}
  rows: 1000
  concurrency: 4
  requestsPerSecond: 1000
  incremental: true
sourcegraph:
  url: ${urls.sourcegraph}
  concurrency: 8
  requestsPerSecond: 1000
  termsPerQuery: ${Number(args['terms-per-query'])}
github:
  url: ${urls.github}
  concurrency: 8
duckdb:
  memoryLimit: ${args['memory-limit']}
`);
  return file;
}

async function pipeline(ctx: StageContext): Promise<StageResult[]> {
  const models = ['--models-dir', path.join(repoRoot, 'models')];
  const workers = ['--workers', String(Number(args.workers))];
  const out: StageResult[] = [];
  const steps: Array<[string, string[]]> = [
    ['download-datasets-info', ['download-datasets-info', ...workers]],
    ['insert-datasets-info', ['insert-datasets-info', ...workers]],
    ['run-models ckan_clean', ['run-models', '--select', 'ckan_clean', ...models, ...workers]],
    ['download-sourcegraph-results', ['download-sourcegraph-results', ...models, '--workers', String(Math.max(8, Number(args.workers)))]],
    ['insert-sourcegraph-results', ['insert-sourcegraph-results', ...models, ...workers]],
    ['enrich-github-repos', ['enrich-github-repos', ...models, ...workers]],
    ['run-models usage', ['run-models', '--select', 'usage', ...models, ...workers]],
  ];
  for (const [stage, argv] of steps) out.push(await runStage(ctx, stage, argv));
  return out;
}

function githubRepos(): { repos: GhBody[]; gone: Record<string, number> } {
  const repos: GhBody[] = [];
  const gone: Record<string, number> = {};
  for (let k = 0; k < REPOS; k++) {
    if (k % 97 === 5) gone[`org${k}/repo${k}`] = 404;
    else repos.push(makeRepoBody(1000 + k, `org${k}/repo${k}`, { stargazers_count: k % 50 }));
  }
  return { repos, gone };
}

function summarize(stages: StageResult[]) {
  return stages.map((s) => ({ stage: s.stage, seconds: s.seconds, cpuSeconds: s.cpuSeconds, peakRssMB: s.peakRssMB, requests: s.requests }));
}

async function main(): Promise<void> {
  const n = Number(args.datasets);
  const t0 = Date.now();
  const ckan = await startCkanServer({ maxRows: 1000 });
  const portal = makePortal(n, Number(args.seed), new URL(ckan.url).host);
  ckan.packages = portal.served as unknown as CkanPackage[];
  const { files, referenced } = codeCorpus(portal.terms, Number(args.share), rng(Number(args.seed) + 1));
  const index = new CodeIndex(files);
  const sourcegraph = await startSourcegraphServer({ files, batchSize: 50, candidates: (q) => index.candidates(q), ...(args['match-limit'] ? { matchLimit: Number(args['match-limit']) } : {}) });
  const github = await startGithubServer(githubRepos());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mallard-bench-portal-'));
  const setupSeconds = (Date.now() - t0) / 1000;
  try {
    const artifactsDir = path.join(dir, 'artifacts');
    const config = writeConfig(dir, { ckan: ckan.actionUrl, sourcegraph: sourcegraph.url, github: github.url });
    const ctx: StageContext = {
      cwd: dir,
      common: ['--config-file', config, '--artifacts-dir', artifactsDir],
      counters: { ckan: () => ckan.count(PACKAGE_SEARCH_PATH), sourcegraph: () => sourcegraph.requests.length, github: () => github.requests.length },
    };
    const first = await pipeline(ctx);
    const firstCheck = await checkRound(artifactsDir, 'bench', (terms) => trueSet(terms, index), { datasets: n });
    // --keep: the first run's artifacts too, to replay a rerun stage by hand against a copy
    if (args.keep) fs.cpSync(artifactsDir, path.join(dir, 'artifacts-first'), { recursive: true });

    ckan.packages = portal.changed(Date.now()) as unknown as CkanPackage[];
    const rerun = await pipeline(ctx);
    const rerunCheck = await checkRound(artifactsDir, 'bench', (terms) => trueSet(terms, index), { datasets: n + portal.change.added.length, modified: portal.change.modified.length });

    let reconcile: { stages: StageResult[]; check: Awaited<ReturnType<typeof checkDeletions>> } | undefined;
    if (!args['no-reconcile']) {
      const stages = [
        await runStage(ctx, 'download-datasets-info --reconcile-every 0', ['download-datasets-info', '--reconcile-every', '0']),
        await runStage(ctx, 'insert-datasets-info', ['insert-datasets-info']),
        await runStage(ctx, 'run-models ckan_clean', ['run-models', '--select', 'ckan_clean', '--models-dir', path.join(repoRoot, 'models')]),
      ];
      const ids = portal.change.deleted.map((i) => portal.served[i]!.id);
      reconcile = { stages, check: await checkDeletions(artifactsDir, 'bench', ids) };
    }
    report({ n, portal, files: files.length, referenced: referenced.length, setupSeconds, first, firstCheck, rerun, rerunCheck, reconcile });
  } finally {
    await Promise.all([ckan.close(), sourcegraph.close(), github.close()]);
    if (args.keep) process.stderr.write(`kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Report {
  n: number;
  portal: ReturnType<typeof makePortal>;
  files: number;
  referenced: number;
  setupSeconds: number;
  first: StageResult[];
  firstCheck: RoundCheck;
  rerun: StageResult[];
  rerunCheck: RoundCheck;
  reconcile: { stages: StageResult[]; check: Awaited<ReturnType<typeof checkDeletions>> } | undefined;
}

function report(r: Report): void {
  const peak = Math.max(...[...r.first, ...r.rerun, ...(r.reconcile?.stages ?? [])].map((s) => s.peakRssMB ?? 0));
  const firstSeconds = seconds(r.first);
  const rerunSeconds = seconds(r.rerun);
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : round3(a / b));
  const ckanPct = ratio(100 * sum(r.rerun, 'ckan'), sum(r.first, 'ckan'));
  const sgPct = ratio(100 * sum(r.rerun, 'sourcegraph'), sum(r.first, 'sourcegraph'));
  const timePct = ratio(100 * rerunSeconds, firstSeconds);
  const requestRatio = ratio(r.firstCheck.terms, sum(r.first, 'sourcegraph'));
  const checks = {
    firstRunMatchesIdentical: r.firstCheck.missing === 0 && r.firstCheck.extra === 0,
    rerunMatchesIdentical: r.rerunCheck.missing === 0 && r.rerunCheck.extra === 0,
    firstRunDatasetsLoaded: r.firstCheck.datasetsOk,
    rerunDatasetsLoaded: r.rerunCheck.datasetsOk,
    usageBuilt: r.firstCheck.usageRows > 0 && r.rerunCheck.usageRows > 0,
    ...(r.reconcile ? { deletedMarkedAndNotSearched: r.reconcile.check.ok } : {}),
  };
  const out = {
    bench: 'portal-scale', datasets: r.n, resources: r.portal.resources, memoryLimit: args['memory-limit'], share: Number(args.share),
    codeFiles: r.files, referencedTerms: r.referenced, setupSeconds: round3(r.setupSeconds),
    change: { modified: r.portal.change.modified.length, added: r.portal.change.added.length, deleted: r.portal.change.deleted.length },
    first: { seconds: firstSeconds, requests: { ckan: sum(r.first, 'ckan'), sourcegraph: sum(r.first, 'sourcegraph'), github: sum(r.first, 'github') }, matches: r.firstCheck, stages: summarize(r.first) },
    rerun: { seconds: rerunSeconds, requests: { ckan: sum(r.rerun, 'ckan'), sourcegraph: sum(r.rerun, 'sourcegraph'), github: sum(r.rerun, 'github') }, matches: r.rerunCheck, stages: summarize(r.rerun) },
    ...(r.reconcile ? { reconcile: { seconds: seconds(r.reconcile.stages), requests: { ckan: sum(r.reconcile.stages, 'ckan') }, deletions: r.reconcile.check, stages: summarize(r.reconcile.stages) } } : {}),
    peakRssMB: peak,
    perTermRequests: r.firstCheck.terms,
    requestRatio,
    rerunCkanRequestPct: ckanPct, rerunSourcegraphRequestPct: sgPct, rerunTimePct: timePct,
    targets: {
      peakRssUnder1500MB: peak > 0 && peak < 1500,
      requestRatioAtLeast20: requestRatio !== null && requestRatio >= 20,
      rerunCkanRequestsAtMost3Pct: ckanPct !== null && ckanPct <= 3,
      rerunSourcegraphRequestsAtMost3Pct: sgPct !== null && sgPct <= 3,
      rerunTimeUnder15Pct: timePct !== null && timePct < 15,
    },
    checks,
    ok: Object.values(checks).every(Boolean),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (!out.ok) process.exitCode = 1;
}

await main();
