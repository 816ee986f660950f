// One experiment on one workload: gate on steady state, pick victims within
// the blast radius, reserve the budget in the persisted state, kill, record.
// The reservation is written before the first API call, so a crash or an API
// error can waste budget but never cause a second kill.

import { available, budgetLeft } from '../budget/budget.ts';
import { reserve, ReservationRefused } from '../budget/reservation.ts';
import { workloadKey, type KillOutcome, type PodInfo } from '../model.ts';
import type { BudgetLeft, SkipReason, Target } from '../occurrence.ts';
import type { PodKiller } from '../ports.ts';
import type { ChaosRoundDeps } from './chaosRound.ts';
import { shuffle } from '../random.ts';
import type { Candidate } from '../selection/candidates.ts';
import { eligiblePods, filterBySteadyState, readyReplicas } from '../selection/filters.ts';
import { blastRadiusAllowance, killCount } from '../selection/killCount.ts';
import type { KillRecord } from '../state.ts';

export type PodChaosDeps = Pick<ChaosRoundDeps, 'settings' | 'cluster' | 'killer' | 'probe' | 'state' | 'clock' | 'random' | 'report' | 'leadership'> & {
  readonly action: 'pod-evict' | 'pod-delete';
};

export interface HitResult {
  readonly killed: readonly PodInfo[];
  readonly outcomes: readonly KillOutcome[];
  /** Disruptions counted against the budget: killed plus failed (a failure may have happened on the server). */
  readonly spent: number;
  /** The kill history as written with this outcome; absent when nothing was written or the write failed. */
  readonly history?: readonly KillRecord[];
}

export async function hitWorkload(
  deps: PodChaosDeps, candidate: Candidate, spentThisTick: number, history: readonly KillRecord[], reason: string,
): Promise<HitResult> {
  const { settings, clock } = deps;
  const { policy } = candidate;
  const now = clock.now();
  const none: HitResult = { killed: [], outcomes: [], spent: 0 };
  const skip = (why: SkipReason, detail: string): HitResult => {
    deps.report({ type: 'skip', at: now, workload: candidate.workload.ref, workloadUid: candidate.workload.uid, reason: why, detail, dryRun: settings.dryRun });
    return none;
  };

  const left = budgetLeft(history, now, settings.caps, settings.dryRun, spentThisTick);
  if (available(left) <= 0) return skip('budget-spent', `budget left: tick ${left.tick}, hour ${left.hour}, day ${left.day}`);
  // The watched status rules a workload out for free; only a fresh read (the
  // workload and its pods, now) may clear it, so a lagging cache never leads
  // to a kill of a degraded workload.
  const watchedNotSteady = filterBySteadyState(candidate.workload);
  if (watchedNotSteady !== undefined) return skip('not-steady', watchedNotSteady);
  const workload = await deps.cluster.workload(candidate.workload.ref);
  if (workload === undefined || workload.uid !== candidate.workload.uid) return skip('no-pods', 'the workload is gone or was replaced');
  const notSteady = filterBySteadyState(workload);
  if (notSteady !== undefined) return skip('not-steady', notSteady);
  const pods = eligiblePods(workload.pods, { now, minAgeSeconds: settings.minPodAgeSeconds, self: settings.self });
  if (pods.length === 0) return skip('no-pods', 'no running pod old enough');
  const allowance = blastRadiusAllowance(workload.desired, readyReplicas(workload), settings.maxUnavailablePercent);
  if (allowance <= 0) return skip('blast-radius', `maxUnavailablePercent ${settings.maxUnavailablePercent} allows no more`);
  if (policy.probeUrl !== undefined) {
    const probe = await deps.probe.check(workload);
    if (!probe.ok) return skip('probe-failed', `steady-state probe failed: ${probe.detail ?? 'no answer'}`);
  }
  const count = Math.min(killCount(policy.mode, policy.value, pods.length, deps.random), allowance, available(left));
  const victims = shuffle(pods, deps.random).slice(0, count);

  const record: KillRecord = {
    id: `${now.toISOString()}/${workloadKey(workload.ref)}`, at: now.toISOString(), target: workloadKey(workload.ref),
    action: deps.action, result: 'killed', dryRun: settings.dryRun, count,
  };
  // Leadership can lapse during a slow tick; the reservation re-checks budget and gap on fresh state.
  if (deps.leadership && !deps.leadership.isLeader()) return skip('not-leader', 'this replica lost the lease during the tick');
  try {
    await reserve(deps.state, record, { caps: settings.caps, minGapSeconds: settings.minGapSeconds, spentThisTick });
  } catch (error) {
    if (error instanceof ReservationRefused) return skip('budget-spent', error.message);
    throw error;
  }

  const outcomes: KillOutcome[] = [];
  const killed: PodInfo[] = [];
  let budget: BudgetLeft = { tick: left.tick - count, hour: left.hour - count, day: left.day - count };
  for (const pod of victims) {
    const outcome = await killSafely(deps.killer, pod, candidate, settings.dryRun);
    outcomes.push(outcome);
    if (outcome.result === 'killed') killed.push(pod);
    // Only a clear "no" gives the budget back; a failure may have killed on the server.
    if (outcome.result === 'blocked' || outcome.result === 'already-gone') budget = { tick: budget.tick + 1, hour: budget.hour + 1, day: budget.day + 1 };
    const target: Target = { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, workload: workload.ref, workloadUid: workload.uid };
    deps.report({ type: 'kill', at: clock.now(), target, action: deps.action, dryRun: settings.dryRun, outcome, reason, budget });
  }

  // Write the real outcome over the reservation; if this fails the pessimistic
  // reservation stands, which only costs budget.
  const failed = outcomes.filter((o) => o.result === 'failed').length;
  const spent = killed.length + failed;
  const result = killed.length > 0 ? 'killed' : failed > 0 ? 'failed' : (outcomes[0]?.result ?? 'failed');
  const final: KillRecord = { ...record, count: spent, result };
  const written = await deps.state.update((s) => ({ ...s, kills: s.kills.map((k) => (k.id === record.id ? final : k)) })).catch((error: unknown) => {
    deps.report({ type: 'error', at: clock.now(), kind: 'state', message: `recording the outcome failed (the reservation stands): ${(error as Error).message}` });
    return undefined;
  });
  return { killed, outcomes, spent, ...(written === undefined ? {} : { history: written.kills }) };
}

async function killSafely(killer: PodKiller, pod: PodInfo, candidate: Candidate, dryRun: boolean): Promise<KillOutcome> {
  try {
    return await killer.kill(pod, candidate.workload.ref, { dryRun });
  } catch (error) {
    return { result: 'failed', detail: (error as Error).message };
  }
}
