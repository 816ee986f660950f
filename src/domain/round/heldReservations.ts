// The reservations this run still holds in memory after the tick that made
// them: a drain running in the background, and outcomes known and announced
// whose write failed (written again at each tick, never announced again).
// Nothing held is ever settled as lost (settleLost.ts), and each holds its
// victims when a leftover is judged (settleLeftovers.ts). Both kinds end: a
// drain within its timeout, an outcome at the first write that goes through.

import type { Reservation, Settlement } from '../budget/reservation.ts';
import type { KillRecord } from '../state.ts';

export interface HeldReservations {
  /** Takes a settlement whose write failed, to write it again at the next tick. */
  unstored(reservation: Reservation, settlement: Settlement): void;
  /** Writes the unstored settlements again; one that fails again stays held. */
  storeUnstored(): Promise<void>;
  /** Holds a drain's reservation until the drain and its settlement are over. */
  drain(record: KillRecord, done: Promise<unknown>): void;
  /** The records held: an unstored one with its known outcome, a running drain still reserved. */
  records(): KillRecord[];
}

export function createHeldReservations(): HeldReservations {
  const unstored: { reservation: Reservation; settlement: Settlement }[] = [];
  const drains = new Map<string, KillRecord>();
  return {
    unstored(reservation, settlement) {
      unstored.push({ reservation, settlement });
    },
    async storeUnstored() {
      // Held until its write went through, so a leftover judged meanwhile still sees it.
      for (const pending of [...unstored]) {
        if ((await pending.reservation.settle(pending.settlement)).answer !== 'not-stored')
          unstored.splice(unstored.indexOf(pending), 1);
      }
    },
    drain(record, done) {
      drains.set(record.id, record);
      // A drain hands a failed settlement to `unstored` before `done` resolves: it stays held without a gap.
      const release = () => drains.delete(record.id);
      done.then(release, release);
    },
    records: () => [
      ...[...drains.values()],
      ...unstored.map(({ reservation, settlement }) => ({
        ...reservation.record,
        result: settlement.result,
        count: settlement.count,
      })),
    ],
  };
}
