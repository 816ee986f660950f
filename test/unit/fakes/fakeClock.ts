// The one fake clock of the unit tests: time moves only when told to. Time
// that passes (set, advance, sleep) moves the wall and the monotonic clock
// together; step() moves the wall clock alone, as NTP or an operator would.
// By default sleep() moves it forward at once, so recovery waits cost no real
// time. Code that runs its own loop (leader election) is tested with sleepers
// that wait until the test advances the time past their deadline.

import type { Clock } from '../../../src/domain/ports.ts';

export interface FakeClock extends Clock {
  /** Time passes until `t` (backwards too, for tests that replay): both clocks move by the difference. */
  set(t: Date): void;
  /** A step of the wall clock alone by `ms` (negative: back); the monotonic clock does not move. */
  step(ms: number): void;
  /** Moves the time forward and wakes the sleepers whose deadline has come. */
  advance(ms: number): void;
}

export interface FakeClockOptions {
  /** `advance` (the default): a sleep moves the time forward at once. `wait`: a sleeper waits for advance() (or its abort). */
  readonly sleeps?: 'advance' | 'wait';
  /** Called after a sleep moved the time (a fake cluster heals there). */
  readonly onSleep?: (clock: FakeClock) => void;
}

export function fakeClock(start: Date, options: FakeClockOptions = {}): FakeClock {
  let now = start.getTime();
  // The monotonic clock as an offset from the wall: only a step changes it.
  let monotonicOffset = -start.getTime();
  const sleepers: { until: number; wake: () => void }[] = [];
  const clock: FakeClock = {
    now: () => new Date(now),
    monotonicMs: () => now + monotonicOffset,
    set: (t) => {
      now = t.getTime();
    },
    step: (ms) => {
      now += ms;
      monotonicOffset -= ms;
    },
    advance(ms) {
      now += ms;
      for (const sleeper of sleepers.filter((s) => s.until <= now)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
    },
    async sleep(ms, signal) {
      if (signal?.aborted) return;
      if (options.sleeps === 'wait') {
        return new Promise<void>((resolve) => {
          sleepers.push({ until: now + ms, wake: resolve });
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      now += ms;
      options.onSleep?.(clock);
      await Promise.resolve();
    },
  };
  return clock;
}
