/** The scheduler's per-task state: plain records over the graph, owned by one run. */
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
  readonly deps: TaskNode[];
  readonly dependents: TaskNode[];
  state: TaskState;
  /** Why it runs (pending), or why it failed or was skipped. */
  reason: string;
  code: string | undefined;
  /** Dependencies not yet done. */
  waitingOn: number;
  attempts: number;
  /** Ids asked for at run time through ctx.need(). */
  dynamic: string[];
  /** Called once when the task ends: true when done or complete. */
  listeners: Array<(ok: boolean) => void>;
}

export function makeNode(task: Task): TaskNode {
  return {
    id: task.id,
    task,
    deps: [],
    dependents: [],
    state: 'unchecked',
    reason: '',
    code: undefined,
    waitingOn: 0,
    attempts: 0,
    dynamic: [],
    listeners: [],
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
