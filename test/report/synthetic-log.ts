/**
 * Writes realistic run logs in the engine's format (run_started, graph, task_pending,
 * tasks_planned, task_started/done/retry/failed/skipped, run_finished), from a seeded
 * simulation of N workers: for report tests and the benchmark.
 */
import fs from 'node:fs';
import { createRandom as rng } from '../support/ckan-corpus.js';

export interface SyntheticOptions {
  tasks: number;
  workers?: number;
  /** Share of tasks that fail for good (after retries). */
  failRate?: number;
  /** Share of tasks whose first attempt fails and is retried. */
  retryRate?: number;
  /** Write run_finished (default true); false = a run still going or killed. */
  finished?: boolean;
  /** Write a graph event (default true); false = a log from before graph events. */
  graph?: boolean;
  /** Append half a line at the end, as a crash mid-write leaves it. */
  truncate?: boolean;
  seed?: number;
  runId?: string;
  startAt?: number;
}

export const SYNTHETIC_FAMILIES = ['CkanPage', 'SourcegraphSearch', 'GithubRepo', 'InsertDatasets', 'RunModels'];
const SHARES = [0.2, 0.5, 0.28, 0.01, 0.01];

export interface SyntheticLog {
  file: string;
  runId: string;
  counts: { done: number; failed: number; skipped: number; retries: number; running: number };
  byFamily: Record<string, { done: number; failed: number; skipped: number; running: number }>;
  /** Failure messages by code, as written. */
  failureCodes: Record<string, number>;
  events: number;
  /** Every task id, in order. */
  ids: string[];
}

type Ev = Record<string, unknown> & { at: number; seq: number };

export function writeSyntheticLog(file: string, opts: SyntheticOptions): SyntheticLog {
  const rand = rng(opts.seed ?? 42);
  const workers = opts.workers ?? 4;
  const t0 = opts.startAt ?? Date.UTC(2026, 11, 1, 10, 0, 0);
  const runId = opts.runId ?? '20261201T100000Z-abc123';
  const finished = opts.finished !== false;
  const ids: Array<{ id: string; family: string }> = [];
  SYNTHETIC_FAMILIES.forEach((family, fi) => {
    const n = Math.max(1, Math.round(opts.tasks * (SHARES[fi] as number)));
    for (let i = 0; i < n && ids.length < opts.tasks; i++) ids.push({ id: family === 'CkanPage' ? `${family}(site=data-gov-uk, start=${i * 1000})` : `${family}(site=data-gov-uk, i=${i})`, family });
  });
  const events: Ev[] = [];
  let seq = 0;
  const push = (e: Record<string, unknown> & { at: number }): void => void events.push({ ...e, seq: seq++ });
  push({ type: 'run_started', runId, at: t0, roots: ['RunModels(site=data-gov-uk, select=usage)'], workers, dryRun: false, scope: 'data-gov-uk', command: 'mallard run-models --site data-gov-uk' });
  const fam: Record<string, { tasks: number }> = {};
  for (const t of ids) (fam[t.family] ??= { tasks: 0 }).tasks += 1;
  if (opts.graph !== false) {
    const edges = SYNTHETIC_FAMILIES.slice(1).map((to, i) => ({ from: SYNTHETIC_FAMILIES[i] as string, to, count: fam[to]?.tasks ?? 1 }));
    push({ type: 'graph', at: t0 + 1, families: fam, edges });
  }
  for (const t of ids) push({ type: 'task_pending', id: t.id, family: t.family, at: t0 + 2, reason: rand() < 0.9 ? `missing output artifacts/raw/${t.id.length}/x.json` : 'no receipt: outputs exist but no successful run recorded them' });
  const byFamilyPlanned: Record<string, { toRun: number; complete: number }> = {};
  for (const [f, v] of Object.entries(fam)) byFamilyPlanned[f] = { toRun: v.tasks, complete: f === 'CkanPage' ? 3 : 0 };
  push({ type: 'tasks_planned', at: t0 + 3, toRun: ids.length, complete: 3, byFamily: byFamilyPlanned });
  const free = Array.from({ length: workers }, () => t0 + 5);
  const result: SyntheticLog = { file, runId, counts: { done: 0, failed: 0, skipped: 0, retries: 0, running: 0 }, byFamily: {}, failureCodes: {}, events: 0, ids: ids.map((t) => t.id) };
  for (const f of SYNTHETIC_FAMILIES) result.byFamily[f] = { done: 0, failed: 0, skipped: 0, running: 0 };
  let failedUpstream: string | undefined;
  const cutoff = finished ? Infinity : t0 + 5 + (ids.length * 20) / workers / 2;
  for (const t of ids) {
    const fstats = result.byFamily[t.family] as { done: number; failed: number; skipped: number; running: number };
    if (t.family === 'InsertDatasets' && failedUpstream !== undefined && rand() < 0.5) {
      push({ type: 'task_skipped', id: t.id, family: t.family, at: Math.min(...free), reason: `upstream failed: ${failedUpstream}` });
      fstats.skipped += 1;
      result.counts.skipped += 1;
      continue;
    }
    const w = free.indexOf(Math.min(...free));
    let at = free[w] as number;
    let attempt = 1;
    const retry = rand() < (opts.retryRate ?? 0.03);
    const fail = rand() < (opts.failRate ?? 0.01);
    if (at > cutoff) continue;
    if (retry) {
      push({ type: 'task_started', id: t.id, family: t.family, at, attempt });
      at += 5 + Math.floor(rand() * 40);
      push({ type: 'task_retry', id: t.id, family: t.family, at, attempt, delayMs: 30, error: `HTTP 503 Service Unavailable from https://api.github.com/repos/${attempt}?page=2`, code: 'ERR_HTTP', layer: rand() < 0.7 ? 'http' : 'task' });
      result.counts.retries += 1;
      at += 30;
      attempt += 1;
    }
    push({ type: 'task_started', id: t.id, family: t.family, at, attempt });
    const dur = 2 + Math.floor(rand() * 30);
    if (at + dur > cutoff) {
      fstats.running += 1;
      result.counts.running += 1;
      free[w] = Infinity;
      continue;
    }
    at += dur;
    if (fail) {
      const code = rand() < 0.6 ? 'ERR_HTTP' : 'ERR_CKAN';
      const error = code === 'ERR_HTTP' ? `HTTP 404 Not Found for ${t.id}: https://api.github.com/repos/${Math.floor(rand() * 1e6)}` : `CKAN error NotFound: dataset ${Math.floor(rand() * 1e5)} is gone`;
      push({ type: 'task_failed', id: t.id, family: t.family, at, attempt, error, code });
      result.failureCodes[code] = (result.failureCodes[code] ?? 0) + 1;
      fstats.failed += 1;
      result.counts.failed += 1;
      failedUpstream = t.id;
    } else {
      push({ type: 'task_done', id: t.id, family: t.family, at, attempt, durationMs: dur });
      fstats.done += 1;
      result.counts.done += 1;
    }
    free[w] = at;
  }
  events.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const end = events.length > 0 ? (events[events.length - 1] as Ev).at + 1 : t0;
  const lines = events.map(({ seq: _seq, ...e }) => JSON.stringify(e));
  if (finished) {
    const c = result.counts;
    lines.push(JSON.stringify({ type: 'run_finished', at: end, summary: { runId, status: c.failed > 0 ? 'failed' : 'success', startedAt: t0, finishedAt: end, durationMs: end - t0, workers,
      counts: { scheduled: ids.length + 3, ran: c.done, alreadyComplete: 3, failed: c.failed, skipped: c.skipped, retried: c.retries, wouldRun: 0 }, groups: [], failures: [], skipped: [], plan: [], warnings: [] } }));
  }
  let text = lines.join('\n') + '\n';
  if (opts.truncate === true) text += '{"type":"task_done","id":"Cut(i=1)","fam';
  fs.writeFileSync(file, text);
  result.events = lines.length;
  return result;
}
