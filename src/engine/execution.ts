/**
 * Running the planned tasks: worker slots, retries with backoff, failure propagation,
 * fail-fast and interruption, and dependencies asked for at run time.
 */
import type { Clock } from './clock.js';
import { receiptOfRun } from './completeness.js';
import { errorMessage, isMallardError, MallardError } from './errors.js';
import type { EngineEvent } from './events.js';
import type { ReceiptStore } from './receipts.js';
import { classifyError, retryDelayMs } from './retry.js';
import { dependencyFailed, missingInput, notify, waitFor, type NodeQueue, type TaskNode } from './run-state.js';
import type { RunStatus } from './summary.js';
import type { RetryNote, Task, TaskContext } from './task.js';

/** What an Execution needs of the run around it (the scheduler): the graph, events, receipts. */
export interface ExecutionHost {
  readonly runId: string;
  readonly clock: Clock;
  readonly workers: number;
  readonly receipts: ReceiptStore;
  emit(event: EngineEvent): void;
  warned(node: TaskNode, message: string): void;
  retried(node: TaskNode, note: RetryNote): void;
  /**
   * Adds tasks `needer` asks for at run time to the graph and plans them: their nodes, and
   * the newly pending ones that are ready to start. ERR_CYCLE if one of them requires `needer`.
   */
  addNeeded(needer: TaskNode, tasks: readonly Task[]): Promise<{ targets: TaskNode[]; ready: TaskNode[] }>;
  allNodes(): Iterable<TaskNode>;
}

export interface ExecutionOptions {
  failFast: boolean;
  random: () => number;
  /** Aborting it interrupts the run. */
  signal: AbortSignal | undefined;
}

export class Execution {
  private running = 0;
  private inFlight = 0;
  private retryWaiting = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private stopReason: string | undefined;
  private interrupted = false;
  private readonly abort = new AbortController();
  private idle: (() => void) | undefined;
  private lastYield = performance.now();

  constructor(
    private readonly host: ExecutionHost,
    private readonly options: ExecutionOptions,
    private readonly queue: NodeQueue,
  ) {
    const external = options.signal;
    if (external !== undefined) {
      const onAbort = (): void => {
        this.interrupted = true;
        this.stop('not started: the run was interrupted');
      };
      if (external.aborted) onAbort();
      else external.addEventListener('abort', onAbort, { once: true });
    }
  }

  enqueue(node: TaskNode): void {
    node.state = 'queued';
    this.queue.push(node);
    this.pump();
  }

  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idle = resolve;
      this.checkIdle();
    });
  }

  /** 'interrupted' only when the interruption left work undone: a run that had finished says success. */
  status(): RunStatus {
    let failed = false;
    let undone = false;
    for (const node of this.host.allNodes()) {
      if (node.state === 'failed') failed = true;
      else if (node.state !== 'done' && node.state !== 'complete' && node.state !== 'unchecked') undone = true;
    }
    if (this.interrupted && (failed || undone)) return 'interrupted';
    return failed ? 'failed' : 'success';
  }

  private pump(): void {
    while (this.stopReason === undefined && this.running < this.host.workers && this.queue.length > 0) {
      const node = this.queue.shift() as TaskNode;
      if (node.state !== 'queued') continue;
      this.running += 1;
      void this.execute(node);
    }
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.idle === undefined || this.inFlight > 0 || this.retryWaiting > 0) return;
    if (this.queue.length > 0 && this.stopReason === undefined) return;
    for (const node of this.queue.drain()) if (node.state === 'queued') this.skip(node, this.stopReason ?? 'not started');
    const done = this.idle;
    this.idle = undefined;
    done();
  }

  private releaseSlot(): void {
    const waiter = this.slotWaiters.shift();
    if (waiter !== undefined) waiter();
    else this.running -= 1;
  }

  private acquireSlot(): Promise<void> {
    if (this.running < this.host.workers) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private async execute(node: TaskNode): Promise<void> {
    const { task } = node;
    node.state = 'running';
    node.attempts += 1;
    this.inFlight += 1;
    await this.yieldNowAndThen();
    const started = this.host.clock.now();
    this.host.emit({ type: 'task_started', id: node.id, family: task.family, at: started, attempt: node.attempts });
    let error: unknown;
    try {
      if (task.external) throw missingInput(task);
      await task.run(this.context(node));
      await this.recordSuccess(node, started);
    } catch (err) {
      error = err;
    }
    this.inFlight -= 1;
    this.releaseSlot();
    if (error === undefined) this.succeeded(node, started);
    else this.failedAttempt(node, error);
    this.pump();
  }

  /**
   * Thousands of quick tasks run back to back on microtasks alone; give timers and I/O (the
   * progress display, signals) a turn every 50 ms.
   */
  private async yieldNowAndThen(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < 50) return;
    this.lastYield = now;
    await new Promise((resolve) => setImmediate(resolve));
  }

  private context(node: TaskNode): TaskContext {
    return {
      runId: this.host.runId,
      attempt: node.attempts,
      signal: this.abort.signal,
      clock: this.host.clock,
      log: (message) => this.host.emit({ type: 'task_log', id: node.id, family: node.task.family, at: this.host.clock.now(), message }),
      warn: (message) => this.host.warned(node, message),
      need: (tasks) => this.need(node, tasks),
      retried: (note) => this.host.retried(node, note),
    };
  }

  private async recordSuccess(node: TaskNode, started: number): Promise<void> {
    const receipt = await receiptOfRun(node.task, node.deps.map((d) => d.task), node.dynamic ?? [], this.host.receipts, {
      runId: this.host.runId,
      started,
      finishedAt: () => this.host.clock.now(),
    });
    this.host.receipts.put(receipt);
  }

  private succeeded(node: TaskNode, started: number): void {
    node.state = 'done';
    const at = this.host.clock.now();
    this.host.emit({ type: 'task_done', id: node.id, family: node.task.family, at, attempt: node.attempts, durationMs: at - started });
    for (const dependent of node.dependents) {
      if (dependent.state !== 'pending') continue;
      dependent.waitingOn -= 1;
      if (dependent.waitingOn === 0) {
        dependent.state = 'queued';
        this.queue.push(dependent);
      }
    }
    notify(node, true);
  }

  private failedAttempt(node: TaskNode, err: unknown): void {
    const policy = node.task.retryPolicy();
    const verdict = classifyError(err, policy);
    const message = errorMessage(err);
    const code = isMallardError(err) ? err.code : undefined;
    node.hints = isMallardError(err) && err.suggestions.length > 0 ? err.suggestions : undefined;
    if (!verdict.retryable || node.attempts >= policy.maxAttempts || this.stopReason !== undefined) {
      this.fail(node, message, code);
      return;
    }
    const delayMs = retryDelayMs(policy, node.attempts, this.options.random, verdict.retryAfterMs);
    node.state = 'retry-wait';
    this.retryWaiting += 1;
    this.host.retried(node, { attempt: node.attempts, delayMs, error: message, ...(code === undefined ? {} : { code }), layer: 'task' });
    this.host.clock.sleep(delayMs, this.abort.signal).then(
      () => {
        this.retryWaiting -= 1;
        this.enqueue(node);
      },
      () => {
        this.retryWaiting -= 1;
        this.fail(node, message, code);
        this.checkIdle();
      },
    );
  }

  private fail(node: TaskNode, message: string, code: string | undefined): void {
    if (code === 'ERR_INTERRUPTED' && this.stopReason !== undefined) {
      // Stopped by the interruption, not broken: counted with what was not run.
      this.skip(node, `stopped before it finished: ${this.stopReason.replace(/^not started: /, '')}`);
      this.skipDownstream(node, `upstream not run: ${node.id}`);
      return;
    }
    node.state = 'failed';
    node.reason = message;
    node.code = code;
    this.host.emit({ type: 'task_failed', id: node.id, family: node.task.family, at: this.host.clock.now(), attempt: node.attempts, error: message, ...(code === undefined ? {} : { code }), ...(node.hints === undefined ? {} : { hints: [...node.hints] }) });
    notify(node, false);
    this.skipDownstream(node, `upstream failed: ${node.id}`);
    if (this.options.failFast) this.stop('not started: the run stopped at the first failure (--fail-fast)');
  }

  private skipDownstream(node: TaskNode, reason: string): void {
    const stack = [node];
    while (stack.length > 0) {
      const current = stack.pop() as TaskNode;
      for (const dependent of current.dependents) {
        if (dependent.state !== 'pending' && dependent.state !== 'queued') continue;
        this.skip(dependent, reason);
        stack.push(dependent);
      }
    }
  }

  private skip(node: TaskNode, reason: string): void {
    node.state = 'skipped';
    node.reason = reason;
    this.host.emit({ type: 'task_skipped', id: node.id, family: node.task.family, at: this.host.clock.now(), reason });
    notify(node, false);
  }

  private stop(reason: string): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.abort.abort(new MallardError('ERR_INTERRUPTED', reason));
    // Queued tasks too, at once: a task waiting in ctx.need() for one of them must hear it
    // was not run (otherwise it waits forever and the run never ends).
    for (const node of this.queue.drain()) if (node.state === 'queued') this.skip(node, reason);
    for (const node of this.host.allNodes()) if (node.state === 'pending' || node.state === 'queued') this.skip(node, reason);
    this.checkIdle();
  }

  private async need(node: TaskNode, tasks: readonly Task[]): Promise<void> {
    if (this.stopReason !== undefined) throw new MallardError('ERR_INTERRUPTED', this.stopReason);
    const { targets, ready } = await this.host.addNeeded(node, tasks);
    for (const r of ready) this.enqueue(r);
    (node.dynamic ??= []).push(...targets.map((t) => t.id));
    const open = targets.filter((t) => t.state !== 'complete' && t.state !== 'done');
    const broken = open.find((t) => t.state === 'failed' || t.state === 'skipped');
    if (broken !== undefined) throw dependencyFailed(node, broken);
    if (open.length === 0) return;
    this.releaseSlot();
    this.pump();
    try {
      await Promise.all(open.map((t) => waitFor(node, t)));
    } finally {
      await this.acquireSlot();
    }
  }
}
