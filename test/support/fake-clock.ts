/** A clock for tests: time moves only when someone sleeps (test-only, so it lives here, not in src). */
import type { Clock } from '../../src/engine/clock.js';

/**
 * A clock for tests: time stands still until something sleeps, and every sleep advances it
 * at once by the time asked. `sleeps` records what was asked, in order.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.current += ms;
  }
}

export function fakeClock(startMs = Date.UTC(2025, 0, 1)): FakeClock {
  return new FakeClock(startMs);
}
