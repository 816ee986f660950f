// The upgrade from a daemon that kept its whole record in the state (before
// the durable history): the state's format is the same, but its settled
// records are in no history, and the first compacting write would drop the
// old ones. So before that write the records are moved into the history, by
// day, as the entries they stand for; then every write marks the state with
// STATE_FORMAT, and a marked state is never moved again (its records are in
// the history through the history listener). Budget, gaps, reservations and
// the kill switch need nothing: they read the state as before.
//
// A move may be repeated: a process that dies after the move and before its
// first write leaves the state unmarked, and the next one moves it all again.
// That writes the same keys with the same values (entryKey), and the history
// reads one entry per key.
//
// A history that cannot be written does not hold the state back, as for a
// new kill (historyListener.ts): the failure is reported once, and the write
// goes on unmarked, listing in `unmoved` the old records not moved yet, which
// compaction then keeps (state.ts). The first write MOVE_RETRY_SECONDS later
// tries those again, and only those. If keeping them would pass the state's
// bound, the bound wins (boundedStateStore.ts): what the budget does not need
// is dropped, and that loss is reported once. Safety never waits for the
// audit trail.

import type { Occurrence } from '../occurrence.ts';
import { readKillSwitch } from '../killSwitch.ts';
import type { Clock, Log, StateStore, UpdateOptions } from '../ports.ts';
import { STATE_FORMAT, type HavocState, type KillRecord } from '../state.ts';
import { truncateText, type HistoryEntry, type HistoryTarget } from './historyEntry.ts';
import type { HistoryStore } from './historyStore.ts';
import { expired, retentionCutoff } from './retention.ts';

/**
 * A failed move is tried again by the first write at least this long after it, not by every write:
 * each try costs the history store's own retries (3 tries, 1 s then 2 s apart) while writes wait.
 */
export const MOVE_RETRY_SECONDS = 60;

export interface MigratingStateStoreOptions {
  /** The store the daemon writes through (compacting and bounded). */
  readonly store: StateStore;
  readonly history: Pick<HistoryStore, 'appendAll'>;
  readonly clock: Clock;
  /** The schedule's local day of an instant, and the history's retention: older days are not moved. */
  readonly localDate: (t: Date) => string;
  readonly retentionSeconds: number;
  readonly report: (o: Occurrence) => void;
  readonly log: Log;
}

export function migratingStateStore(options: MigratingStateStoreOptions): StateStore {
  const { store, history, clock, log } = options;
  let moved = false;
  let moving: Promise<void> | undefined;
  /** After a failed move: the ids of the old records still to move, and when to try again (monotonic ms). */
  let unmoved: readonly string[] | undefined;
  let retryAt = 0;
  const reported = { failure: false, loss: false };
  const error = (message: string) => options.report({ type: 'error', at: clock.now(), kind: 'history', message });

  const move = async () => {
    const state = await store.load();
    const listed = state.unmoved === undefined ? undefined : new Set(state.unmoved);
    const settled = state.kills.filter((k) => k.result !== 'reserved' && (listed?.has(k.id) ?? true));
    if (state.format !== undefined || settled.length === 0) {
      moved = true;
      return;
    }
    const cutoff = retentionCutoff(clock.now(), options.retentionSeconds, options.localDate);
    // By day, in time order: a day's entries go in one patch per part of its object.
    const days = new Map<string, { entries: HistoryEntry[]; records: Set<string> }>();
    let olderThanRetention = 0;
    const all = settled.flatMap((record) => recordEntries(record).map((entry) => ({ record: record.id, entry })));
    for (const { record, entry } of all.sort((a, b) => a.entry.at.localeCompare(b.entry.at))) {
      const day = options.localDate(new Date(entry.at));
      if (expired(day, cutoff)) {
        olderThanRetention += 1;
        continue;
      }
      const ofDay = days.get(day) ?? { entries: [], records: new Set() };
      ofDay.entries.push(entry);
      ofDay.records.add(record);
      days.set(day, ofDay);
    }
    const total = all.length - olderThanRetention;
    let written = 0;
    const left = [...days.values()];
    try {
      for (const ofDay of days.values()) {
        await history.appendAll(ofDay.entries);
        written += ofDay.entries.length;
        left.shift();
      }
    } catch (failure) {
      // A record with an entry in a day not written is moved again whole: its other entries land on their own keys.
      unmoved = [...new Set(left.flatMap((d) => [...d.records]))];
      retryAt = clock.monotonicMs() + MOVE_RETRY_SECONDS * 1000;
      const message =
        `moving the records of an older kube-havoc into the history stopped after ${written} of ${total} ` +
        `entries: ${(failure as Error).message}; the rest stays in the state and is tried again ` +
        `at a write from ${MOVE_RETRY_SECONDS} s on`;
      if (reported.failure) log.warn({ err: failure, unmoved: unmoved.length }, message);
      else error(message);
      reported.failure = true;
      return;
    }
    log.info(
      { records: settled.length, entries: written, olderThanRetention, cutoff },
      `state of an older kube-havoc: its ${settled.length} settled records moved into the history as ${written} entries`,
    );
    moved = true;
    unmoved = undefined;
  };

  /** An unmarked write keeps the records still to move; the bound may drop some, and that is said once. */
  const writeUnmarked = async (
    change: (state: HavocState) => HavocState,
    updateOptions: UpdateOptions | undefined,
    keep: readonly string[],
  ) => {
    const written = await store.update((state) => ({ ...change(state), unmoved: keep }), updateOptions);
    const still = new Set(written.unmoved);
    const lost = keep.filter((id) => !still.has(id));
    if (lost.length > 0) {
      unmoved = keep.filter((id) => still.has(id));
      if (!reported.loss)
        error(
          `${lost.length} records of an older kube-havoc are not in the history: keeping them until the move works ` +
            'would pass the bound of the state, which came first (the budget still counts what it needs)',
        );
      reported.loss = true;
    }
    return written;
  };

  return {
    load: () => store.load(),
    killSwitch: () => readKillSwitch(store),
    async update(change, updateOptions) {
      if (!moved && (unmoved === undefined || unmoved.length === 0 || clock.monotonicMs() >= retryAt)) {
        moving ??= move().finally(() => {
          moving = undefined;
        });
        await moving;
      }
      if (!moved) return writeUnmarked(change, updateOptions, unmoved ?? []);
      return store.update((state) => {
        const { unmoved: _moved, ...next } = change(state);
        return { ...next, format: STATE_FORMAT };
      }, updateOptions);
    },
  };
}

/**
 * The history entries a settled record of an older daemon stands for: one
 * kill entry per victim (the node, for a drain), and its recovery verdict.
 * Such a record kept one result for the attempt, not one per pod: with one
 * victim that is the pod's; with several it cannot tell which pod had which
 * outcome, so each is `unknown` and the detail says what the record knew.
 * Nothing for what did not happen (`not-attempted`: the victims were found
 * untouched), for a pod record without its victims (there is no pod to name)
 * or for one whose instant is not a date (an entry's key and day need one).
 */
export function recordEntries(record: KillRecord): HistoryEntry[] {
  if (record.result === 'reserved' || record.result === 'not-attempted') return [];
  if (Number.isNaN(Date.parse(record.at))) return [];
  const targets = recordTargets(record);
  const several = targets.length > 1;
  const common = { action: record.action, dryRun: record.dryRun, reason: truncateText(record.reason ?? '') };
  const kills: HistoryEntry[] = targets.map((target) => ({
    type: 'kill',
    at: record.at,
    target,
    ...common,
    result: several ? 'unknown' : record.result,
    ...(several
      ? {
          detail:
            `recorded by an older kube-havoc as one attempt on ${targets.length} pods: ${record.result}, ` +
            `${record.count} disrupted; the outcome of each pod was not kept`,
        }
      : {}),
  }));
  const { recovery } = record;
  const first = targets[0];
  if (recovery === undefined || first === undefined) return kills;
  const { hypothesis } = recovery;
  return [
    ...kills,
    {
      type: 'recovery',
      // The verdict came when the check ended: the attempt plus the seconds it measured.
      at: new Date(Date.parse(record.at) + recovery.seconds * 1000).toISOString(),
      target: first,
      dryRun: record.dryRun,
      action: record.action,
      victims: targets.length,
      recovered: recovery.recovered,
      seconds: recovery.seconds,
      ...(hypothesis ? { hypothesis: { verdict: hypothesis.verdict, detail: truncateText(hypothesis.detail) } } : {}),
    },
  ];
}

function recordTargets(record: KillRecord): HistoryTarget[] {
  if (record.action === 'node-drain')
    return [{ kind: 'Node', name: record.target.replace(/^node\//, ''), uid: record.nodeUid ?? '' }];
  const { workload } = record;
  if (workload === undefined) return [];
  return (record.victims ?? []).map((v) => ({
    kind: 'Pod',
    namespace: v.namespace,
    name: v.name,
    uid: v.uid,
    workloadKind: workload.kind,
    workload: workload.name,
  }));
}
