// The cap settings the soak benchmark runs: `default` (the config's
// defaults), `max` (the most kills a day the config accepts, at the
// maxKillsPerTick that lets the soak's cron actually reach them), or T/H/D.
// Acceptance is asked of loadConfig itself, so the soak follows the config's
// state-bound check (worstCaseStateBytes) instead of copying it.

import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { nextRun } from '../../src/adapters/schedule/nextRun.ts';
import type { Caps } from '../../src/domain/settings.ts';

export function accepted(caps: Caps): boolean {
  try {
    loadConfig({
      env: {
        HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: String(caps.perTick),
        HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: String(caps.perHour),
        HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: String(caps.perDay),
      },
    });
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

/** The largest maxKillsPerDay accepted with this maxKillsPerTick (maxKillsPerHour equal to it), 0 if none. */
export function largestPerDay(perTick: number): number {
  let low = 0;
  let high = 100_000;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (accepted({ perTick, perHour: mid, perDay: mid })) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Slots of the cron in one day that has them (the first found after `from`). */
export function slotsPerDay(cron: string, timezone: string, from = new Date('2027-01-04T00:00:00Z')): number {
  const first = nextRun(cron, timezone, from);
  if (first === null) return 0;
  const dayOf = (t: Date) => t.toISOString().slice(0, 10);
  let count = 0;
  for (let t: Date | null = first; t !== null && dayOf(t) === dayOf(first); t = nextRun(cron, timezone, t)) count++;
  return count;
}

/**
 * The most kills a day that can really happen at the config's limit: the
 * accepted maxKillsPerDay falls as maxKillsPerTick rises (each record may hold
 * a tick's victims), and a day has only so many ticks. maxKillsPerHour is set
 * equal to the day cap: it bounds nothing the state holds.
 */
export function maxCaps(ticksPerDay: number): Caps {
  let best: Caps = { perTick: 1, perHour: 1, perDay: 1 };
  let reachable = 0;
  for (let perTick = 1; perTick <= 20; perTick++) {
    const perDay = largestPerDay(perTick);
    const kills = Math.min(perDay, perTick * ticksPerDay);
    if (perDay > 0 && kills > reachable) {
      reachable = kills;
      best = { perTick, perHour: perDay, perDay };
    }
  }
  return best;
}

export function capSettings(text: string, schedule: { cron: string; timezone: string }): { label: string; caps: Caps }[] {
  return text.split(',').map((label) => {
    if (label === 'default') {
      const b = loadConfig({ env: {} }).blastRadius;
      return { label, caps: { perTick: b.maxKillsPerTick, perHour: b.maxKillsPerHour, perDay: b.maxKillsPerDay } };
    }
    if (label === 'max') return { label, caps: maxCaps(slotsPerDay(schedule.cron, schedule.timezone)) };
    const [perTick, perHour, perDay] = label.split('/').map(Number);
    const caps = { perTick: perTick ?? NaN, perHour: perHour ?? NaN, perDay: perDay ?? NaN };
    if (!accepted(caps)) throw new Error(`--caps ${label}: want default, max or T/H/D caps the config accepts`);
    return { label, caps };
  });
}
