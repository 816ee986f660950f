// Simulated time for the soak benchmark (scripts/bench/soak.ts) and nothing
// else: src/main.ts wires it only behind a refused-by-default test hook. It
// runs at real speed from a chosen start and jumps forward when the simulated
// schedule (schedule/simulatedSchedule.ts) moves it to the next slot, so months
// of business days pass in minutes. The wall and the monotonic clock jump
// together: to the daemon a jump is time passing, never a step of the wall
// clock. Sleeps are real: what waits on the API server or on pods waits real time.

import type { Clock } from '../../domain/ports.ts';
import { systemClock } from './systemClock.ts';

export interface SimulatedClock extends Clock {
  /** Time passes until `t` at once; nothing happens when `t` is not ahead. */
  advanceTo(t: Date): void;
}

export function createSimulatedClock(start: Date, real: Clock = systemClock): SimulatedClock {
  let offset = start.getTime() - real.now().getTime();
  const now = () => new Date(real.now().getTime() + offset);
  return {
    now,
    monotonicMs: () => real.monotonicMs() + offset,
    sleep: (ms, signal) => real.sleep(ms, signal),
    advanceTo(t) {
      offset += Math.max(0, t.getTime() - now().getTime());
    },
  };
}
