// One reservation lifecycle, for pod chaos, node chaos and the settling of
// a previous leader's leftovers alike. Spending budget is a check-and-write
// on the shared state: the check runs inside the optimistic-concurrency
// update, against the state as it is now, so a replica that lost the lease
// mid-tick, or two replicas racing, can never both spend the same budget or
// hit the same workload within its gap. The record is stored as `reserved`
// (never as a kill that has not happened) and settled to the real outcome;
// a reservation nobody settled is found and settled by the next leader.

import type { Refusal } from '../permit/refusal.ts';
import type { StateStore } from '../ports.ts';
import { StateFull } from '../boundedStateStore.ts';
import { STATE_BOUNDS, type HavocState, type KillRecord, type RecordResult } from '../state.ts';

/** The fresh state (or the moment) refused the disruption: an outcome with its reason, not a failure. */
export class ReservationRefused extends Error {
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(refusal.detail);
    this.name = 'ReservationRefused';
    this.refusal = refusal;
  }
}

/** Asked inside the optimistic-concurrency update, with the state as it is now: a refusal, or undefined to write. */
export type ReservationCheck = (state: HavocState) => Refusal | undefined;

export interface Settlement {
  readonly result: Exclude<RecordResult, 'reserved'>;
  /** Disruptions that stay charged against the budget. */
  readonly count: number;
  /** Why, when the result alone does not say (KillRecord.detail). */
  readonly detail?: string;
}

/** A settlement decided inside the write, on the kill history as the write finds it. */
export type SettlementOn = (kills: readonly KillRecord[]) => Settlement;

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

/** A reservation found in the state that nobody holds: settled on what the state shows at the write. */
export interface Leftover {
  readonly record: KillRecord;
  settle(settlement: Settlement | SettlementOn): Promise<Settled>;
}

/** Stores `record` as `reserved` if `check` allows it on the fresh state; throws ReservationRefused otherwise. */
export async function reserve(
  store: StateStore,
  record: Omit<KillRecord, 'result'>,
  check: ReservationCheck,
): Promise<Reservation> {
  const reserved: KillRecord = { ...record, result: 'reserved' };
  let written: HavocState;
  try {
    written = await store.update(
      (state) => {
        const refusal = check(state);
        if (refusal !== undefined) throw new ReservationRefused(refusal);
        return { ...state, kills: [...state.kills, reserved] };
      },
      { maxBytes: STATE_BOUNDS.reserveBytes },
    );
  } catch (error) {
    // Fail closed: a state at its bound takes no new disruption (what must be written still fits below writeBytes).
    if (error instanceof StateFull) throw new ReservationRefused({ reason: 'state-full', detail: error.message });
    throw error;
  }
  return {
    record: reserved,
    history: written.kills,
    settle: (settlement) => settleRecord(store, reserved.id, settlement, 'owner'),
  };
}

/**
 * The handle of a reservation found in the state that nobody holds (another
 * run's, or one this run lost: lostReservations), settled only if nobody
 * settled it meanwhile.
 */
export function leftOver(store: StateStore, record: KillRecord, by: string): Leftover {
  return { record, settle: (settlement) => settleRecord(store, record.id, settlement, { successor: by }) };
}

/**
 * `owner`: the run that reserved it settles its outcome. `successor`: the run
 * `successor` settles a leftover and stamps it (`settledBy`): a retry that
 * finds its own settlement there with the same result (an earlier write whose
 * answer was lost went through) is `recorded`, so it is announced once.
 */
async function settleRecord(
  store: StateStore,
  id: string,
  settlement: Settlement | SettlementOn,
  role: 'owner' | { readonly successor: string },
): Promise<Settled> {
  const by = role === 'owner' ? undefined : role.successor;
  let answer: 'recorded' | 'settled-before' = 'recorded';
  let written: HavocState;
  try {
    written = await store.update((state) => {
      answer = 'recorded';
      const kills = state.kills.map((k) => {
        if (k.id !== id) return k;
        const { result, count, detail } = typeof settlement === 'function' ? settlement(state.kills) : settlement;
        // A successor found the pods gone and announced the kill already; a
        // successor never overwrites a settlement (the owner's or another's).
        if (k.result === 'killed' || (by !== undefined && k.result !== 'reserved')) {
          answer = by !== undefined && k.settledBy === by && k.result === result ? 'recorded' : 'settled-before';
          return k;
        }
        // A successor that found nothing done wrote not-attempted; the owner, still running, knows better.
        const { detail: _before, settledBy: _by, ...rest } = k;
        const stamp = by === undefined ? {} : { settledBy: by };
        return { ...rest, result, count: Math.max(count, 0), ...(detail === undefined ? {} : { detail }), ...stamp };
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

export interface LostRule {
  /** This run. */
  readonly owner: string;
  /** Reservations this run still holds in memory (round/heldReservations.ts): never lost. */
  readonly held: ReadonlySet<string>;
  /** The record clock's now. */
  readonly now: Date;
  /** kubernetes.writeTimeout + schedule.tickDeadline, in seconds. */
  readonly afterSeconds: number;
}

/**
 * This run's own reservations that it lost track of: still `reserved`, not
 * held, and dated more than a write timeout plus a tick deadline ago. One got
 * here because its write had no answer but was committed all the same (the
 * API server applied it once etcd was back), or because its tick failed
 * between reserving and recording (a read of its next victim timed out).
 * Asked at the start of a tick, when no hit of this run is in progress (ticks
 * never overlap); what outlives its tick (a drain, an outcome whose write
 * failed) is held. The age keeps a second margin on top: a hit reserves
 * within its tick, which starts nothing new after its deadline, and its
 * writes' answers come or are given up within a write timeout of being sent.
 */
export function lostReservations(kills: readonly KillRecord[], rule: LostRule): KillRecord[] {
  const before = rule.now.getTime() - rule.afterSeconds * 1000;
  return kills.filter(
    (k) => k.result === 'reserved' && k.owner === rule.owner && !rule.held.has(k.id) && Date.parse(k.at) < before,
  );
}
