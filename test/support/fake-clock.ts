/** A clock for tests (the engine's FakeClock): time moves only when someone sleeps. */
import { FakeClock } from '../../src/engine/clock.js';

export type { FakeClock };

export function fakeClock(startMs = Date.UTC(2025, 0, 1)): FakeClock {
  return new FakeClock(startMs);
}
