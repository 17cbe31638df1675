/**
 * The scheduler: runs the incomplete part of a task graph in dependency order with N
 * concurrent workers in one process, retrying per each task's policy, skipping what is
 * downstream of a failure, and accepting dependencies discovered at run time (ctx.need).
 * Task failures are results in the summary, never exceptions; only a bad request throws:
 * a cycle (ERR_CYCLE) or a --force value naming nothing (ERR_USAGE), both from
 * `prepareRun`, before anything is locked, logged or run.
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import type { EngineEvent, EventListener } from './events.js';
import { FamilyGraph } from './family-graph.js';
import { checkForce } from './force.js';
import { dependsOn, expandGraph } from './graph.js';
import { MallardError } from './errors.js';
import { checkFrom, propagate, readyNodes, type PlanContext } from './planner.js';
import { MemoryReceiptStore, type ReceiptStore } from './receipts.js';
import { makeNode, NodeQueue, type TaskNode } from './run-state.js';
import { Execution, type ExecutionHost } from './execution.js';
import { buildSummary } from './run-summary.js';
import { countRetry, emptyRetryCounts, MAX_LISTED_PROBLEMS, type RunSummary, type TaskProblem } from './summary.js';
import { graphRequires, type RetryNote, type Task } from './task.js';

/** Everything a run is asked to do, as one object from the command line down. */
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
  /** Families whose tasks appear only at run time (ctx.need): --force accepts them too. */
  runtimeFamilies?: readonly string[];
  receipts?: ReceiptStore;
  clock?: Clock;
  /** Source of jitter for retry delays (default Math.random). */
  random?: () => number;
  /** Aborting it interrupts the run: nothing new starts, running tasks see the signal. */
  signal?: AbortSignal;
  onEvent?: EventListener;
}

/** A graph built and checked, ready to run once. */
export interface PreparedRun {
  readonly runId: string;
  /** Runs it; `receipts` and `onEvent` given here replace the options' (the session opens them after its lock). */
  execute(late?: Pick<RunOptions, 'receipts' | 'onEvent'>): Promise<RunSummary>;
}

const notForced = (): boolean => false;

/** Minimum time between two `graph` events while run-time dependencies grow the graph. */
const GRAPH_EVENT_INTERVAL_MS = 300;

export function newRunId(clock: Clock = systemClock): string {
  const stamp = new Date(clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Builds the graph from `requires()` and checks --force against it (ERR_CYCLE, ERR_USAGE). */
export function prepareRun(roots: readonly Task[], options: RunOptions = {}): PreparedRun {
  const scheduler = new Scheduler(options);
  const rootNodes = scheduler.add(roots).targets;
  if ((options.force ?? []).length > 0) {
    const families = new Set([...scheduler.nodes.values()].map((n) => n.task.family));
    checkForce(options.force ?? [], { ids: scheduler.nodes, families }, options.runtimeFamilies ?? []);
  }
  let started = false;
  return {
    runId: scheduler.runId,
    execute: (late = {}) => {
      if (started) throw new Error('a prepared run runs once');
      started = true;
      scheduler.late(late);
      return scheduler.run(rootNodes);
    },
  };
}

export async function runTasks(roots: readonly Task[], options: RunOptions = {}): Promise<RunSummary> {
  return prepareRun(roots, options).execute();
}

class Scheduler implements ExecutionHost {
  readonly nodes = new Map<string, TaskNode>();
  readonly clock: Clock;
  readonly runId: string;
  receipts: ReceiptStore;
  readonly workers: number;
  private onEvent: EventListener | undefined;
  private readonly warnings: TaskProblem[] = [];
  private readonly retries = emptyRetryCounts();
  private readonly graph = new FamilyGraph();
  private lastGraphAt = Number.NEGATIVE_INFINITY;
  private readonly force: ReadonlySet<string>;
  private readonly queue = new NodeQueue();
  private startedAt: number;
  private newlyPending: TaskNode[] = [];

  constructor(private readonly options: RunOptions) {
    this.clock = options.clock ?? systemClock;
    this.runId = options.runId ?? newRunId(this.clock);
    this.receipts = options.receipts ?? new MemoryReceiptStore();
    this.workers = Math.max(1, options.workers ?? 4);
    this.force = new Set(options.force ?? []);
    this.onEvent = options.onEvent;
    this.startedAt = this.clock.now();
  }

  late(late: Pick<RunOptions, 'receipts' | 'onEvent'>): void {
    if (late.receipts !== undefined) this.receipts = late.receipts;
    if (late.onEvent !== undefined) this.onEvent = late.onEvent;
  }

  emit(event: EngineEvent): void {
    this.onEvent?.(event);
  }

  allNodes(): Iterable<TaskNode> {
    return this.nodes.values();
  }

  warned(node: TaskNode, message: string): void {
    this.warnings.push({ id: node.id, family: node.task.family, message });
    this.emit({ type: 'task_warning', id: node.id, family: node.task.family, at: this.clock.now(), message });
  }

  retried(node: TaskNode, note: RetryNote): void {
    countRetry(this.retries, node.task.family, note.layer);
    const { attempt, delayMs, error, code, layer } = note;
    this.emit({ type: 'task_retry', id: node.id, family: node.task.family, at: this.clock.now(), attempt, delayMs, error, ...(code === undefined ? {} : { code }), layer });
  }

  async run(rootNodes: TaskNode[]): Promise<RunSummary> {
    this.startedAt = this.clock.now();
    const dryRun = this.options.dryRun === true;
    this.emit({ type: 'run_started', runId: this.runId, at: this.startedAt, roots: rootNodes.map((n) => n.id), workers: this.workers, dryRun });
    const pending = await this.plan(rootNodes, undefined);
    this.emitPlanned();
    this.emitGraph();
    if (dryRun) return this.finish('dry-run');
    const execution = new Execution(this, { failFast: this.options.failFast === true, random: this.options.random ?? Math.random, signal: this.options.signal }, this.queue);
    for (const node of readyNodes(pending)) execution.enqueue(node);
    await execution.whenIdle();
    return this.finish(execution.status());
  }

  /** Adds tasks (and their requirements) to the graph: their nodes, and the nodes that are new. */
  add(tasks: readonly Task[]): { targets: TaskNode[]; added: TaskNode[] } {
    const added = expandGraph(this.nodes, tasks, (t) => t.id, makeNode, (n: TaskNode) => graphRequires(n.task));
    this.graph.addNodes(added);
    return { targets: tasks.map((t) => this.nodes.get(t.id) as TaskNode), added };
  }

  async addNeeded(needer: TaskNode, tasks: readonly Task[]): Promise<{ targets: TaskNode[]; ready: TaskNode[] }> {
    const { targets, added } = this.add(tasks);
    for (const target of targets) {
      if (target === needer || dependsOn(target, needer)) {
        throw new MallardError('ERR_CYCLE', `dependency cycle: ${needer.id} needs ${target.id}, which requires ${needer.id}`, { retryable: false });
      }
    }
    this.graph.addNeeded(needer, targets);
    const pending = await this.plan(targets, new Set(added));
    if (this.clock.now() - this.lastGraphAt >= GRAPH_EVENT_INTERVAL_MS) this.emitGraph();
    return { targets, ready: readyNodes(pending) };
  }

  /** Checks from `starts`, propagates within `scope`; returns the tasks that became pending. */
  private async plan(starts: readonly TaskNode[], scope: ReadonlySet<TaskNode> | undefined): Promise<TaskNode[]> {
    this.newlyPending = [];
    const ctx: PlanContext = {
      receipts: this.receipts,
      isForced: this.force.size === 0 ? notForced : (n) => this.force.has(n.id) || this.force.has(n.task.family),
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

  private emitGraph(): void {
    this.lastGraphAt = this.clock.now();
    this.emit(this.graph.snapshot(this.lastGraphAt));
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
    if (this.graph.dirty) this.emitGraph();
    const finishedAt = this.clock.now();
    const summary = buildSummary(this.nodes.values(), {
      runId: this.runId,
      status,
      startedAt: this.startedAt,
      finishedAt,
      workers: this.workers,
      warnings: this.warnings.slice(0, MAX_LISTED_PROBLEMS),
      retries: this.retries,
    });
    this.emit({ type: 'run_finished', at: finishedAt, summary });
    return summary;
  }
}
