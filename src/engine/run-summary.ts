/** Builds the RunSummary from the final state of every task the run looked at. */
import { groupOutcomes, listProblems, type FinishedTask, type Outcome, type RetryCounts, type RunSummary, type TaskProblem } from './summary.js';
import type { TaskNode, TaskState } from './run-state.js';

const OUTCOME: Partial<Record<TaskState, Outcome>> = {
  complete: 'complete',
  done: 'ran',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'would-run',
  queued: 'would-run',
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

export function buildSummary(nodes: Iterable<TaskNode>, header: SummaryHeader): RunSummary {
  const finished: FinishedTask[] = [];
  let retried = 0;
  for (const node of nodes) {
    const outcome = OUTCOME[node.state];
    if (outcome === undefined) continue;
    if (node.attempts > 1) retried += 1;
    const task: FinishedTask = { id: node.id, family: node.task.family, params: node.task.params, outcome, attempts: node.attempts };
    if (node.reason !== '') task.message = node.reason;
    if (node.code !== undefined) task.code = node.code;
    if (node.state === 'failed' && node.hints !== undefined) task.hints = node.hints;
    finished.push(task);
  }
  const count = (o: Outcome): number => finished.reduce((n, t) => (t.outcome === o ? n + 1 : n), 0);
  return {
    ...header,
    durationMs: header.finishedAt - header.startedAt,
    counts: {
      scheduled: finished.length,
      ran: count('ran'),
      alreadyComplete: count('complete'),
      failed: count('failed'),
      skipped: count('skipped'),
      retried,
      wouldRun: count('would-run'),
    },
    groups: groupOutcomes(finished),
    failures: listProblems(finished, 'failed'),
    skipped: listProblems(finished, 'skipped'),
    plan: listProblems(finished, 'would-run'),
  };
}
