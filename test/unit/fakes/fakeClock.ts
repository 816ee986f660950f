// A clock that only moves when told to; sleep() advances it at once, so
// recovery waits cost no real time.

import type { Clock } from '../../../src/domain/ports.ts';

export interface FakeClock extends Clock {
  set(t: Date): void;
  advance(ms: number): void;
}

export function fakeClock(start: Date, onSleep?: (clock: FakeClock) => void): FakeClock {
  let now = start.getTime();
  const clock: FakeClock = {
    now: () => new Date(now),
    set: (t) => { now = t.getTime(); },
    advance: (ms) => { now += ms; },
    async sleep(ms, signal) {
      if (signal?.aborted) return;
      now += ms;
      onSleep?.(clock);
      await Promise.resolve();
    },
  };
  return clock;
}
