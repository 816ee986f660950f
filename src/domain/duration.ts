// Durations as people write them in labels and config: `90s`, `30m`, `8h`,
// `2d`, `1h30m`. A day is 24 h unless the caller says otherwise: in an MTBF a
// day means one business day (the length of the daily window).

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const WHOLE = /^(\d+(?:\.\d+)?[smhdw])+$/;
const PART = /(\d+(?:\.\d+)?)([smhdw])/g;

export interface DurationOptions {
  /** Seconds in one `d`; a week is five of them when this is set (business week). */
  readonly daySeconds?: number;
}

/** Seconds, or an Error whose message says what is wrong with the text. */
export function parseDuration(text: string, options: DurationOptions = {}): number | Error {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) {
    return new Error(`"${text}" is not a duration (use e.g. 30m, 8h, 2d, 1h30m)`);
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    seconds += Number(amount) * unitSeconds(unit ?? 's', options);
  }
  if (seconds <= 0) return new Error(`"${text}" must be longer than zero`);
  return seconds;
}

function unitSeconds(unit: string, options: DurationOptions): number {
  if (options.daySeconds !== undefined && unit === 'd') return options.daySeconds;
  if (options.daySeconds !== undefined && unit === 'w') return options.daySeconds * 5;
  return UNIT_SECONDS[unit] ?? 1;
}

/** Like parseDuration, for values already validated (config): throws on bad text. */
export function durationSeconds(text: string, options?: DurationOptions): number {
  const seconds = parseDuration(text, options);
  if (seconds instanceof Error) throw seconds;
  return seconds;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1).replace(/\.0$/, '')}h`;
  return `${(seconds / 86_400).toFixed(1).replace(/\.0$/, '')}d`;
}
