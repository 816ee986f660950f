// The reservations this run still holds in memory after the tick that made
// them: a drain running in the background, outcomes known and announced
// whose write failed (written again at each tick, never announced again), and
// leftover settlements whose write failed (announced once a retry stores them).
// Nothing held is ever settled as lost (settleLost.ts), and each holds its
// victims when a leftover is judged (settleLeftovers.ts). Both kinds end: a
// drain within its timeout, an outcome at the first write that goes through.
// It also knows what each reservation of this run sent (`sent`): a leftover of
// its own is judged on those victims only (settleLeftovers.ts), so a pod it
// never sent an eviction for is never its kill. A restart forgets it all.

import type { Reservation, Settled, Settlement } from '../budget/reservation.ts';
import type { KillRecord, VictimRecord } from '../state.ts';

/** A kill settled on the cluster's witness. */
export interface SettledKill {
  readonly record: KillRecord;
  /** Victims the cluster shows evicted: their recovery is still worth watching. */
  readonly killed: readonly VictimRecord[];
}

/** What is left to do once a held settlement is stored: a leftover's announcement, told once. */
export type OnStored = (settled: Exclude<Settled, { answer: 'not-stored' }>) => SettledKill | undefined;

export interface HeldReservations {
  /** Takes a settlement whose write failed, to write it again at the next tick, then do `stored`. */
  unstored(reservation: Reservation, settlement: Settlement, stored?: OnStored): void;
  /** Writes the unstored settlements again; one that fails again stays held. The kills whose recovery is to follow. */
  storeUnstored(): Promise<SettledKill[]>;
  /** Holds a drain's reservation until the drain and its settlement are over. */
  drain(record: KillRecord, done: Promise<unknown>): void;
  /** The records held: an unstored one with its known outcome, a running drain still reserved. */
  records(): KillRecord[];
  /**
   * Notes, before it is sent, a disruption of `victim` (a pod's or node's UID)
   * under this run's reservation; without a victim: the reservation's own write.
   */
  sending(record: Pick<KillRecord, 'id' | 'at'>, victim?: string): void;
  /** The victims this run sent a disruption to under its reservation `id`; undefined: not known (not its own, or pre-restart). */
  sent(id: string): ReadonlySet<string> | undefined;
  /**
   * Forgets what `sent` knows of a reservation once a tick's read shows it
   * settled, or shows nothing of it and it is older than `since` (its write
   * never went through, or went through and was pruned): entries end.
   */
  retain(kills: readonly KillRecord[], since: Date): void;
}

export function createHeldReservations(): HeldReservations {
  const unstored: { reservation: Reservation; settlement: Settlement; stored?: OnStored }[] = [];
  const drains = new Map<string, KillRecord>();
  const sent = new Map<string, { at: string; victims: Set<string> }>();
  return {
    unstored(reservation, settlement, stored) {
      unstored.push({ reservation, settlement, ...(stored ? { stored } : {}) });
    },
    async storeUnstored() {
      const follow: SettledKill[] = [];
      // Held until its write went through, so a leftover judged meanwhile still sees it.
      for (const pending of [...unstored]) {
        const settled = await pending.reservation.settle(pending.settlement);
        if (settled.answer === 'not-stored') continue;
        unstored.splice(unstored.indexOf(pending), 1);
        const kill = pending.stored?.(settled);
        if (kill) follow.push(kill);
      }
      return follow;
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
    sending({ id, at }, victim) {
      const entry = sent.get(id) ?? { at, victims: new Set<string>() };
      if (victim !== undefined) entry.victims.add(victim);
      sent.set(id, entry);
    },
    sent: (id) => sent.get(id)?.victims,
    retain(kills, since) {
      const reserved = new Map(kills.map((k) => [k.id, k.result === 'reserved']));
      for (const [id, { at }] of sent) {
        const inState = reserved.get(id);
        if (inState === false || (inState === undefined && Date.parse(at) < since.getTime())) sent.delete(id);
      }
    },
  };
}
