/**
 * Running the searches of a download: reuse every term whose last result is fresh (searched
 * within sourcegraph.maxAge with the same options), plan requests for the rest, run them, and
 * split every request of several terms whose answer could not be proven whole and attributed,
 * until each term is covered by one request: the coverage that the searches manifest records
 * (which request covered which term) and the loader reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TaskContext } from '../../engine/index.js';
import { DEFAULT_MAX_QUERY_LENGTH, DEFAULT_TERMS_PER_QUERY, planRequests, splitRequest, type PlanLimits } from './plan.js';
import { readResultSummary } from './result-file.js';
import { SourcegraphRequestTask, type SourcegraphSettings } from './tasks.js';

/** One request whose result covers these terms (file relative to the sourcegraph folder). */
export interface RequestCoverage {
  file: string;
  terms: string[];
  searchedAt: string;
}

export interface SearchRun {
  /** Every term's covering request: reused ones first, then this run's. */
  requests: RequestCoverage[];
  /** Terms covered by a fresh earlier result. */
  reusedTerms: number;
  /** Requests this run needed (finished or already on disk), including those split. */
  requestsPlanned: number;
  /** Requests that were split in two. */
  splits: number;
}

/** Requests of `previous` still fresh, narrowed to `terms`; and the terms left to search. */
export function reusableCoverage(previous: readonly RequestCoverage[], terms: readonly string[], dir: string, notBeforeMs: number | undefined): { reuse: RequestCoverage[]; toSearch: string[] } {
  const wanted = new Set(terms);
  const covered = new Set<string>();
  const reuse: RequestCoverage[] = [];
  for (const r of previous) {
    const fresh = notBeforeMs === undefined || Date.parse(r.searchedAt) >= notBeforeMs;
    if (!fresh || !fs.existsSync(path.join(dir, r.file))) continue;
    const kept = r.terms.filter((t) => wanted.has(t) && !covered.has(t));
    for (const t of kept) covered.add(t);
    if (kept.length > 0) reuse.push({ ...r, terms: kept });
  }
  return { reuse, toSearch: terms.filter((t) => !covered.has(t)) };
}

/** What a download will do: the fresh earlier requests it keeps, and the requests (leaf tasks) to make. */
export interface SearchPlan {
  /** Earlier requests still fresh, narrowed to the terms still wanted. */
  reused: RequestCoverage[];
  /** Each request to make, by the terms it searches (its result file is requestFileName(terms)). */
  batches: string[][];
}

function planLimits(settings: SourcegraphSettings): PlanLimits {
  return {
    termsPerQuery: settings.termsPerQuery ?? DEFAULT_TERMS_PER_QUERY,
    maxQueryLength: settings.maxQueryLength ?? DEFAULT_MAX_QUERY_LENGTH,
    includeForks: settings.includeForks,
    includeArchived: settings.includeArchived,
    ...(settings.extraFilters ? { extraFilters: settings.extraFilters } : {}),
  };
}

/** The cut-off of sourcegraph.maxAge at `nowMs` (undefined: every result stays fresh). */
export function freshSince(settings: SourcegraphSettings, nowMs: number): number | undefined {
  return settings.maxAgeMs === undefined ? undefined : nowMs - settings.maxAgeMs;
}

/** The requests (each by its terms) that search `terms` under the settings' limits. */
export function planBatches(settings: SourcegraphSettings, terms: readonly string[]): string[][] {
  return planRequests(terms, planLimits(settings));
}

/** Plans the search of `terms` at `nowMs`: pure but for the existence of earlier result files. */
export function planSearch(settings: SourcegraphSettings, terms: readonly string[], previous: readonly RequestCoverage[], nowMs: number): SearchPlan {
  const { reuse, toSearch } = reusableCoverage(previous, terms, settings.dir, freshSince(settings, nowMs));
  return { reused: reuse, batches: planBatches(settings, toSearch) };
}

/**
 * Runs a plan's requests (splitting those whose answer cannot be proven whole) and returns every
 * term's coverage. `reusedElsewhere`: terms reused outside `plan.reused` (the pipeline's reuse
 * decided in DuckDB, reuse.ts), for the log only.
 */
export async function runSearchPlan(ctx: TaskContext, settings: SourcegraphSettings, plan: SearchPlan, reusedElsewhere = 0): Promise<SearchRun> {
  const notBeforeMs = freshSince(settings, ctx.clock.now());
  const requests = [...plan.reused];
  let pending = plan.batches;
  let planned = 0;
  let splits = 0;
  while (pending.length > 0) {
    const tasks = pending.map((t) => new SourcegraphRequestTask(settings, t, notBeforeMs));
    planned += tasks.length;
    await ctx.need(tasks);
    pending = [];
    for (const task of tasks) {
      const summary = readResultSummary(task.resultFile);
      if (summary.split && task.terms.length > 1) {
        splits += 1;
        pending.push(...splitRequest(task.terms));
      // The task's own list (a portal's million terms are not copied again).
      } else requests.push({ file: path.basename(task.resultFile), terms: task.terms as string[], searchedAt: summary.searchedAt });
    }
  }
  const reusedTerms = plan.reused.reduce((n, r) => n + r.terms.length, reusedElsewhere);
  const searched = plan.batches.reduce((n, b) => n + b.length, 0);
  ctx.log(`${reusedTerms + searched} terms: ${reusedTerms} reused, ${searched} searched in ${planned} requests (${splits} split)`);
  return { requests, reusedTerms, requestsPlanned: planned, splits };
}

/** Searches whatever `terms` need (see the module comment) and returns the coverage of all of them. */
export async function searchTerms(ctx: TaskContext, settings: SourcegraphSettings, terms: readonly string[], previous: readonly RequestCoverage[] = []): Promise<SearchRun> {
  return runSearchPlan(ctx, settings, planSearch(settings, terms, previous, ctx.clock.now()));
}
