// What the steps of a round (a pod hit, a node drain, the give-back, the
// settling of leftovers) share, defined once: the wiring every step needs,
// and the last step of every kill, writing the real outcome over its
// reservation. chaosRound.ts builds each step's options from its own deps.

import type { Reservation, Settled, Settlement } from '../budget/reservation.ts';
import type { HeldReservations } from './heldReservations.ts';
import type { Occurrence } from '../occurrence.ts';
import type { Clock, Random, StateStore } from '../ports.ts';
import type { Settings } from '../settings.ts';
import type { RecordClock } from '../time/recordClock.ts';

export interface RoundStepDeps {
  readonly settings: Settings;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly report: (o: Occurrence) => void;
  readonly leadership?: { isLeader(): boolean };
  /** What record ages (budgets, gaps, pruning) are judged on, immune to a forward step (time/recordClock.ts); else the clock. */
  readonly records?: RecordClock;
  /** What this run holds in memory of its reservations (heldReservations.ts); without it, nothing. */
  readonly held?: HeldReservations;
}

/** A step that draws and reserves within a tick. */
export interface KillStepDeps extends RoundStepDeps {
  readonly random: Random;
  /** Who reserves (this run of the daemon). */
  readonly owner: string;
  /** Aborted when the tick reached its deadline: no new kill starts. */
  readonly deadline?: AbortSignal;
}

/**
 * Settles a kill's reservation with its real outcome. A write that failed is
 * reported and held (HeldReservations.unstored); the caller still announces what it knows,
 * unless someone settled (and announced) the kill first.
 */
export async function settleOutcome(
  deps: KillStepDeps,
  reservation: Reservation,
  settlement: Settlement,
  what: string,
): Promise<Settled> {
  const settled = await reservation.settle(settlement);
  if (settled.answer === 'not-stored') {
    deps.held?.unstored(reservation, settlement);
    const { id } = reservation.record;
    const message = `recording the ${what} of ${id} failed; the reservation stays and the next leader settles it`;
    deps.report({ type: 'error', at: deps.clock.now(), kind: 'state', message });
  }
  return settled;
}
