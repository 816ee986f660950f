// From a cluster snapshot to the workloads chaos may consider now: opted in
// with valid labels, in an allowed namespace, past their minimum gap. Workloads
// with bad labels come back separately so the caller can warn about each.

import { lastAttempt } from '../budget/budget.ts';
import { workloadKey, type ClusterSnapshot, type Workload } from '../model.ts';
import { parsePolicy, type LabelProblem, type WorkloadPolicy } from '../optin/workloadPolicy.ts';
import type { Random } from '../ports.ts';
import type { Settings } from '../settings.ts';
import type { KillRecord } from '../state.ts';
import { filterByMinGap, namespaceVerdict } from './filters.ts';

export interface Candidate {
  readonly workload: Workload;
  readonly policy: WorkloadPolicy;
}

export interface Candidates {
  /** Opted in, allowed, valid, past the gap: the draw decides. */
  readonly eligible: readonly Candidate[];
  /** Opted in and allowed but waiting for the per-workload gap. */
  readonly waiting: readonly Candidate[];
  readonly invalid: readonly { readonly workload: Workload; readonly problems: readonly LabelProblem[] }[];
}

export function findCandidates(
  snapshot: ClusterSnapshot,
  settings: Settings,
  history: readonly KillRecord[],
  now: Date,
): Candidates {
  const namespaces = new Map(snapshot.namespaces.map((n) => [n.name, n]));
  const eligible: Candidate[] = [];
  const waiting: Candidate[] = [];
  const invalid: { workload: Workload; problems: readonly LabelProblem[] }[] = [];
  for (const workload of snapshot.workloads) {
    const ns = workload.ref.namespace;
    if (namespaceVerdict(settings.namespaces, ns, namespaces.get(ns)) !== undefined) continue;
    const parsed = parsePolicy(workload, settings.policy);
    if (!parsed.optedIn) continue;
    if ('problems' in parsed) {
      invalid.push({ workload, problems: parsed.problems });
      continue;
    }
    const candidate = { workload, policy: parsed.policy };
    const last = lastAttempt(history, workloadKey(workload.ref), settings.dryRun);
    if (filterByMinGap(last, now, settings.minGapSeconds) === undefined) eligible.push(candidate);
    else waiting.push(candidate);
  }
  return { eligible, waiting, invalid };
}

/**
 * Chance that a workload is hit in a tick that stands for `spanSeconds` of
 * business time: over many ticks the expected kills per MTBF is one.
 */
export function hitProbability(mtbfSeconds: number, spanSeconds: number): number {
  if (spanSeconds <= 0) return 0;
  return Math.min(1, spanSeconds / mtbfSeconds);
}

/**
 * Expected kill attempts in one full business day. After each attempt the
 * workload waits out the gap (minTimeBetweenKills, wall time) before it can be
 * drawn again, so the mean business time between kills is the MTBF plus the
 * business time the gap covers: whole days of it count as whole windows, the
 * rest as window time up to one window (a gap shorter than the window mostly
 * falls inside it).
 */
export function expectedPerDay(mtbfSeconds: number, businessDaySeconds: number, minGapSeconds: number): number {
  const gapBusiness =
    Math.floor(minGapSeconds / 86_400) * businessDaySeconds + Math.min(minGapSeconds % 86_400, businessDaySeconds);
  return businessDaySeconds / (mtbfSeconds + gapBusiness);
}

/**
 * One independent trial per eligible workload; all draws happen before any
 * kill, so one workload's outcome never changes another's odds. The order of
 * the drawn decides who is refused when the budget runs out. Plain shuffled
 * order biases that towards likely workloads: one with p=1 is in every
 * contest, one with p=0.1 only in a tenth, and half of those it loses
 * (19:1 instead of 10:1). The rule: the drawn run a race in which each goes
 * at rate 1/p (an exponential time scaled by p, lowest first), so the less
 * likely a draw was, the sooner it goes. With two contenders for one slot this
 * keeps their kills at exactly the ratio of their chances; with many
 * contenders it favours the least likely somewhat (docs/reliability.md gives
 * the figures). Without contention the order changes nothing.
 */
export function drawCandidates(eligible: readonly Candidate[], spanSeconds: number, random: Random): Candidate[] {
  const drawn: { candidate: Candidate; time: number }[] = [];
  for (const candidate of eligible) {
    const p = hitProbability(candidate.policy.mtbfSeconds, spanSeconds);
    if (random.next() < p) drawn.push({ candidate, time: -Math.log(1 - random.next()) * p });
  }
  return drawn.sort((a, b) => a.time - b.time).map((d) => d.candidate);
}
