// When a cron expression next fires after a given instant, without a running
// schedule: `plan` asks this of the configured cron. node-cron has no public
// "next match after" function, but a task that is never started is a plain
// matcher (no timer is set): created, asked, destroyed. The walk jumps over
// hours and minutes that cannot match, so a year of search is a few thousand steps.

import cron from 'node-cron';

/** Ten years of hours (plus the minute and second steps within them): an expression that never fires ends the search. */
const MAX_STEPS = 10 * 366 * 24 * 3;

/**
 * The first instant strictly after `after` (whole seconds) at which `expression`
 * fires in `timezone`, or null if none within ten years.
 */
export function nextRun(expression: string, timezone: string, after: Date): Date | null {
  const fields = cron.parse(expression);
  const clockOf = localClock(timezone);
  const task = cron.createTask(expression, () => undefined, { timezone });
  try {
    let at = Math.floor(after.getTime() / 1000) * 1000 + 1000;
    for (let step = 0; step < MAX_STEPS; step++) {
      const date = new Date(at);
      if (task.match(date)) return date;
      const { hour, minute, second } = clockOf(date);
      const toNextMinute = 60 - second;
      if (!fields.hour.includes(hour)) at += ((59 - minute) * 60 + toNextMinute) * 1000;
      else if (!fields.minute.includes(minute)) at += toNextMinute * 1000;
      else if (!fields.second.includes(second)) at += ((fields.second.find((s) => s > second) ?? 60) - second) * 1000;
      // The time of day fits, so the day or the month does not: on to the next hour.
      else at += ((59 - minute) * 60 + toNextMinute) * 1000;
    }
    return null;
  } finally {
    void task.destroy();
  }
}

function localClock(timezone: string): (date: Date) => { hour: number; minute: number; second: number } {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (date) => {
    const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, Number(p.value)]));
    return { hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
  };
}
