/** A clock for tests: time moves only when someone sleeps, and every sleep is recorded. */
export interface FakeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Every duration asked for, in order. */
  readonly sleeps: number[];
}

export function fakeClock(startMs = Date.UTC(2025, 0, 1)): FakeClock {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}
