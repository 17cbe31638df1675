/**
 * Builds the RunSummary from the final state of every task the run looked at, in one pass
 * over them: counts, groups by outcome and family (parameters collapsed), and the listed
 * problems. Nothing is made per task beyond its place in its group (a noop of 100,000 tasks
 * is mostly this and the checks).
 */
import { collapseParams } from './collapse.js';
import { MAX_LISTED_PROBLEMS, type Outcome, type RetryCounts, type RunSummary, type SummaryGroup, type TaskProblem } from './summary.js';
import type { TaskNode, TaskState } from './run-state.js';
import type { Params } from './task.js';

const OUTCOME: Partial<Record<TaskState, Outcome>> = {
  complete: 'complete',
  done: 'ran',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'would-run',
  queued: 'would-run',
};

const COUNTED: Record<Outcome, 'ran' | 'alreadyComplete' | 'failed' | 'skipped' | 'wouldRun'> = {
  ran: 'ran',
  complete: 'alreadyComplete',
  failed: 'failed',
  skipped: 'skipped',
  'would-run': 'wouldRun',
};

export interface SummaryHeader {
  runId: string;
  status: RunSummary['status'];
  startedAt: number;
  finishedAt: number;
  workers: number;
  warnings: TaskProblem[];
  retries: RetryCounts;
}

interface Group {
  outcome: Outcome;
  family: string;
  params: Params[];
}

export function buildSummary(nodes: Iterable<TaskNode>, header: SummaryHeader): RunSummary {
  const counts = { scheduled: 0, ran: 0, alreadyComplete: 0, failed: 0, skipped: 0, retried: 0, wouldRun: 0 };
  // family → outcome → group; `ordered` keeps the groups in the order their first task came.
  const byFamily = new Map<string, Map<Outcome, Group>>();
  const ordered: Group[] = [];
  let last: Group | undefined; // tasks come in runs of one family and outcome: no lookup for each
  const problems: Record<'failed' | 'skipped' | 'would-run', TaskProblem[]> = { failed: [], skipped: [], 'would-run': [] };
  for (const node of nodes) {
    const outcome = OUTCOME[node.state];
    if (outcome === undefined) continue;
    counts.scheduled += 1;
    counts[COUNTED[outcome]] += 1;
    if (node.attempts > 1) counts.retried += 1;
    const family = node.task.family;
    if (last === undefined || last.family !== family || last.outcome !== outcome) last = groupOf(byFamily, ordered, family, outcome);
    last.params.push(node.task.params);
    if (outcome !== 'ran' && outcome !== 'complete' && problems[outcome].length < MAX_LISTED_PROBLEMS) problems[outcome].push(problemOf(node));
  }
  const groups: SummaryGroup[] = ordered.map((g) => ({ outcome: g.outcome, family: g.family, count: g.params.length, tasks: collapseParams(g.family, g.params) }));
  return {
    ...header,
    durationMs: header.finishedAt - header.startedAt,
    counts,
    groups,
    failures: problems.failed,
    skipped: problems.skipped,
    plan: problems['would-run'],
  };
}

function groupOf(byFamily: Map<string, Map<Outcome, Group>>, ordered: Group[], family: string, outcome: Outcome): Group {
  let outcomes = byFamily.get(family);
  if (outcomes === undefined) byFamily.set(family, (outcomes = new Map()));
  let group = outcomes.get(outcome);
  if (group === undefined) {
    outcomes.set(outcome, (group = { outcome, family, params: [] }));
    ordered.push(group);
  }
  return group;
}

function problemOf(node: TaskNode): TaskProblem {
  const problem: TaskProblem = { id: node.id, family: node.task.family, message: node.reason };
  if (node.code !== undefined) problem.code = node.code;
  if (node.state === 'failed' && node.hints !== undefined) problem.hints = [...node.hints];
  return problem;
}
