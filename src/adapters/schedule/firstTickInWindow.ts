// Whether the cron ever fires inside the business window: a cron of `0 3 * * *`
// with a 09:00-17:00 window is valid field by field and never kills. Asked at
// start-up, with the cron expander `plan` uses (nextRun.ts): from each window
// opening to the cron's next slot, then to the next opening at or after that
// slot, so the walk is a few steps per window, not one per minute.

import type { BusinessWindow } from '../../domain/window/businessWindow.ts';
import { nextRun } from './nextRun.ts';

/** Two months: a monthly cron meets a weekday window within them unless it never does. */
export const WINDOW_SEARCH_DAYS = 62;

/** The first slot of `expression` at or after `from` that falls inside the window, within the search; undefined if none. */
export function firstTickInWindow(expression: string, window: BusinessWindow, from: Date): Date | undefined {
  const end = from.getTime() + WINDOW_SEARCH_DAYS * 86_400_000;
  let open = window.nextOpen(from);
  while (open !== undefined && open.getTime() < end) {
    const slot = nextRun(expression, window.spec.timezone, new Date(open.getTime() - 1000));
    if (slot === null || slot.getTime() >= end) return undefined;
    if (window.contains(slot)) return slot;
    open = window.nextOpen(slot);
  }
  return undefined;
}

/** The start-up warning, naming both settings, or undefined when the cron meets the window. */
export function cronWindowWarning(expression: string, window: BusinessWindow, from: Date): string | undefined {
  if (firstTickInWindow(expression, window, from) !== undefined) return undefined;
  const { start, end, timezone } = window.spec;
  return (
    `schedule.cron "${expression}" never fires inside the business window (${start}-${end} ${timezone}) ` +
    `within the next ${WINDOW_SEARCH_DAYS} days: no tick can kill; check schedule.cron against schedule.start and schedule.end`
  );
}
