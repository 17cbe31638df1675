/**
 * The scheduler: runs the incomplete part of a task graph in dependency order with N
 * concurrent workers in one process, retrying per each task's policy, skipping what is
 * downstream of a failure, and accepting dependencies discovered at run time (ctx.need).
 * Task failures are results in the summary, never exceptions; only a bad graph (a cycle)
 * throws.
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import type { EngineEvent, EventListener } from './events.js';
import { expandGraph } from './graph.js';
import { checkFrom, propagate, readyNodes, type PlanContext } from './planner.js';
import { MemoryReceiptStore, type ReceiptStore } from './receipts.js';
import { makeNode, NodeQueue, type TaskNode } from './run-state.js';
import { Execution } from './execution.js';
import { buildSummary } from './run-summary.js';
import { MAX_LISTED_PROBLEMS, type RunSummary, type TaskProblem } from './summary.js';
import type { Task } from './task.js';

export interface RunOptions {
  runId?: string;
  /** Tasks running at once (default 4). */
  workers?: number;
  /** Stop starting tasks after the first failure. */
  failFast?: boolean;
  /** Decide what would run, and why, without running anything. */
  dryRun?: boolean;
  /** Task ids or families to rerun even when complete (their downstream reruns too). */
  force?: readonly string[];
  receipts?: ReceiptStore;
  clock?: Clock;
  /** Source of jitter for retry delays (default Math.random). */
  random?: () => number;
  /** Aborting it interrupts the run: running tasks see the signal, nothing new starts. */
  signal?: AbortSignal;
  onEvent?: EventListener;
}

export function newRunId(clock: Clock = systemClock): string {
  const stamp = new Date(clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runTasks(roots: readonly Task[], options: RunOptions = {}): Promise<RunSummary> {
  const scheduler = new Scheduler(options);
  return scheduler.run(roots);
}

class Scheduler {
  readonly nodes = new Map<string, TaskNode>();
  readonly clock: Clock;
  readonly runId: string;
  readonly receipts: ReceiptStore;
  readonly workers: number;
  readonly warnings: TaskProblem[] = [];
  private readonly force: ReadonlySet<string>;
  private readonly queue = new NodeQueue();
  private readonly startedAt: number;
  private newlyPending: TaskNode[] = [];

  constructor(readonly options: RunOptions) {
    this.clock = options.clock ?? systemClock;
    this.runId = options.runId ?? newRunId(this.clock);
    this.receipts = options.receipts ?? new MemoryReceiptStore();
    this.workers = Math.max(1, options.workers ?? 4);
    this.force = new Set(options.force ?? []);
    this.startedAt = this.clock.now();
  }

  emit(event: EngineEvent): void {
    this.options.onEvent?.(event);
  }

  async run(roots: readonly Task[]): Promise<RunSummary> {
    const dryRun = this.options.dryRun === true;
    const rootNodes = this.add(roots).targets;
    this.emit({ type: 'run_started', runId: this.runId, at: this.startedAt, roots: roots.map((t) => t.id), workers: this.workers, dryRun });
    const pending = await this.plan(rootNodes, undefined);
    this.emitPlanned();
    if (dryRun) return this.finish('dry-run');
    const execution = new Execution(this, this.options, this.queue);
    for (const node of readyNodes(pending)) execution.enqueue(node);
    await execution.whenIdle();
    return this.finish(execution.status());
  }

  /** Adds tasks (and their requirements) to the graph: their nodes, and the nodes that are new. */
  add(tasks: readonly Task[]): { targets: TaskNode[]; added: TaskNode[] } {
    const added = expandGraph(this.nodes, tasks, (t) => t.id, makeNode, (n: TaskNode) => n.task.requires());
    return { targets: tasks.map((t) => this.nodes.get(t.id) as TaskNode), added };
  }

  /** Checks from `starts`, propagates within `scope`; returns the tasks that became pending. */
  async plan(starts: readonly TaskNode[], scope: ReadonlySet<TaskNode> | undefined): Promise<TaskNode[]> {
    this.newlyPending = [];
    const ctx: PlanContext = {
      receipts: this.receipts,
      isForced: (n) => this.force.has(n.id) || this.force.has(n.task.family),
      descendAll: this.force.size > 0,
      onPending: (n) => {
        this.newlyPending.push(n);
        this.emit({ type: 'task_pending', id: n.id, family: n.task.family, at: this.clock.now(), reason: n.reason });
      },
    };
    await checkFrom(starts, ctx);
    await propagate(scope, this.newlyPending.slice(), ctx);
    return this.newlyPending;
  }

  private emitPlanned(): void {
    const byFamily: Record<string, { toRun: number; complete: number }> = {};
    let toRun = 0;
    let complete = 0;
    for (const node of this.nodes.values()) {
      if (node.state !== 'pending' && node.state !== 'complete') continue;
      const f = (byFamily[node.task.family] ??= { toRun: 0, complete: 0 });
      if (node.state === 'pending') {
        f.toRun += 1;
        toRun += 1;
      } else {
        f.complete += 1;
        complete += 1;
      }
    }
    this.emit({ type: 'tasks_planned', at: this.clock.now(), toRun, complete, byFamily });
  }

  private async finish(status: RunSummary['status']): Promise<RunSummary> {
    await this.receipts.flush();
    const finishedAt = this.clock.now();
    const summary = buildSummary(this.nodes.values(), {
      runId: this.runId,
      status,
      startedAt: this.startedAt,
      finishedAt,
      workers: this.workers,
      warnings: this.warnings.slice(0, MAX_LISTED_PROBLEMS),
    });
    this.emit({ type: 'run_finished', at: finishedAt, summary });
    return summary;
  }
}

export type { Scheduler };
