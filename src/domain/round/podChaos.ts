// One experiment on one workload: gate on steady state, pick victims within
// the blast radius, reserve the budget in the persisted state, kill, record.
// The reservation is written before the first API call, so a crash or an API
// error can waste budget but never cause a second kill; it is settled with
// the real outcome before the kill is announced.

import { available } from '../budget/budget.ts';
import { workloadKey, type KillOutcome, type PodInfo } from '../model.ts';
import type { Target } from '../occurrence.ts';
import type { WorkloadPolicy } from '../optin/workloadPolicy.ts';
import type { TickPermit } from '../permit/permit.ts';
import { isRefusal, type Refusal } from '../permit/refusal.ts';
import type { Cluster, PodKiller } from '../ports.ts';
import { shuffle } from '../random.ts';
import { chooseVictims } from '../selection/zones.ts';
import type { Candidate } from '../selection/candidates.ts';
import { filterBySteadyState } from '../selection/filters.ts';
import { killCount } from '../selection/killCount.ts';
import { settleOutcome, type KillStepDeps } from './roundStep.ts';

export interface PodChaosDeps extends KillStepDeps {
  readonly cluster: Cluster;
  readonly killer: PodKiller;
  readonly checkpoint?: (point: 'reserved' | 'killed') => Promise<void>;
  readonly action: 'pod-evict' | 'pod-delete';
}

export interface PodHit extends PodChaosDeps {
  readonly candidate: Candidate;
  /** The permit of this tick: every guard, at the moment of each mutation. */
  readonly permit: TickPermit;
  /** Why this workload is hit (the kill's reason). */
  readonly reason: string;
}

export interface HitResult {
  readonly killed: readonly PodInfo[];
  readonly outcomes: readonly KillOutcome[];
  /** The KillRecord of this attempt, when one was written (the recovery verdict goes onto it). */
  readonly recordId?: string;
  /** The workload's policy as its fresh read said (the recovery check probes what the kill probed). */
  readonly policy?: WorkloadPolicy;
}

export async function hitWorkload(deps: PodHit): Promise<HitResult> {
  const { candidate, permit, reason } = deps;
  const { settings, clock } = deps;
  const none: HitResult = { killed: [], outcomes: [] };
  const skip = ({ reason: why, detail }: Refusal): HitResult => {
    deps.report({
      type: 'skip',
      at: clock.now(),
      workload: candidate.workload.ref,
      workloadUid: candidate.workload.uid,
      reason: why,
      detail,
      dryRun: settings.dryRun,
    });
    return none;
  };

  const left = permit.budget();
  if (available(left) <= 0)
    return skip({ reason: 'budget-spent', detail: `budget left: tick ${left.tick}, hour ${left.hour}, day ${left.day}` });
  // The watched status rules a workload out for free; only a fresh read (the
  // workload and its pods, now) may clear it, so a lagging cache never leads
  // to a kill of a degraded workload.
  const watchedNotSteady = filterBySteadyState(candidate.workload);
  if (watchedNotSteady !== undefined) return skip({ reason: 'not-steady', detail: watchedNotSteady });
  const early = permit.moment();
  if (early) return skip(early);
  const cleared = await permit.clear(candidate.workload);
  if (isRefusal(cleared)) return skip(cleared);
  const refused = await permit.hypothesis(cleared);
  if (refused !== undefined) return skip(refused);
  const { workload, policy, pods, allowance, spread } = cleared;
  const wanted = Math.min(killCount(policy, pods.length, deps.random), allowance, available(permit.budget()));
  if (wanted <= 0) return skip({ reason: 'budget-spent', detail: 'no budget left for this tick' });
  // At random, but from the zones with the most ready replicas first, and none below keepReadyPerZone.
  const victims = chooseVictims(shuffle(pods, deps.random), spread, wanted, deps.cluster.zoneOf);
  const count = victims.length;

  const at = clock.now().toISOString();
  const id = `${at}/${workloadKey(workload.ref)}`;
  // Known before the write: if its answer is lost, this run knows it sent nothing (heldReservations.ts).
  deps.held?.sending({ id, at });
  const reservation = await permit.reserve({
    id,
    at,
    target: workloadKey(workload.ref),
    action: deps.action,
    dryRun: settings.dryRun,
    count,
    owner: deps.owner,
    reason,
    workload: workload.ref,
    workloadUid: workload.uid,
    victims: victims.map(({ namespace, name, uid }) => ({ namespace, name, uid })),
  });
  if (isRefusal(reservation)) return skip(reservation);
  await deps.checkpoint?.('reserved');

  const outcomes: KillOutcome[] = [];
  const killed: PodInfo[] = [];
  let stopped: Refusal | undefined;
  for (const [i, pod] of victims.entries()) {
    // The reservation's write may return after the term or the window ended: the first victim asks the moment
    // (no I/O); each further one asks again, the kill switch too (a pause written meanwhile stops it).
    stopped = i === 0 ? permit.moment() : await permit.again();
    if (stopped) break;
    deps.held?.sending({ id, at }, pod.uid);
    const outcome = await killSafely(deps.killer, pod, candidate, settings.dryRun);
    outcomes.push(outcome);
    if (outcome.result === 'killed') killed.push(pod);
  }
  await deps.checkpoint?.('killed');

  // Settled before it is announced: a crash in between leaves a reservation
  // that the next leader settles and announces, so each kill is told once.
  // Only a clear "no" (blocked, already gone, never tried) gives the budget back;
  // a failure or an unknown may have killed on the server.
  const uncertain = outcomes.filter((o) => o.result === 'failed' || o.result === 'unknown');
  const spent = killed.length + uncertain.length;
  permit.spend(spent, workload.ref);
  const result = killed.length > 0 ? 'killed' : (uncertain[0]?.result ?? outcomes[0]?.result ?? 'failed');
  const settled = await settleOutcome(deps, reservation, { result, count: spent }, 'outcome');
  // An outcome not stored leaves the reservation's full count charged: the history as reserved says so.
  if (settled.answer !== 'not-stored') permit.learn(settled.history);
  if (stopped) skip(stopped);
  if (settled.answer === 'settled-before') return { killed: [], outcomes };
  const budget = permit.budget();
  outcomes.forEach((outcome, i) => {
    const pod = victims[i] as PodInfo;
    const target: Target = {
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      workload: workload.ref,
      workloadUid: workload.uid,
    };
    deps.report({ type: 'kill', at: clock.now(), target, action: deps.action, dryRun: settings.dryRun, outcome, reason, budget });
  });
  return { killed, outcomes, recordId: reservation.record.id, policy };
}

async function killSafely(killer: PodKiller, pod: PodInfo, candidate: Candidate, dryRun: boolean): Promise<KillOutcome> {
  try {
    return await killer.kill(pod, candidate.workload.ref, { dryRun });
  } catch (error) {
    return { result: 'failed', detail: (error as Error).message };
  }
}
