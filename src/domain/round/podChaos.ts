// One experiment on one workload: gate on steady state, pick victims within
// the blast radius, reserve the budget in the persisted state, kill, record.
// The reservation is written before the first API call, so a crash or an API
// error can waste budget but never cause a second kill; it is settled with
// the real outcome before the kill is announced.

import { available, budgetLeft, type BudgetLeft } from '../budget/budget.ts';
import { reserve, ReservationRefused, type Reservation } from '../budget/reservation.ts';
import { workloadKey, type KillOutcome, type PodInfo } from '../model.ts';
import type { SkipReason, Target } from '../occurrence.ts';
import type { Cluster, PodKiller, SteadyStateProbe } from '../ports.ts';
import { shuffle } from '../random.ts';
import type { Candidate } from '../selection/candidates.ts';
import { eligiblePods, filterBySteadyState, readyReplicas } from '../selection/filters.ts';
import { blastRadiusAllowance, killCount } from '../selection/killCount.ts';
import type { KillRecord } from '../state.ts';
import type { SteadyStateGate } from '../steadyState/steadyStateGate.ts';
import { settleOutcome, type KillStepDeps } from './roundStep.ts';

export interface PodChaosDeps extends KillStepDeps {
  readonly cluster: Cluster;
  readonly killer: PodKiller;
  readonly probe: SteadyStateProbe;
  readonly steadyState?: SteadyStateGate;
  readonly checkpoint?: (point: 'reserved' | 'killed') => Promise<void>;
  readonly action: 'pod-evict' | 'pod-delete';
}

export interface PodHit extends PodChaosDeps {
  readonly candidate: Candidate;
  /** Disruptions this replica already caused in the current tick. */
  readonly spentThisTick: number;
  /** The kill history as last read (the reservation checks it again, fresh). */
  readonly history: readonly KillRecord[];
  /** Why this workload is hit (the kill's reason). */
  readonly reason: string;
}

export interface HitResult {
  readonly killed: readonly PodInfo[];
  readonly outcomes: readonly KillOutcome[];
  /** Disruptions counted against the budget: killed plus failed (a failure may have happened on the server). */
  readonly spent: number;
  /** The KillRecord of this attempt, when one was written (the recovery verdict goes onto it). */
  readonly recordId?: string;
  /** The kill history as this attempt's last write left it; absent when nothing was written. */
  readonly history?: readonly KillRecord[];
}

export async function hitWorkload(deps: PodHit): Promise<HitResult> {
  const { candidate, spentThisTick, reason } = deps;
  const { settings, clock } = deps;
  const { policy } = candidate;
  const now = clock.now();
  const none: HitResult = { killed: [], outcomes: [], spent: 0 };
  const skip = (why: SkipReason, detail: string): HitResult => {
    deps.report({
      type: 'skip',
      at: now,
      workload: candidate.workload.ref,
      workloadUid: candidate.workload.uid,
      reason: why,
      detail,
      dryRun: settings.dryRun,
    });
    return none;
  };

  const left = budgetLeft({ history: deps.history, now, caps: settings.caps, dryRun: settings.dryRun, spentThisTick });
  if (available(left) <= 0) return skip('budget-spent', `budget left: tick ${left.tick}, hour ${left.hour}, day ${left.day}`);
  // The watched status rules a workload out for free; only a fresh read (the
  // workload and its pods, now) may clear it, so a lagging cache never leads
  // to a kill of a degraded workload.
  const watchedNotSteady = filterBySteadyState(candidate.workload);
  if (watchedNotSteady !== undefined) return skip('not-steady', watchedNotSteady);
  const workload = await deps.cluster.workload(candidate.workload.ref);
  if (workload === undefined || workload.uid !== candidate.workload.uid)
    return skip('no-pods', 'the workload is gone or was replaced');
  const notSteady = filterBySteadyState(workload);
  if (notSteady !== undefined) return skip('not-steady', notSteady);
  const pods = eligiblePods(workload.pods, { now, minAgeSeconds: settings.minPodAgeSeconds, self: settings.self });
  if (pods.length === 0) return skip('no-pods', 'no running pod old enough');
  const allowance = blastRadiusAllowance({
    desired: workload.desired,
    ready: readyReplicas(workload),
    maxUnavailablePercent: settings.maxUnavailablePercent,
  });
  if (allowance <= 0) return skip('blast-radius', `maxUnavailablePercent ${settings.maxUnavailablePercent} allows no more`);
  if (policy.probeUrl !== undefined) {
    const probe = await deps.probe.check(workload);
    if (!probe.ok) return skip('probe-failed', `steady-state probe failed: ${probe.detail ?? 'no answer'}`);
  }
  // Steady-state hook: the hypothesis on real metrics must hold right now (fail closed).
  const refused = await deps.steadyState?.beforeKill(workload, now);
  if (refused !== undefined) return skip(refused.reason, refused.detail);
  const count = Math.min(killCount(policy, pods.length, deps.random), allowance, available(left));
  const victims = shuffle(pods, deps.random).slice(0, count);

  // Leadership can lapse during a slow tick; the reservation re-checks budget and gap on fresh state.
  if (deps.leadership && !deps.leadership.isLeader()) return skip('not-leader', 'this replica lost the lease during the tick');
  if (deps.deadline?.aborted) return skip('deadline', 'the tick reached its deadline before this kill');
  let reservation: Reservation;
  try {
    reservation = await reserve(
      deps.state,
      {
        id: `${now.toISOString()}/${workloadKey(workload.ref)}`,
        at: now.toISOString(),
        target: workloadKey(workload.ref),
        action: deps.action,
        dryRun: settings.dryRun,
        count,
        owner: deps.owner,
        reason,
        workload: workload.ref,
        workloadUid: workload.uid,
        victims: victims.map(({ namespace, name, uid }) => ({ namespace, name, uid })),
      },
      { caps: settings.caps, minGapSeconds: settings.minGapSeconds, spentThisTick },
    );
  } catch (error) {
    if (error instanceof ReservationRefused) return skip('budget-spent', error.message);
    throw error;
  }
  await deps.checkpoint?.('reserved');

  const outcomes: KillOutcome[] = [];
  const killed: PodInfo[] = [];
  for (const pod of victims) {
    const outcome = await killSafely(deps.killer, pod, candidate, settings.dryRun);
    outcomes.push(outcome);
    if (outcome.result === 'killed') killed.push(pod);
  }
  await deps.checkpoint?.('killed');

  // Settled before it is announced: a crash in between leaves a reservation
  // that the next leader settles and announces, so each kill is told once.
  // Only a clear "no" (blocked, already gone) gives the budget back; a failure or an unknown may have killed on the server.
  const uncertain = outcomes.filter((o) => o.result === 'failed' || o.result === 'unknown');
  const spent = killed.length + uncertain.length;
  const result = killed.length > 0 ? 'killed' : (uncertain[0]?.result ?? outcomes[0]?.result ?? 'failed');
  const settled = await settleOutcome(deps, reservation, { result, count: spent }, 'outcome');
  // An outcome not stored leaves the reservation's full count charged: the history as reserved says so.
  const history = settled.answer === 'not-stored' ? reservation.history : settled.history;
  if (settled.answer === 'settled-before') return { killed: [], outcomes, spent, history };
  let budget: BudgetLeft = { tick: left.tick - count, hour: left.hour - count, day: left.day - count };
  outcomes.forEach((outcome, i) => {
    const pod = victims[i] as PodInfo;
    if (outcome.result === 'blocked' || outcome.result === 'already-gone')
      budget = { tick: budget.tick + 1, hour: budget.hour + 1, day: budget.day + 1 };
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
  return { killed, outcomes, spent, recordId: reservation.record.id, history };
}

async function killSafely(killer: PodKiller, pod: PodInfo, candidate: Candidate, dryRun: boolean): Promise<KillOutcome> {
  try {
    return await killer.kill(pod, candidate.workload.ref, { dryRun });
  } catch (error) {
    return { result: 'failed', detail: (error as Error).message };
  }
}
