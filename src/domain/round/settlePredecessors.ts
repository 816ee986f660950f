// A leader that starts or takes over settles the reservations a previous run
// left unsettled (it crashed, or lost the lease, between reserving and
// recording), on the cluster's witness (settleLeftovers.ts). Its own
// reservations are its own tick's (settleLost.ts).

import { unsettled } from '../budget/reservation.ts';
import { settleLeftovers, type LeftoverDeps, type Settling } from './settleLeftovers.ts';

export type { SettledKill, Settling } from './settleLeftovers.ts';

/** `owner`: this run; its own reservations are left to its own tick. */
export type SettleDeps = LeftoverDeps;

export async function settlePredecessors(deps: SettleDeps): Promise<Settling> {
  const { kills } = await deps.state.load();
  return settleLeftovers(
    deps,
    unsettled(kills, deps.owner),
    (record) => `reserved by ${record.owner ?? 'an older run'}, which stopped before recording the outcome`,
  );
}
