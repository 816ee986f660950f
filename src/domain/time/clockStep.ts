// A step of the wall clock, told from the monotonic clock: between two looks
// both clocks should have moved by the same amount. A frozen process (SIGSTOP,
// a VM paused) moves both and is no step; NTP's slewing moves the wall by
// milliseconds; a step moves the wall alone, by seconds or hours.

import type { Clock } from '../ports.ts';

export interface ClockStep {
  readonly direction: 'forward' | 'back';
  /** How far the wall clock jumped, in seconds (positive). */
  readonly seconds: number;
  /** The wall clock after the step. */
  readonly at: Date;
}

/** Below this a difference is slewing or timer noise, not a step. */
export const STEP_TOLERANCE_MS = 2000;

export interface StepDetector {
  /** The step since the previous look, if any; each step is told once. */
  check(): ClockStep | undefined;
}

export function createStepDetector(clock: Clock, toleranceMs = STEP_TOLERANCE_MS): StepDetector {
  let wall = clock.now().getTime();
  let monotonic = clock.monotonicMs();
  return {
    check() {
      const nowWall = clock.now().getTime();
      const nowMonotonic = clock.monotonicMs();
      const drift = nowWall - wall - (nowMonotonic - monotonic);
      wall = nowWall;
      monotonic = nowMonotonic;
      if (Math.abs(drift) <= toleranceMs) return undefined;
      return { direction: drift > 0 ? 'forward' : 'back', seconds: Math.abs(drift) / 1000, at: new Date(nowWall) };
    },
  };
}
