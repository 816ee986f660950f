// Blast radius over time: cluster-wide caps per tick, per rolling hour and per
// rolling day, counted from the persisted kill history so they survive
// restarts and leader changes. Dry-run kills count only against dry-run
// budgets, so a dry run shows exactly what a real run would do without
// spending the real budget.

import type { Caps } from '../settings.ts';
import type { KillRecord } from '../state.ts';

/** Disruptions still allowed in this tick, this rolling hour and this rolling day. */
export interface BudgetLeft {
  readonly tick: number;
  readonly hour: number;
  readonly day: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Disruptions (pods or nodes) that count. A record's count is what it may
 * have disrupted: 0 for a blocked or already-gone attempt, and the full
 * number for a failed one, whose effect on the server is unknown.
 */
function spent(history: readonly KillRecord[], since: number, dryRun: boolean): number {
  return history.filter((k) => k.dryRun === dryRun && Date.parse(k.at) > since).reduce((sum, k) => sum + k.count, 0);
}

export interface BudgetQuery {
  readonly history: readonly KillRecord[];
  readonly now: Date;
  readonly caps: Caps;
  /** Whose budget: a dry run spends only the dry-run budget. */
  readonly dryRun: boolean;
  /** Disruptions this replica already caused in the current tick (none outside a tick). */
  readonly spentThisTick?: number;
}

export function budgetLeft({ history, now, caps, dryRun, spentThisTick = 0 }: BudgetQuery): BudgetLeft {
  const t = now.getTime();
  return {
    tick: Math.max(0, caps.perTick - spentThisTick),
    hour: Math.max(0, caps.perHour - spent(history, t - HOUR, dryRun)),
    day: Math.max(0, caps.perDay - spent(history, t - DAY, dryRun)),
  };
}

export function available(left: BudgetLeft): number {
  return Math.min(left.tick, left.hour, left.day);
}

/** The last attempt on a target, whatever its result (a blocked eviction also waits the gap). */
export function lastAttempt(history: readonly KillRecord[], target: string, dryRun: boolean): Date | undefined {
  let latest: number | undefined;
  for (const k of history) {
    if (k.target !== target || k.dryRun !== dryRun) continue;
    const at = Date.parse(k.at);
    if (latest === undefined || at > latest) latest = at;
  }
  return latest === undefined ? undefined : new Date(latest);
}

/** How long history must be kept for the day cap and the per-workload gap. */
export function historySeconds(minGapSeconds: number): number {
  return Math.max(DAY / 1000, minGapSeconds);
}
