// The instant against which the ages of kill records are judged: the rolling
// hour and day budgets, the per-workload gap and the pruning of history.
//
// The rule: within a process, a record's age is judged against the earlier of
// the wall clock and the wall clock at start plus the monotonic time since. A
// forward step of the wall clock cannot make a record look older than it is,
// so it cannot reset a budget or a gap; a step back makes records look
// younger, which only keeps the caps stricter. The business window is not
// judged on it: it stays on the wall clock in its time zone.
//
// Not covered: a step while the process was down (the start is the anchor);
// a wall clock that was already wrong at start; skew between replicas (each
// judges the records, which carry wall times, on its own clock); and after a
// forward correction of a clock that was behind, records look younger than
// they are until the next start (stricter, never looser).

import type { Clock } from '../ports.ts';

export interface RecordClock {
  now(): Date;
}

export function createRecordClock(clock: Clock): RecordClock {
  const startWall = clock.now().getTime();
  const startMonotonic = clock.monotonicMs();
  return {
    now: () => new Date(Math.min(clock.now().getTime(), startWall + (clock.monotonicMs() - startMonotonic))),
  };
}
