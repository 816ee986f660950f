// The upgrade from a daemon that kept its whole record in the state (before
// the durable history): the state's format is the same, but its settled
// records are in no history, and the first compacting write would drop the
// old ones. So before that write the records are moved into the history, by
// day, as the entries they stand for; then every write marks the state with
// STATE_FORMAT, and a marked state is never moved again (its records are in
// the history through the history listener). Budget, gaps, reservations and
// the kill switch need nothing: they read the state as before.
//
// A history that cannot be written does not hold the state back, as for a
// new kill (historyListener.ts): what could not be moved is reported once,
// and the write goes on. Safety never waits for the audit trail.

import type { Occurrence } from '../occurrence.ts';
import { readKillSwitch } from '../killSwitch.ts';
import type { Clock, Log, StateStore } from '../ports.ts';
import { STATE_FORMAT, type KillRecord } from '../state.ts';
import { truncateText, type HistoryEntry, type HistoryTarget } from './historyEntry.ts';
import type { HistoryStore } from './historyStore.ts';
import { expired, retentionCutoff } from './retention.ts';

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

  const move = async () => {
    const state = await store.load();
    const settled = state.kills.filter((k) => k.result !== 'reserved');
    if (state.format !== undefined || settled.length === 0) {
      moved = true;
      return;
    }
    const cutoff = retentionCutoff(clock.now(), options.retentionSeconds, options.localDate);
    const all = settled.flatMap(recordEntries);
    // By day, in time order: a day's entries go in one patch per part of its object.
    const days = new Map<string, HistoryEntry[]>();
    for (const entry of [...all].sort((a, b) => a.at.localeCompare(b.at))) {
      const day = options.localDate(new Date(entry.at));
      if (expired(day, cutoff)) continue;
      const ofDay = days.get(day) ?? [];
      ofDay.push(entry);
      days.set(day, ofDay);
    }
    const entries = [...days.values()].flat();
    let written = 0;
    try {
      for (const ofDay of days.values()) {
        await history.appendAll(ofDay);
        written += ofDay.length;
      }
    } catch (error) {
      options.report({
        type: 'error',
        at: clock.now(),
        kind: 'history',
        message:
          `moving the records of an older kube-havoc into the history stopped after ${written} of ${entries.length} ` +
          `entries: ${(error as Error).message}; the rest is not in the history (the budget still counts what it needs)`,
      });
    }
    log.info(
      { records: settled.length, entries: written, olderThanRetention: all.length - entries.length, cutoff },
      `state of an older kube-havoc: its ${settled.length} settled records moved into the history as ${written} entries`,
    );
    moved = true;
  };

  return {
    load: () => store.load(),
    killSwitch: () => readKillSwitch(store),
    async update(change, updateOptions) {
      if (!moved) {
        moving ??= move().finally(() => {
          moving = undefined;
        });
        await moving;
      }
      return store.update((state) => ({ ...change(state), format: STATE_FORMAT }), updateOptions);
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
