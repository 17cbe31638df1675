/**
 * The end-of-run summary: what was scheduled, what ran, what was already complete, what
 * failed (with its error) and what was skipped because of it, grouped by family with
 * parameters collapsed. Plain data (for --json and the run log) plus a text rendering.
 */

export type Outcome = 'ran' | 'complete' | 'failed' | 'skipped' | 'would-run';
export type RunStatus = 'success' | 'failed' | 'interrupted' | 'dry-run';

export interface SummaryGroup {
  outcome: Outcome;
  family: string;
  count: number;
  /** The tasks, collapsed: `Leaf(i=0...4999)`. */
  tasks: string;
}

export interface TaskProblem {
  id: string;
  family: string;
  /** The error (for failures) or the reason (for skips). */
  message: string;
  code?: string;
  /** What the user can do about it (a failure's suggestions). */
  hints?: string[];
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  workers: number;
  counts: { scheduled: number; ran: number; alreadyComplete: number; failed: number; skipped: number; retried: number; wouldRun: number };
  groups: SummaryGroup[];
  /** Failed tasks, each with its error (at most MAX_LISTED_PROBLEMS). */
  failures: TaskProblem[];
  /** Skipped tasks, each with the reason (at most MAX_LISTED_PROBLEMS). */
  skipped: TaskProblem[];
  /** For a dry run: each task that would run, with why (at most MAX_LISTED_PROBLEMS). */
  plan: TaskProblem[];
  /** Every retry of the run, at any layer ('task': the engine reran a task; 'http': a request inside one), total and per family. */
  retries: RetryCounts;
  /** What tasks warned about while succeeding (ctx.warn), e.g. a crawl that got fewer datasets than reported. */
  warnings: TaskProblem[];
}

export const MAX_LISTED_PROBLEMS = 200;

export interface RetryCounts {
  total: number;
  byLayer: Record<string, number>;
  /** family → layer → retries. */
  byFamily: Record<string, Record<string, number>>;
}

export function emptyRetryCounts(): RetryCounts {
  return { total: 0, byLayer: {}, byFamily: {} };
}

export function countRetry(counts: RetryCounts, family: string, layer: string): void {
  counts.total += 1;
  counts.byLayer[layer] = (counts.byLayer[layer] ?? 0) + 1;
  const f = (counts.byFamily[family] ??= {});
  f[layer] = (f[layer] ?? 0) + 1;
}

/** `5 retries: 3 http, 2 task (CkanPage 4, Leaf 1)`, or undefined without retries. */
export function formatRetries(r: RetryCounts | undefined): string | undefined {
  if (r === undefined || r.total === 0) return undefined;
  const layers = Object.entries(r.byLayer).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${n} ${l}`);
  const families = Object.entries(r.byFamily)
    .map(([f, by]) => [f, Object.values(by).reduce((a, b) => a + b, 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${f} ${n}`);
  return `${r.total} retr${r.total === 1 ? 'y' : 'ies'}: ${layers.join(', ')} (${families.join(', ')})`;
}

const HEADINGS: Record<Outcome, string> = {
  complete: 'complete already',
  ran: 'ran successfully',
  failed: 'failed',
  skipped: 'skipped',
  'would-run': 'would run',
};

/** The summary as text, like Luigi's execution summary but with the outcome stated plainly. */
export function formatSummary(s: RunSummary): string {
  const lines = [`===== mallard run ${s.runId}: ${s.status.toUpperCase()} (${(s.durationMs / 1000).toFixed(1)} s) =====`];
  lines.push(`Scheduled ${s.counts.scheduled} task${s.counts.scheduled === 1 ? '' : 's'} of which:`);
  for (const outcome of ['complete', 'ran', 'would-run', 'failed', 'skipped'] as const) {
    const groups = s.groups.filter((g) => g.outcome === outcome);
    if (groups.length === 0) continue;
    const total = groups.reduce((n, g) => n + g.count, 0);
    lines.push(`* ${total} ${HEADINGS[outcome]}:`);
    for (const g of groups) lines.push(`    - ${g.count} ${g.tasks}`);
  }
  if (s.counts.retried > 0) lines.push(`* ${s.counts.retried} needed more than one attempt`);
  const retries = formatRetries(s.retries);
  if (retries !== undefined) lines.push(`* ${retries}`);
  for (const f of s.failures) {
    lines.push(`  failed: ${f.id}: ${f.code === undefined ? '' : `[${f.code}] `}${f.message}`);
    for (const hint of f.hints ?? []) lines.push(`    hint: ${hint}`);
  }
  if (s.counts.failed > s.failures.length) lines.push(`  ... and ${s.counts.failed - s.failures.length} more failures (see the run log)`);
  const skipReasons = new Map<string, number>();
  for (const k of s.skipped) skipReasons.set(k.message, (skipReasons.get(k.message) ?? 0) + 1);
  for (const [reason, n] of [...skipReasons].slice(0, 10)) lines.push(`  skipped ${n}: ${reason}`);
  for (const w of s.warnings) lines.push(`WARNING ${w.id}: ${w.message}`);
  lines.push(closingLine(s));
  return lines.join('\n');
}

function closingLine(s: RunSummary): string {
  switch (s.status) {
    case 'success':
      return s.counts.ran === 0 ? 'Nothing to do: everything asked for was complete.' : 'Every requested task is complete.';
    case 'dry-run':
      return `Dry run: ${s.counts.wouldRun} task${s.counts.wouldRun === 1 ? '' : 's'} would run; nothing was run.`;
    case 'interrupted':
      return `Interrupted: ${s.counts.failed} failed, ${s.counts.skipped} not run.`;
    default:
      return `Failed: ${s.counts.failed} task${s.counts.failed === 1 ? '' : 's'} failed, ${s.counts.skipped} skipped.`;
  }
}
