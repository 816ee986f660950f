// The business window: when chaos may happen. A value parsed once from config,
// with a pure contains(t). Times are wall-clock times in an IANA zone, so DST
// changes move the window with the clock, as people expect.
//
// A window that wraps past midnight (overnight) belongs to the day it opens:
// with weekdays mon-fri and 22:00-06:00, Friday 22:00 to Saturday 06:00 is
// inside, Sunday 22:00 to Monday 06:00 is not. Excluded dates work the same way.

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WindowSpec {
  readonly timezone: string;
  readonly weekdays: readonly Weekday[];
  /** "HH:MM", 24-hour. */
  readonly start: string;
  /** "HH:MM"; "24:00" is the end of the day. */
  readonly end: string;
  /** Must be true when end is not after start: guards against swapped times. */
  readonly overnight: boolean;
  /** "YYYY-MM-DD" local dates on which no window opens. */
  readonly excludedDates: readonly string[];
}

export interface BusinessWindow {
  readonly spec: WindowSpec;
  /** Length of one day's window, in seconds (the unit of `d` in an MTBF). */
  readonly daySeconds: number;
  contains(t: Date): boolean;
  /** Seconds of window time in [from, to). Exact for whole-minute zone offsets. */
  businessSeconds(from: Date, to: Date): number;
  /** The first instant at or after `t` inside the window, within a year. */
  nextOpen(t: Date): Date | undefined;
  /** The first instant at or after `t` outside the window. */
  nextClose(t: Date): Date;
  /** The local date (YYYY-MM-DD) in the window's zone. */
  localDate(t: Date): string;
  /**
   * Which occurrence of the window `t` falls in, or (outside) the next one: the
   * local date it opens on. An overnight window keeps its key past midnight.
   */
  occurrenceKey(t: Date): string | undefined;
}

const MINUTE = 60_000;
const YEAR_MINUTES = 366 * 24 * 60;

interface LocalTime {
  readonly date: string;
  readonly weekday: number;
  readonly minutes: number;
}

export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 1440 ? minutes : undefined;
}

/** Checks a spec and lists every problem; the config layer reports them with field names. */
export function windowProblems(spec: WindowSpec): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const start = parseClock(spec.start);
  const end = parseClock(spec.end);
  if (start === undefined || start === 1440)
    problems.push({ field: 'start', message: `"${spec.start}" is not a time of day HH:MM (00:00 to 23:59)` });
  if (end === undefined) problems.push({ field: 'end', message: `"${spec.end}" is not a time of day HH:MM (00:00 to 24:00)` });
  if (start !== undefined && end !== undefined) {
    if (start === end)
      problems.push({ field: 'end', message: `"${spec.end}" equals start "${spec.start}": the window would be empty` });
    else if (end < start && !spec.overnight) {
      problems.push({
        field: 'end',
        message: `"${spec.end}" is before start "${spec.start}"; set overnight: true for a window that wraps past midnight`,
      });
    } else if (end > start && spec.overnight) {
      problems.push({
        field: 'overnight',
        message: `is true but end "${spec.end}" is after start "${spec.start}" on the same day`,
      });
    }
  }
  if (!isTimeZone(spec.timezone)) problems.push({ field: 'timezone', message: `"${spec.timezone}" is not an IANA time zone` });
  return problems;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

export function createBusinessWindow(spec: WindowSpec): BusinessWindow {
  const problems = windowProblems(spec);
  if (problems.length > 0) {
    throw new Error(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
  const start = parseClock(spec.start) ?? 0;
  const end = parseClock(spec.end) ?? 0;
  const days = new Set(spec.weekdays.map((d) => WEEKDAYS.indexOf(d)));
  const excluded = new Set(spec.excludedDates);
  const local = localTimeIn(spec.timezone);
  const opensOn = (date: string, weekday: number) => days.has(weekday) && !excluded.has(date);

  const contains = (t: Date): boolean => {
    const l = local(t);
    if (!spec.overnight) return l.minutes >= start && l.minutes < end && opensOn(l.date, l.weekday);
    if (l.minutes >= start) return opensOn(l.date, l.weekday);
    if (l.minutes < end) {
      const prev = previousDate(l.date);
      return opensOn(prev.date, prev.weekday);
    }
    return false;
  };

  // Zone offsets are whole minutes, so membership is constant within a UTC minute.
  const businessSeconds = (from: Date, to: Date): number => {
    let total = 0;
    let cursor = from.getTime();
    const stop = to.getTime();
    while (cursor < stop) {
      const minuteEnd = Math.min(Math.floor(cursor / MINUTE) * MINUTE + MINUTE, stop);
      if (contains(new Date(cursor))) total += minuteEnd - cursor;
      cursor = minuteEnd;
    }
    return total / 1000;
  };

  const scan = (t: Date, wanted: boolean, limit: number): Date | undefined => {
    if (contains(t) === wanted) return t;
    let cursor = Math.floor(t.getTime() / MINUTE) * MINUTE;
    for (let i = 0; i < limit; i++) {
      cursor += MINUTE;
      if (contains(new Date(cursor)) === wanted) return new Date(cursor);
    }
    return undefined;
  };

  return {
    spec,
    daySeconds: (spec.overnight ? end + 1440 - start : end - start) * 60,
    contains,
    businessSeconds,
    nextOpen: (t) => scan(t, true, YEAR_MINUTES),
    nextClose: (t) => scan(t, false, 3 * 24 * 60) ?? new Date(t.getTime() + 3 * 86_400_000),
    localDate: (t) => local(t).date,
    occurrenceKey: (t) => {
      const open = scan(t, true, YEAR_MINUTES);
      if (open === undefined) return undefined;
      const l = local(open);
      // Inside an overnight window before its end, the window opened the day before.
      return spec.overnight && l.minutes < end ? previousDate(l.date).date : l.date;
    },
  };
}

function localTimeIn(timezone: string): (t: Date) => LocalTime {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (t) => {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(t)) parts[p.type] = p.value;
    const date = `${parts.year}-${parts.month}-${parts.day}`;
    return {
      date,
      weekday: new Date(`${date}T00:00:00Z`).getUTCDay(),
      minutes: Number(parts.hour) * 60 + Number(parts.minute),
    };
  };
}

function previousDate(date: string): { date: string; weekday: number } {
  const d = new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000);
  return { date: d.toISOString().slice(0, 10), weekday: d.getUTCDay() };
}
