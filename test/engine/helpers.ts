/** In-memory targets and configurable tasks for engine tests: no files, no clocks, no sleeps. */
import type { Target } from '../../src/engine/target.js';
import { NO_RETRY, Task, type RetryPolicy, type TaskContext } from '../../src/engine/task.js';

/** A tiny in-memory "file system": each write bumps the entry's version (its stamp). */
export class MemFs {
  private readonly entries = new Map<string, { data: string; version: number }>();
  private version = 0;

  write(key: string, data: string): void {
    this.version += 1;
    this.entries.set(key, { data, version: this.version });
  }

  read(key: string): string | undefined {
    return this.entries.get(key)?.data;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  stamp(key: string): string | undefined {
    const e = this.entries.get(key);
    return e === undefined ? undefined : `v${e.version}`;
  }
}

export class MemTarget implements Target {
  constructor(readonly fs: MemFs, readonly key: string) {}
  get description(): string {
    return `mem:${this.key}`;
  }
  async exists(): Promise<boolean> {
    return this.fs.stamp(this.key) !== undefined;
  }
  async stamp(): Promise<string | undefined> {
    return this.fs.stamp(this.key);
  }
}

export interface SpecOptions {
  family?: string;
  requires?: () => Task[];
  /** Replaces the default run (which writes the output). Return normally to succeed. */
  run?: (ctx: TaskContext, task: SpecTask) => Promise<void>;
  retry?: RetryPolicy;
  version?: string;
  external?: boolean;
  /** Don't write the output on run (to test the post-run output check). */
  skipWrite?: boolean;
}

/** Every run is appended here, in order, by name. */
export type RunLog = string[];

export class SpecTask extends Task<{ name: string }> {
  readonly family: string;
  override readonly version: string;
  override readonly external: boolean;

  constructor(readonly fs: MemFs, readonly log: RunLog, name: string, readonly spec: SpecOptions = {}) {
    super({ name });
    this.family = spec.family ?? 'Spec';
    this.version = spec.version ?? '1';
    this.external = spec.external ?? false;
  }

  override requires(): Task[] {
    return this.spec.requires?.() ?? [];
  }

  outputs(): MemTarget[] {
    return [new MemTarget(this.fs, this.params.name)];
  }

  override retryPolicy(): RetryPolicy {
    return this.spec.retry ?? NO_RETRY;
  }

  async run(ctx: TaskContext): Promise<void> {
    this.log.push(this.params.name);
    if (this.spec.run !== undefined) await this.spec.run(ctx, this);
    if (this.spec.skipWrite !== true) this.fs.write(this.params.name, `${this.params.name} by ${ctx.runId}`);
  }
}

/** A small world to build tasks in: one MemFs, one run log. */
export function world(): { fs: MemFs; log: RunLog; task: (name: string, spec?: SpecOptions) => SpecTask } {
  const fs = new MemFs();
  const log: RunLog = [];
  return { fs, log, task: (name, spec) => new SpecTask(fs, log, name, spec) };
}
