// How much business time a tick stands for: the MTBF promise is kept by
// giving each tick the chance of the business time it covers, and no business
// time may fall between ticks. A tick outside the window cannot act (the
// window holds at the instant of each kill), so the business time it covers
// (a window opening at 09:15 with ticks at :00 and :30) moves to the next
// tick, which is inside the window.

import type { BusinessWindow } from '../window/businessWindow.ts';

export interface TickTimes {
  readonly at: Date;
  readonly nextTick: Date;
  /** The slot right before `at`, when the scheduler knows it (not after a start or a missed tick). */
  readonly previousTick?: Date | undefined;
}

/**
 * Business seconds of [at, nextTick), plus those of [previousTick, at) when the
 * previous tick was outside the window and so could not draw. 0 outside the window.
 */
export function tickSpanSeconds(window: BusinessWindow, { at, nextTick, previousTick }: TickTimes): number {
  if (!window.contains(at)) return 0;
  const carried = previousTick !== undefined && !window.contains(previousTick) ? window.businessSeconds(previousTick, at) : 0;
  return window.businessSeconds(at, nextTick) + carried;
}
