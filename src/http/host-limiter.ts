/**
 * Per-host politeness: at most `concurrency` requests in flight to one host (a semaphore),
 * and requests started no closer together than 1000 / requestsPerSecond ms (a token bucket
 * of one token, refilled at the given rate). Time comes from the injected clock.
 */
import type { Clock } from '../engine/clock.js';

export interface HostLimiterOptions {
  /** Largest number of requests in flight to one host. */
  concurrency: number;
  /** Largest number of requests started per second to one host; undefined for no limit. */
  requestsPerSecond?: number;
  clock: Clock;
}

interface HostState {
  active: number;
  waiting: Array<() => void>;
  /** Earliest time the next request may start. */
  nextStartMs: number;
}

export class HostLimiter {
  private readonly hosts = new Map<string, HostState>();
  private readonly intervalMs: number;

  constructor(private readonly opts: HostLimiterOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number >= 1, got ${opts.concurrency}`);
    }
    const rps = opts.requestsPerSecond;
    if (rps !== undefined && !(rps > 0)) throw new RangeError(`requestsPerSecond must be > 0, got ${rps}`);
    this.intervalMs = rps === undefined ? 0 : 1000 / rps;
  }

  /** Waits for a slot and a start time for `host`; resolves with the function that frees the slot. */
  async acquire(host: string): Promise<() => void> {
    const state = this.state(host);
    if (state.active >= this.opts.concurrency) {
      await new Promise<void>((resolve) => state.waiting.push(resolve));
    } else {
      state.active += 1;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const next = state.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else state.active -= 1;
    };
    try {
      await this.waitForStart(state);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /** Requests in flight to `host` (for tests and progress displays). */
  inFlight(host: string): number {
    return this.hosts.get(host)?.active ?? 0;
  }

  private async waitForStart(state: HostState): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = this.opts.clock.now();
    const start = Math.max(now, state.nextStartMs);
    state.nextStartMs = start + this.intervalMs;
    if (start > now) await this.opts.clock.sleep(start - now);
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) {
      state = { active: 0, waiting: [], nextStartMs: Number.NEGATIVE_INFINITY };
      this.hosts.set(host, state);
    }
    return state;
  }
}
