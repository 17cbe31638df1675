/** The scheduler's per-task state: plain records over the graph, owned by one run. */
import { MallardError } from './errors.js';
import type { GraphNode } from './graph.js';
import type { Task } from './task.js';

export type TaskState =
  | 'unchecked' // in the graph, completeness not looked at (a complete task's upstream)
  | 'complete' // complete before this run
  | 'pending' // will run once its dependencies are done
  | 'queued' // ready, waiting for a worker
  | 'running'
  | 'retry-wait' // failed an attempt, waiting to try again
  | 'done' // ran successfully in this run
  | 'failed'
  | 'skipped'; // not run: an upstream task failed, or the run stopped

export interface TaskNode extends GraphNode {
  readonly task: Task;
  deps: TaskNode[];
  dependents: TaskNode[];
  state: TaskState;
  /** Why it runs (pending), or why it failed or was skipped. */
  reason: string;
  code: string | undefined;
  /** What the user can do about a failure (a MallardError's suggestions), when it said. */
  hints?: readonly string[];
  /** Dependencies not yet done. */
  waitingOn: number;
  attempts: number;
  /** Ids asked for at run time through ctx.need() (made when the first is asked for). */
  dynamic: string[] | undefined;
  /** Called once when the task ends: true when done or complete (made when the first waits). */
  listeners: Array<(ok: boolean) => void> | undefined;
}

/** The dependencies (and dependents) of a node that has none yet: one frozen array (graph.ts replaces it at the first). */
const NO_DEPS = Object.freeze([]) as unknown as TaskNode[];

export function makeNode(task: Task): TaskNode {
  return {
    id: task.id,
    task,
    deps: NO_DEPS,
    dependents: NO_DEPS,
    state: 'unchecked',
    reason: '',
    code: undefined,
    waitingOn: 0,
    attempts: 0,
    dynamic: undefined,
    listeners: undefined,
  };
}

/** A FIFO of nodes with O(1) push and shift. */
export class NodeQueue {
  private items: TaskNode[] = [];
  private head = 0;

  push(node: TaskNode): void {
    this.items.push(node);
  }

  shift(): TaskNode | undefined {
    if (this.head >= this.items.length) return undefined;
    const node = this.items[this.head++];
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return node;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  drain(): TaskNode[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

/** Resolves when `dep` ends done or complete; rejects (ERR_DEPENDENCY_FAILED, or ERR_INTERRUPTED) when it fails or is not run. */
export function waitFor(needer: TaskNode, dep: TaskNode): Promise<void> {
  return new Promise((resolve, reject) => {
    (dep.listeners ??= []).push((ok) => (ok ? resolve() : reject(dependencyFailed(needer, dep))));
  });
}

export function dependencyFailed(needer: TaskNode, dep: TaskNode): MallardError {
  const what = dep.state === 'failed' ? 'failed' : 'was not run';
  if (dep.state === 'skipped' && dep.reason.includes('interrupted')) {
    return new MallardError('ERR_INTERRUPTED', `${needer.id} needed ${dep.id}, which ${what}: ${dep.reason}`, { retryable: false });
  }
  return new MallardError('ERR_DEPENDENCY_FAILED', `${needer.id} needed ${dep.id}, which ${what}: ${dep.reason}`, {
    context: { task: needer.id, dependency: dep.id },
    retryable: false,
  });
}

/** Tells everyone waiting on `node` how it ended. */
export function notify(node: TaskNode, ok: boolean): void {
  const listeners = node.listeners;
  node.listeners = undefined;
  for (const listener of listeners ?? []) listener(ok);
}

export function missingInput(task: Task): MallardError {
  const missing = task.outputs().map((t) => t.description).join(', ');
  return new MallardError('ERR_MISSING_INPUT', `missing input ${missing} (${task.id} is not produced by mallard)`, {
    context: { task: task.id },
    retryable: false,
  });
}
