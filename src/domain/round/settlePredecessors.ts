// A leader that starts or takes over settles the reservations a previous run
// left unsettled (it crashed, or lost the lease, between reserving and
// recording). The cluster is the witness, by UID: a victim terminating with
// the Eviction API's mark was killed; an untouched one was not; one already
// gone, or going for another cause, is unknown (killEvidence.ts). What it
// shows is recorded and announced (Event, metric, Slack, log) exactly once:
// the settlement is a conditional write, and only the replica whose write
// settled it announces. The budget stays charged whatever the outcome.

import { budgetLeft } from '../budget/budget.ts';
import { leftOver, unsettled } from '../budget/reservation.ts';
import { judgeKill } from '../killEvidence.ts';
import type { KillOutcome } from '../model.ts';
import type { Target } from '../occurrence.ts';
import type { NodeDrainer, PodKiller } from '../ports.ts';
import type { KillRecord, VictimRecord } from '../state.ts';
import type { RoundStepDeps } from './roundStep.ts';

export interface SettleDeps extends RoundStepDeps {
  readonly killer: PodKiller;
  readonly drainer?: NodeDrainer;
  /** This run: its own reservations are left to its own tick. */
  readonly owner: string;
}

export interface SettledKill {
  readonly record: KillRecord;
  /** Victims the cluster shows evicted: their recovery is still worth watching. */
  readonly killed: readonly VictimRecord[];
}

export interface Settling {
  readonly settled: readonly SettledKill[];
  /** false: some leftover could not be settled now (a read or a write failed); the next tick tries again. */
  readonly complete: boolean;
}

export async function settlePredecessors(deps: SettleDeps): Promise<Settling> {
  const settled: SettledKill[] = [];
  let complete = true;
  const { kills } = await deps.state.load();
  for (const record of unsettled(kills, deps.owner)) {
    try {
      const done = await settleOne(deps, record, kills);
      if (done !== undefined) settled.push(done);
    } catch (error) {
      // Left reserved: the next tick tries again; the budget stays charged meanwhile.
      complete = false;
      const whose = record.owner ?? 'an older run';
      const message = `settling reservation ${record.id} of ${whose} failed: ${(error as Error).message}`;
      deps.report({ type: 'error', at: deps.clock.now(), kind: kindOf(error), message });
    }
  }
  return { settled, complete };
}

// Settling never changes a count, so the budget read before it is the budget after it.
async function settleOne(deps: SettleDeps, record: KillRecord, kills: readonly KillRecord[]): Promise<SettledKill | undefined> {
  const leftover = leftOver(deps.state, record);
  // A write that did not go through leaves the reservation for the next try, like a failed read.
  const reservation = {
    settle: async (settlement: Parameters<typeof leftover.settle>[0]) => {
      const written = await leftover.settle(settlement);
      if (written.answer === 'not-stored') throw new Error(`the outcome ${settlement.result} could not be written`);
      return written;
    },
  };
  const by = `reserved by ${record.owner ?? 'an older run'}, which stopped before recording the outcome`;
  if (record.action === 'node-drain') {
    const name = record.target.replace(/^node\//, '');
    if (deps.drainer === undefined) return undefined; // node chaos is off now: nobody here can tell; it stays charged
    const drained = !record.dryRun && (await deps.drainer.isDrained(name));
    if (!drained) {
      await reservation.settle({ result: 'not-attempted', count: record.count });
      return undefined;
    }
    if ((await reservation.settle({ result: 'killed', count: record.count })).answer !== 'recorded') return undefined;
    announce(
      deps,
      kills,
      record,
      { kind: 'Node', name, uid: record.nodeUid ?? '' },
      { result: 'killed', detail: `node found cordoned by kube-havoc (${by})` },
    );
    return undefined;
  }

  // A dry run killed nothing whatever happened; a record without victims is from before they were kept.
  const victims = record.dryRun ? [] : (record.victims ?? []);
  const method = record.action === 'pod-delete' ? 'delete' : 'evict';
  const seen: { victim: VictimRecord; outcome: KillOutcome }[] = [];
  for (const victim of victims) {
    const outcome = judgeKill(await deps.killer.fate(victim), method);
    if (outcome !== undefined) seen.push({ victim, outcome });
  }
  if (seen.length === 0) {
    await reservation.settle({ result: 'not-attempted', count: record.count });
    return undefined;
  }
  const killed = seen.filter((s) => s.outcome.result === 'killed').map((s) => s.victim);
  // Whatever the cluster cannot tell stays charged, and is said as unknown, never as a kill.
  const result = killed.length > 0 ? 'killed' : 'unknown';
  if ((await reservation.settle({ result, count: record.count })).answer !== 'recorded') return undefined;
  const workload = record.workload;
  if (workload === undefined) return undefined;
  for (const { victim, outcome } of seen) {
    const target: Target = { ...victim, kind: 'Pod', workload, workloadUid: record.workloadUid ?? '' };
    announce(deps, kills, record, target, { ...outcome, detail: `${outcome.detail ?? outcome.result} (${by})` });
  }
  return killed.length > 0 ? { record, killed } : undefined;
}

function announce(
  deps: SettleDeps,
  kills: readonly KillRecord[],
  record: KillRecord,
  target: Target,
  outcome: KillOutcome,
): void {
  const { settings, clock } = deps;
  const budget = budgetLeft({ history: kills, now: clock.now(), caps: settings.caps, dryRun: record.dryRun });
  const reason = record.reason ?? 'settled after a leader change';
  deps.report({ type: 'kill', at: clock.now(), target, action: record.action, dryRun: record.dryRun, outcome, reason, budget });
}

function kindOf(error: unknown): string {
  const kind = (error as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'state';
}
