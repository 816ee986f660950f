// What the steps of a round (a pod hit, a node drain, the give-back, the
// settling of leftovers) share, defined once: the wiring every step needs,
// and the last step of every kill, writing the real outcome over its
// reservation. chaosRound.ts builds each step's options from its own deps.

import type { Reservation, Settled, Settlement } from '../budget/reservation.ts';
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
}

/** A step that draws and reserves within a tick. */
export interface KillStepDeps extends RoundStepDeps {
  readonly random: Random;
  /** Who reserves (this run of the daemon). */
  readonly owner: string;
  /** Aborted when the tick reached its deadline: no new kill starts. */
  readonly deadline?: AbortSignal;
  /** Takes a settlement whose write failed, to write it again at the next tick. */
  readonly unstored?: (reservation: Reservation, settlement: Settlement) => void;
}

/**
 * Settles a kill's reservation with its real outcome. A write that failed is
 * reported and handed to `unstored`; the caller still announces what it knows,
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
    deps.unstored?.(reservation, settlement);
    const { id } = reservation.record;
    const message = `recording the ${what} of ${id} failed; the reservation stays and the next leader settles it`;
    deps.report({ type: 'error', at: deps.clock.now(), kind: 'state', message });
  }
  return settled;
}
