// Spending budget is a check-and-write on the shared state: the check runs
// inside the optimistic-concurrency update, against the state as it is now,
// so a replica that lost the lease mid-tick, or two replicas racing, can never
// both spend the same budget or hit the same workload within its gap.

import type { StateStore } from '../ports.ts';
import { filterByMinGap } from '../selection/filters.ts';
import type { KillRecord } from '../state.ts';
import { available, budgetLeft, lastAttempt, type Caps } from './budget.ts';

export class ReservationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReservationRefused';
  }
}

export interface ReservationRules {
  readonly caps: Caps;
  readonly minGapSeconds: number;
  /** Disruptions this replica already caused in the current tick. */
  readonly spentThisTick: number;
}

/** Appends `record` if the fresh state still allows it; throws ReservationRefused otherwise. */
export async function reserve(store: StateStore, record: KillRecord, rules: ReservationRules): Promise<void> {
  const now = new Date(record.at);
  await store.update((state) => {
    const left = budgetLeft(state.kills, now, rules.caps, record.dryRun, rules.spentThisTick);
    if (available(left) < record.count) {
      throw new ReservationRefused(`budget spent meanwhile: tick ${left.tick}, hour ${left.hour}, day ${left.day} left, ${record.count} needed`);
    }
    const gap = filterByMinGap(lastAttempt(state.kills, record.target, record.dryRun), now, rules.minGapSeconds);
    if (gap !== undefined) throw new ReservationRefused(`${record.target} was attempted meanwhile: ${gap}`);
    return { ...state, kills: [...state.kills, record] };
  });
}
