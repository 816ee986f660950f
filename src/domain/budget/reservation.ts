// One reservation lifecycle, for pod chaos, node chaos and the settling of
// a previous leader's leftovers alike. Spending budget is a check-and-write
// on the shared state: the check runs inside the optimistic-concurrency
// update, against the state as it is now, so a replica that lost the lease
// mid-tick, or two replicas racing, can never both spend the same budget or
// hit the same workload within its gap. The record is stored as `reserved`
// (never as a kill that has not happened) and settled to the real outcome;
// a reservation nobody settled is found and settled by the next leader.

import type { StateStore } from '../ports.ts';
import { filterByMinGap } from '../selection/filters.ts';
import type { HavocState, KillRecord, RecordResult } from '../state.ts';
import type { Caps } from '../settings.ts';
import { available, budgetLeft, lastAttempt } from './budget.ts';

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
  /** The instant the budget and the gap are judged at (a RecordClock's); the record's own time without it. */
  readonly judgedAt?: Date;
}

export interface Settlement {
  readonly result: Exclude<RecordResult, 'reserved'>;
  /** Disruptions that stay charged against the budget. */
  readonly count: number;
}

/**
 * What a settlement did:
 * `recorded`: this settlement is the record, so the caller announces it.
 * `settled-before`: someone (a new leader) settled it first and announced a kill; announcing again would double it.
 * `not-stored`: the write failed; the caller announces what it knows, the reservation stays for the next leader.
 * A stored one carries the kill history its write left, as fresh as a new
 * read: the rest of the tick decides on it instead of reading the state again.
 */
export type Settled =
  { readonly answer: 'recorded' | 'settled-before'; readonly history: readonly KillRecord[] } | { readonly answer: 'not-stored' };

export interface Reservation {
  readonly record: KillRecord;
  /** The kill history as the reservation's write left it; absent for another run's leftover found in the state. */
  readonly history?: readonly KillRecord[];
  settle(settlement: Settlement): Promise<Settled>;
}

/** Stores `record` as `reserved` if the fresh state still allows it; throws ReservationRefused otherwise. */
export async function reserve(
  store: StateStore,
  record: Omit<KillRecord, 'result'>,
  rules: ReservationRules,
): Promise<Reservation> {
  const now = rules.judgedAt ?? new Date(record.at);
  const reserved: KillRecord = { ...record, result: 'reserved' };
  const written = await store.update((state) => {
    const left = budgetLeft({
      history: state.kills,
      now,
      caps: rules.caps,
      dryRun: record.dryRun,
      spentThisTick: rules.spentThisTick,
    });
    if (available(left) < record.count) {
      throw new ReservationRefused(
        `budget spent meanwhile: tick ${left.tick}, hour ${left.hour}, day ${left.day} left, ${record.count} needed`,
      );
    }
    const gap = filterByMinGap(lastAttempt(state.kills, record.target, record.dryRun), now, rules.minGapSeconds);
    if (gap !== undefined) throw new ReservationRefused(`${record.target} was attempted meanwhile: ${gap}`);
    return { ...state, kills: [...state.kills, reserved] };
  });
  return {
    record: reserved,
    history: written.kills,
    settle: (settlement) => settleRecord(store, reserved.id, settlement, 'owner'),
  };
}

/** The handle of another run's reservation found in the state, settled only if nobody settled it meanwhile. */
export function leftOver(store: StateStore, record: KillRecord): Reservation {
  return { record, settle: (settlement) => settleRecord(store, record.id, settlement, 'successor') };
}

async function settleRecord(
  store: StateStore,
  id: string,
  settlement: Settlement,
  role: 'owner' | 'successor',
): Promise<Settled> {
  let answer: 'recorded' | 'settled-before' = 'recorded';
  let written: HavocState;
  try {
    written = await store.update((state) => {
      answer = 'recorded';
      const kills = state.kills.map((k) => {
        if (k.id !== id) return k;
        // A successor found the pods gone and announced the kill already; a
        // successor never overwrites a settlement (the owner's or another's).
        if (k.result === 'killed' || (role === 'successor' && k.result !== 'reserved')) {
          answer = 'settled-before';
          return k;
        }
        // A successor that found nothing done wrote not-attempted; the owner, still running, knows better.
        return { ...k, result: settlement.result, count: Math.max(settlement.count, 0) };
      });
      return { ...state, kills };
    });
  } catch {
    return { answer: 'not-stored' };
  }
  return { answer, history: written.kills };
}

/** Reservations that nobody settled, made by another run of the daemon (a crashed or replaced leader). */
export function unsettled(kills: readonly KillRecord[], owner: string): KillRecord[] {
  return kills.filter((k) => k.result === 'reserved' && k.owner !== owner);
}
