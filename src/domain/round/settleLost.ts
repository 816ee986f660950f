// At each tick, before anything else, a run settles the reservations of its
// own that it lost track of (budget/reservation.ts, lostReservations): a
// write whose answer never came but that the API server committed, or a tick
// that failed between reserving and recording. They are settled like a
// predecessor's (settleLeftovers.ts), once, but on the victims this run knows
// it sent a disruption to (heldReservations.ts): none, when the reservation's
// own write had no answer. Until then they stay charged. It costs no request when there is none: the tick's
// own read of the state is where they are found.

import { historySeconds } from '../budget/budget.ts';
import { lostReservations } from '../budget/reservation.ts';
import type { KillRecord } from '../state.ts';
import { settleLeftovers, type LeftoverDeps, type Settling } from './settleLeftovers.ts';

export interface SettleLostDeps extends LeftoverDeps {
  /** The kill history as this tick read it. */
  readonly kills: readonly KillRecord[];
  /** The record clock's now (time/recordClock.ts). */
  readonly now: Date;
}

export async function settleLost(deps: SettleLostDeps): Promise<Settling> {
  const { settings } = deps;
  deps.held?.retain(deps.kills, new Date(deps.now.getTime() - historySeconds(settings.minGapSeconds) * 1000));
  const lost = lostReservations(deps.kills, {
    owner: deps.owner,
    held: new Set((deps.held?.records() ?? []).map((k) => k.id)),
    now: deps.now,
    afterSeconds: settings.writeTimeoutSeconds + settings.tickDeadlineSeconds,
  });
  if (lost.length === 0) return { settled: [], complete: true };
  return settleLeftovers(
    deps,
    lost,
    () => 'reserved by this run, which lost track of it: its write had no answer, or its tick failed before recording',
  );
}
