/**
 * Deciding what runs: completeness checks of the whole graph below the requested tasks
 * (unlike Luigi, which stops at a complete task, so a changed or missing input anywhere is
 * noticed: one stat per output and the receipts in memory, nothing more), then "upstream
 * will run" propagation so a run converges: anything downstream of work done now is redone
 * now, not next time. The one boundary is a complete task stamped by its outputs
 * (`stampedBy: 'outputs'`, e.g. "an artifact is published"): it is complete on its outputs
 * whoever made them, so its upstream is not looked at (except for --force's forced tasks).
 */
import { checkTask } from './completeness.js';
import type { ReceiptStore } from './receipts.js';
import type { TaskNode } from './run-state.js';
import type { Task } from './task.js';

export interface PlanContext {
  receipts: ReceiptStore;
  isForced(node: TaskNode): boolean;
  /** Look below complete tasks too (needed to find forced tasks deep in the graph). */
  descendAll: boolean;
  onPending(node: TaskNode): void;
}

const NO_TASKS: readonly Task[] = Object.freeze([]);

/**
 * Checks `starts` and everything below them, except the upstream of a complete task stamped
 * by its outputs (see the header). With `descendAll` (--force), that upstream is searched
 * too, but only for forced tasks: an incomplete task found there is left alone (what it
 * feeds is complete on its own terms), unless a forced task makes what it feeds run, which
 * `propagate` then checks. An incomplete task found below complete ones is pending, and
 * `propagate` makes what depends on it pending too.
 */
export async function checkFrom(starts: readonly TaskNode[], ctx: PlanContext): Promise<void> {
  const stack = [...starts].reverse(); // popped in the order given: tasks start in that order
  const below: TaskNode[] = [];
  while (stack.length > 0) {
    const node = stack.pop() as TaskNode;
    if (node.state !== 'unchecked') continue;
    const checked = checkTask(node.task, node.deps.length === 0 ? NO_TASKS : node.deps.map((d) => d.task), ctx.receipts, ctx.isForced(node));
    const verdict = checked instanceof Promise ? await checked : checked;
    if (verdict.complete) {
      node.state = 'complete';
      if (node.task.stampedBy === 'outputs') {
        if (ctx.descendAll) below.push(...node.deps);
        continue;
      }
    } else markPending(node, verdict.reason, ctx);
    for (let i = node.deps.length - 1; i >= 0; i -= 1) {
      const dep = node.deps[i] as TaskNode;
      if (dep.state === 'unchecked') stack.push(dep);
    }
  }
  if (below.length > 0) await findForced(below, ctx);
}

/** Below complete tasks: forced tasks become pending (and are checked as usual); the rest stays unchecked. */
async function findForced(starts: readonly TaskNode[], ctx: PlanContext): Promise<void> {
  const seen = new Set<TaskNode>();
  const stack = [...starts];
  const forced: TaskNode[] = [];
  while (stack.length > 0) {
    const node = stack.pop() as TaskNode;
    if (seen.has(node) || node.state !== 'unchecked') continue;
    seen.add(node);
    if (ctx.isForced(node)) forced.push(node);
    else stack.push(...node.deps);
  }
  if (forced.length > 0) await checkFrom(forced, ctx);
}

/**
 * Turns complete tasks downstream of pending ones (within `scope`) into pending ones,
 * checking the upstream they now need, until nothing changes.
 */
export async function propagate(scope: ReadonlySet<TaskNode> | undefined, pending: readonly TaskNode[], ctx: PlanContext): Promise<void> {
  let frontier = [...pending];
  while (frontier.length > 0) {
    const woken: TaskNode[] = [];
    const seen = new Set<TaskNode>();
    const stack = [...frontier];
    while (stack.length > 0) {
      const node = stack.pop() as TaskNode;
      for (const dependent of node.dependents) {
        if (seen.has(dependent) || (scope !== undefined && !scope.has(dependent))) continue;
        seen.add(dependent);
        if (dependent.state === 'complete') {
          markPending(dependent, `upstream will run: ${node.id}`, ctx);
          woken.push(dependent);
          stack.push(dependent);
        }
      }
    }
    const unchecked = woken.flatMap((n) => n.deps.filter((d) => d.state === 'unchecked'));
    const before = new Set(unchecked);
    await checkFrom(unchecked, ctx);
    frontier = [...before].filter((n) => n.state === 'pending');
  }
}

function markPending(node: TaskNode, reason: string, ctx: PlanContext): void {
  node.state = 'pending';
  node.reason = reason;
  ctx.onPending(node);
}

/** Counts each pending task's unfinished dependencies; returns the ones ready to start. */
export function readyNodes(pending: readonly TaskNode[]): TaskNode[] {
  const ready: TaskNode[] = [];
  for (const node of pending) {
    if (node.state !== 'pending') continue;
    let waiting = 0;
    for (const dep of node.deps) if (dep.state !== 'complete' && dep.state !== 'done') waiting += 1;
    node.waitingOn = waiting;
    if (waiting === 0) ready.push(node);
  }
  return ready;
}
