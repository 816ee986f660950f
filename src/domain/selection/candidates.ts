// From a cluster snapshot to the workloads chaos may consider now: opted in
// with valid labels, in an allowed namespace, past their minimum gap. Workloads
// with bad labels come back separately so the caller can warn about each.

import { lastAttempt } from '../budget/budget.ts';
import { workloadKey, type ClusterSnapshot, type Workload } from '../model.ts';
import { parsePolicy, type LabelProblem, type WorkloadPolicy } from '../optin/workloadPolicy.ts';
import type { Random } from '../ports.ts';
import { shuffle } from '../random.ts';
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

/** Expected kill attempts in one full business day. */
export function expectedPerDay(mtbfSeconds: number, businessDaySeconds: number): number {
  return businessDaySeconds / mtbfSeconds;
}

/**
 * One independent trial per eligible workload, in shuffled order. All draws
 * happen before any kill, so one workload's outcome never changes another's odds.
 */
export function drawCandidates(eligible: readonly Candidate[], spanSeconds: number, random: Random): Candidate[] {
  return shuffle(eligible, random).filter((c) => random.next() < hitProbability(c.policy.mtbfSeconds, spanSeconds));
}
