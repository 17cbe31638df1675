/**
 * Running the planned tasks: worker slots, retries with backoff, failure propagation,
 * fail-fast and interruption, and dependencies asked for at run time.
 */
import { outputStamps, inputStamps } from './completeness.js';
import { errorMessage, isMallardError, MallardError } from './errors.js';
import { dependsOn } from './graph.js';
import { readyNodes } from './planner.js';
import { hashStamps, MAX_EXPLAINED_INPUTS, type Receipt } from './receipts.js';
import { classifyError, retryDelayMs } from './retry.js';
import type { TaskNode } from './run-state.js';
import type { NodeQueue } from './run-state.js';
import type { RunOptions, Scheduler } from './scheduler.js';
import type { RunStatus } from './summary.js';
import type { Task, TaskContext } from './task.js';

export class Execution {
  private running = 0;
  private inFlight = 0;
  private retryWaiting = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private stopReason: string | undefined;
  private interrupted = false;
  private readonly abort = new AbortController();
  private idle: (() => void) | undefined;
  private readonly random: () => number;
  private lastYield = performance.now();

  constructor(
    private readonly s: Scheduler,
    private readonly options: RunOptions,
    private readonly queue: NodeQueue,
  ) {
    this.random = options.random ?? Math.random;
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

  status(): RunStatus {
    let failed = false;
    for (const node of this.s.nodes.values()) if (node.state === 'failed') failed = true;
    if (this.interrupted) return 'interrupted';
    return failed ? 'failed' : 'success';
  }

  private pump(): void {
    while (this.stopReason === undefined && this.running < this.s.workers && this.queue.length > 0) {
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
    if (this.running < this.s.workers) {
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
    const started = this.s.clock.now();
    this.s.emit({ type: 'task_started', id: node.id, family: task.family, at: started, attempt: node.attempts });
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
      runId: this.s.runId,
      attempt: node.attempts,
      signal: this.abort.signal,
      clock: this.s.clock,
      log: (message) => this.s.emit({ type: 'task_log', id: node.id, family: node.task.family, at: this.s.clock.now(), message }),
      warn: (message) => {
        this.s.warnings.push({ id: node.id, family: node.task.family, message });
        this.s.emit({ type: 'task_warning', id: node.id, family: node.task.family, at: this.s.clock.now(), message });
      },
      need: (tasks) => this.need(node, tasks),
    };
  }

  private async recordSuccess(node: TaskNode, started: number): Promise<void> {
    const outputs = await outputStamps(node.task);
    const missing = [...outputs].filter(([, stamp]) => stamp === undefined).map(([d]) => d);
    if (missing.length > 0) {
      throw new MallardError('ERR_OUTPUT_MISSING', `${node.id} finished without producing ${missing.join(', ')}`, {
        context: { task: node.id, missing },
        retryable: false,
      });
    }
    const inputs = await inputStamps(node.deps.map((d) => d.task), node.dynamic, this.s.receipts);
    const finishedAt = this.s.clock.now();
    const receipt: Receipt = {
      taskId: node.id,
      runId: this.s.runId,
      finishedAt,
      durationMs: finishedAt - started,
      version: node.task.version,
      inputs: hashStamps(inputs),
      outputs: Object.fromEntries(outputs) as Record<string, string>,
    };
    if (inputs.size > 0 && inputs.size <= MAX_EXPLAINED_INPUTS) receipt.inputStamps = Object.fromEntries(inputs);
    if (node.dynamic.length > 0) receipt.dynamic = [...new Set(node.dynamic)];
    this.s.receipts.put(receipt);
  }

  private succeeded(node: TaskNode, started: number): void {
    node.state = 'done';
    const at = this.s.clock.now();
    this.s.emit({ type: 'task_done', id: node.id, family: node.task.family, at, attempt: node.attempts, durationMs: at - started });
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
    if (!verdict.retryable || node.attempts >= policy.maxAttempts || this.stopReason !== undefined) {
      this.fail(node, message, code);
      return;
    }
    const delayMs = retryDelayMs(policy, node.attempts, this.random, verdict.retryAfterMs);
    node.state = 'retry-wait';
    this.retryWaiting += 1;
    this.s.emit({ type: 'task_retry', id: node.id, family: node.task.family, at: this.s.clock.now(), attempt: node.attempts, delayMs, error: message, ...(code === undefined ? {} : { code }) });
    this.s.clock.sleep(delayMs, this.abort.signal).then(
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
    node.state = 'failed';
    node.reason = message;
    node.code = code;
    this.s.emit({ type: 'task_failed', id: node.id, family: node.task.family, at: this.s.clock.now(), attempt: node.attempts, error: message, ...(code === undefined ? {} : { code }) });
    notify(node, false);
    const stack = [node];
    while (stack.length > 0) {
      const current = stack.pop() as TaskNode;
      for (const dependent of current.dependents) {
        if (dependent.state !== 'pending' && dependent.state !== 'queued') continue;
        this.skip(dependent, `upstream failed: ${node.id}`);
        stack.push(dependent);
      }
    }
    if (this.options.failFast === true) this.stop('not started: the run stopped at the first failure (--fail-fast)');
  }

  private skip(node: TaskNode, reason: string): void {
    node.state = 'skipped';
    node.reason = reason;
    this.s.emit({ type: 'task_skipped', id: node.id, family: node.task.family, at: this.s.clock.now(), reason });
    notify(node, false);
  }

  private stop(reason: string): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.abort.abort(new MallardError('ERR_INTERRUPTED', reason));
    for (const node of this.s.nodes.values()) if (node.state === 'pending') this.skip(node, reason);
    this.checkIdle();
  }

  private async need(node: TaskNode, tasks: readonly Task[]): Promise<void> {
    if (this.stopReason !== undefined) throw new MallardError('ERR_INTERRUPTED', this.stopReason);
    const { targets, added } = this.s.add(tasks);
    for (const target of targets) {
      if (target === node || dependsOn(target, node)) {
        throw new MallardError('ERR_CYCLE', `dependency cycle: ${node.id} needs ${target.id}, which requires ${node.id}`, { retryable: false });
      }
    }
    const pending = await this.s.plan(targets, new Set(added));
    for (const ready of readyNodes(pending)) this.enqueue(ready);
    node.dynamic.push(...targets.map((t) => t.id));
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

function waitFor(needer: TaskNode, dep: TaskNode): Promise<void> {
  return new Promise((resolve, reject) => {
    dep.listeners.push((ok) => (ok ? resolve() : reject(dependencyFailed(needer, dep))));
  });
}

function dependencyFailed(needer: TaskNode, dep: TaskNode): MallardError {
  const what = dep.state === 'failed' ? 'failed' : 'was not run';
  return new MallardError('ERR_DEPENDENCY_FAILED', `${needer.id} needed ${dep.id}, which ${what}: ${dep.reason}`, {
    context: { task: needer.id, dependency: dep.id },
    retryable: false,
  });
}

function notify(node: TaskNode, ok: boolean): void {
  const listeners = node.listeners;
  node.listeners = [];
  for (const listener of listeners) listener(ok);
}

function missingInput(task: Task): MallardError {
  const missing = task.outputs().map((t) => t.description).join(', ');
  return new MallardError('ERR_MISSING_INPUT', `missing input ${missing} (${task.id} is not produced by mallard)`, {
    context: { task: task.id },
    retryable: false,
  });
}
