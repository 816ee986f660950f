// How long the history is kept, in whole local days: one object (or a few
// parts) per day, deleted as a whole once every entry in it is older than
// the retention. An entry is therefore kept between `retention` and
// `retention` plus one day.

/** The oldest local day (YYYY-MM-DD) still kept at `now`; objects of earlier days go. */
export function retentionCutoff(now: Date, retentionSeconds: number, localDate: (t: Date) => string): string {
  return localDate(new Date(now.getTime() - retentionSeconds * 1000));
}

export function expired(day: string, cutoff: string): boolean {
  return day < cutoff;
}

/**
 * Every local day from `since` to `now`, newest first. Steps of 6 h: a step
 * of 24 h could jump over a 23-hour day (the switch to summer time).
 */
export function daysBetween(since: Date, now: Date, localDate: (t: Date) => string): string[] {
  const days = new Set<string>([localDate(now)]);
  for (let t = now.getTime(); t >= since.getTime(); t -= 6 * 3_600_000) days.add(localDate(new Date(t)));
  days.add(localDate(since));
  return [...days].sort().reverse();
}
