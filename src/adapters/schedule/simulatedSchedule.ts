// The tick schedule on simulated time (clock/simulatedClock.ts), for the soak
// benchmark only: instead of waiting for the cron's next slot, it moves the
// clock there, `paceMs` of real time after the previous tick ended, and runs
// the slot. Every slot of the cron runs, in order, one at a time; the slots are
// the ones node-cron would pick (nextRun.ts asks node-cron's own matcher), so
// a cron limited to business hours jumps over nights and weekends at once. A
// schedule armed again (the ticker does so after a step of the real wall
// clock) starts only when the slot still running under the old one has ended:
// at a pace of milliseconds it would otherwise overlap it.

import type { SimulatedClock } from '../clock/simulatedClock.ts';
import type { Schedule } from './cronTicker.ts';
import { nextRun } from './nextRun.ts';

export interface SimulatedScheduleOptions {
  readonly clock: SimulatedClock;
  /** Real milliseconds between the end of a tick and the next slot: the time background work (recovery checks) gets. */
  readonly paceMs: number;
}

export function simulatedSchedule({ clock, paceMs }: SimulatedScheduleOptions): Schedule {
  let previous: Promise<void> = Promise.resolve();
  return ({ expression, timezone, onSlot, log }) => {
    const stopping = new AbortController();
    const upcoming = (count: number): Date[] => {
      const slots: Date[] = [];
      for (let after = clock.now(); slots.length < count;) {
        const slot = nextRun(expression, timezone, after);
        if (slot === null) break;
        slots.push(slot);
        after = slot;
      }
      return slots;
    };
    const earlier = previous;
    const running = (async () => {
      await earlier;
      for (;;) {
        await clock.sleep(paceMs, stopping.signal);
        if (stopping.signal.aborted) return;
        const [slot] = upcoming(1);
        if (slot === undefined) return;
        clock.advanceTo(slot);
        await onSlot(slot).catch((error: unknown) =>
          log?.error({ source: 'simulated-schedule', err: error }, `tick failed: ${(error as Error).message}`),
        );
      }
    })();
    previous = running;
    return {
      next: upcoming,
      async stop() {
        stopping.abort();
        await running;
      },
    };
  };
}
