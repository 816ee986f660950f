// A reservation nobody holds, settled on the cluster's witness: a
// predecessor's (settlePredecessors.ts) or one this run lost track of
// (settleLost.ts). By UID, a victim terminating with the Eviction API's mark
// was killed; an untouched one was not; one already gone, or going for
// another cause, is unknown (killEvidence.ts). What it shows is recorded and
// announced (Event, metric, Slack, log) exactly once: the settlement is a
// conditional write, and only the replica whose write settled it announces.
// A pod (or a node's cordon) that another record already told (settled it
// killed or unknown) is that record's: it is not told again under this one,
// and the settlement says which record holds it. The budget stays charged
// whatever the outcome.

import { budgetLeft } from '../budget/budget.ts';
import { leftOver, type Settled, type Settlement } from '../budget/reservation.ts';
import { judgeKill } from '../killEvidence.ts';
import type { KillOutcome } from '../model.ts';
import type { Target } from '../occurrence.ts';
import type { NodeDrainer, PodKiller } from '../ports.ts';
import type { KillRecord, VictimRecord } from '../state.ts';
import type { SettledKill } from './heldReservations.ts';
import type { RoundStepDeps } from './roundStep.ts';

export interface LeftoverDeps extends RoundStepDeps {
  /** This run: it stamps what it settles (KillRecord.settledBy). */
  readonly owner: string;
  readonly killer: PodKiller;
  readonly drainer?: NodeDrainer;
}

export type { SettledKill };

export interface Settling {
  readonly settled: readonly SettledKill[];
  /** false: some leftover could not be settled now (a read or a write failed); the next tick tries again. */
  readonly complete: boolean;
}

/** Settles each of `records`; `by` says whose it was and why nobody recorded it (the announcement's detail). */
export async function settleLeftovers(
  deps: LeftoverDeps,
  records: readonly KillRecord[],
  by: (record: KillRecord) => string,
): Promise<Settling> {
  const settled: SettledKill[] = [];
  let complete = true;
  // One this run holds (a settlement whose write is to be retried) is settled by the retry alone.
  const held = new Set((deps.held?.records() ?? []).map((k) => k.id));
  for (const record of records.filter((k) => !held.has(k.id))) {
    try {
      const done = await settleOne(deps, record, by(record));
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

interface Seen {
  readonly victim: VictimRecord;
  readonly outcome: KillOutcome;
}

async function settleOne(deps: LeftoverDeps, record: KillRecord, by: string): Promise<SettledKill | undefined> {
  const leftover = leftOver(deps.state, record, deps.owner);
  // What this run knows it sent under its own reservation is all it judges; a restart forgets, then the cluster is the witness.
  const sent = deps.held?.sent(record.id);
  const sentNothing = sent?.size === 0 && !record.dryRun;
  const seen = await witness(deps, record, sent, by);
  if (seen === undefined) return undefined; // node chaos is off now: nobody here can tell; it stays charged
  // Decided inside the write, on the state as it is then: a record settled meanwhile (by this pass too) holds its pods.
  let decided: ReturnType<typeof decide> | undefined;
  const written = await leftover.settle((kills) => {
    decided = decide(record, seen, { settled: kills, held: deps.held?.records() ?? [], sentNothing });
    return decided.settlement;
  });
  const { told, settlement } = decided as ReturnType<typeof decide>;
  const tell = (stored: Exclude<Settled, { answer: 'not-stored' }>) =>
    stored.answer === 'recorded' ? announce(deps, record, told, stored.history) : undefined;
  if (written.answer !== 'not-stored') return tell(written);
  // Its answer lost, the write may still have gone through, and then no sweep finds the record again: the run
  // holds what it decided and tells it once a retry finds the write there (its own stamp, the same result).
  if (deps.held === undefined) throw new Error(`the outcome of ${record.id} could not be written`);
  deps.held.unstored(leftover, settlement, tell);
  const message = `recording the settlement of ${record.id} failed; held, written again and announced at the next tick`;
  deps.report({ type: 'error', at: deps.clock.now(), kind: 'state', message });
  return undefined;
}

/** What the cluster shows of the victims this run may judge (undefined: nobody here can tell a drain now). */
async function witness(
  deps: LeftoverDeps,
  record: KillRecord,
  sent: ReadonlySet<string> | undefined,
  by: string,
): Promise<Seen[] | undefined> {
  if (record.action === 'node-drain') {
    const name = record.target.replace(/^node\//, '');
    if (deps.drainer === undefined) return undefined;
    const drained = !record.dryRun && sent?.size !== 0 && (await deps.drainer.isDrained(name));
    const node = { namespace: '', name, uid: record.nodeUid ?? '' };
    return drained ? [{ victim: node, outcome: { result: 'killed', detail: `node found cordoned by kube-havoc (${by})` } }] : [];
  }
  // A dry run killed nothing whatever happened; a record without victims is from before they were kept.
  const victims = record.dryRun ? [] : (record.victims ?? []).filter((v) => sent?.has(v.uid) ?? true);
  const method = record.action === 'pod-delete' ? 'delete' : 'evict';
  const seen: Seen[] = [];
  for (const victim of victims) {
    const outcome = judgeKill(await deps.killer.fate(victim), method);
    if (outcome !== undefined)
      seen.push({ victim, outcome: { ...outcome, detail: `${outcome.detail ?? outcome.result} (${by})` } });
  }
  return seen;
}

/** Announces what a recorded settlement tells (Event, metric, Slack, log); its kills' recovery is worth watching. */
function announce(
  deps: LeftoverDeps,
  record: KillRecord,
  told: readonly Seen[],
  history: readonly KillRecord[],
): SettledKill | undefined {
  const { settings, clock } = deps;
  const budget = budgetLeft({ history, now: clock.now(), caps: settings.caps, dryRun: record.dryRun });
  const reason = record.reason ?? 'settled after a leader change';
  const { workload } = record;
  if (record.action !== 'node-drain' && workload === undefined) return undefined;
  for (const { victim, outcome } of told) {
    const target: Target =
      workload === undefined || record.action === 'node-drain'
        ? { kind: 'Node', name: victim.name, uid: victim.uid }
        : { ...victim, kind: 'Pod', workload, workloadUid: record.workloadUid ?? '' };
    deps.report({ type: 'kill', at: clock.now(), target, action: record.action, dryRun: record.dryRun, outcome, reason, budget });
  }
  const killed = told.filter((s) => s.outcome.result === 'killed').map((s) => s.victim);
  return record.action !== 'node-drain' && killed.length > 0 ? { record, killed } : undefined;
}

/**
 * What the settlement of `record` says, given what the cluster showed of its
 * victims (`seen`) and the other records: a victim another record already
 * told is that record's, so it is neither told nor counted here.
 */
function decide(
  record: KillRecord,
  seen: readonly Seen[],
  others: { readonly settled: readonly KillRecord[]; readonly held: readonly KillRecord[]; readonly sentNothing: boolean },
): { settlement: Settlement; told: readonly Seen[] } {
  // A record in the state holds its victims once it told them, as killed or unknown; one this run holds, while
  // its outcome is on the way too.
  const told = (k: KillRecord) => k.result === 'killed' || k.result === 'unknown';
  const holders = [...others.settled.filter(told), ...others.held.filter((k) => told(k) || k.result === 'reserved')];
  const telling: Seen[] = [];
  const notes = others.sentNothing ? ['this run sent no disruption under it: the cluster was not asked'] : [];
  for (const s of seen) {
    const holder = holders.find((other) => holds(other, record, s.victim));
    if (holder === undefined) telling.push(s);
    else notes.push(`${heldThing(record, s.victim)} is recorded as ${holder.result} by ${holder.id}`);
  }
  // Whatever the cluster cannot tell stays charged, and is said as unknown, never as a kill.
  const killed = telling.some((s) => s.outcome.result === 'killed');
  const result = killed ? 'killed' : telling.length > 0 ? 'unknown' : 'not-attempted';
  // Only a record not settled killed carries the detail (KillRecord.detail): the held victims are simply not told.
  const detail = result !== 'killed' && notes.length > 0 ? notes.join('; ') : undefined;
  return { settlement: { result, count: record.count, ...(detail === undefined ? {} : { detail }) }, told: telling };
}

/**
 * Whether the holder `other` holds this victim of `record`: it names the pod
 * by UID. A node's UID outlives its drains, so a drain holds the cordon the
 * node shows when it is the same node's and began no earlier: each drain
 * writes the mark anew. A dry run killed nothing, so it holds nothing.
 */
function holds(other: KillRecord, record: KillRecord, victim: VictimRecord): boolean {
  if (other.id === record.id || other.dryRun) return false;
  if (record.action === 'node-drain')
    return other.action === 'node-drain' && other.target === record.target && other.at >= record.at;
  return other.victims?.some((v) => v.uid === victim.uid) === true;
}

function heldThing(record: KillRecord, victim: VictimRecord): string {
  return record.action === 'node-drain'
    ? `node ${victim.name}'s cordon`
    : `pod ${victim.namespace}/${victim.name} (${victim.uid})`;
}

function kindOf(error: unknown): string {
  const kind = (error as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'state';
}
