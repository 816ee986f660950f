// Occurrences as the listeners (Events, metrics, Slack, HTTP) receive them: one
// checkout pod in shop, one node, and builders that default every field but the
// one a case is about, so a test shows only what it varies.

import type { BudgetLeft } from '../../../src/domain/budget/budget.ts';
import type { KillResult, RecoveryVerdict } from '../../../src/domain/model.ts';
import type { Occurrence, SkipReason, Target, TickOutcome } from '../../../src/domain/occurrence.ts';

export type KillOccurrence = Extract<Occurrence, { type: 'kill' }>;
export type RecoveryOccurrence = Extract<Occurrence, { type: 'recovery' }>;
export type TickOccurrence = Extract<Occurrence, { type: 'tick' }>;
export type SkipOccurrence = Extract<Occurrence, { type: 'skip' }>;

export const AT = new Date('2026-11-20T10:00:00Z');
export const WORKLOAD = { kind: 'Deployment', namespace: 'shop', name: 'checkout' } as const;
export const POD: Extract<Target, { kind: 'Pod' }> = {
  kind: 'Pod',
  namespace: 'shop',
  name: 'checkout-7d9f-abcde',
  uid: 'u1',
  workload: WORKLOAD,
  workloadUid: 'w1',
};
export const NODE: Extract<Target, { kind: 'Node' }> = { kind: 'Node', name: 'worker-3', uid: 'n3' };
export const BUDGET: BudgetLeft = { tick: 0, hour: 2, day: 9 };

/** A live kill of POD (or of `over.target`, a node is drained) that ended in `result`. */
export function killOccurrence(result: KillResult, over: Partial<KillOccurrence> = {}): KillOccurrence {
  const target = over.target ?? POD;
  return {
    type: 'kill',
    at: AT,
    target,
    action: target.kind === 'Node' ? 'node-drain' : 'pod-evict',
    dryRun: false,
    outcome: { result },
    reason: 'opted in',
    budget: BUDGET,
    ...over,
  };
}

/** The verdict on one live eviction of POD. */
export function recoveryOccurrence(verdict: RecoveryVerdict, over: Partial<RecoveryOccurrence> = {}): RecoveryOccurrence {
  return { type: 'recovery', at: AT, target: POD, victims: 1, action: 'pod-evict', dryRun: false, verdict, ...over };
}

/** A live tick that looked at nothing and killed nothing. */
export function tickOccurrence(outcome: TickOutcome, over: Partial<TickOccurrence> = {}): TickOccurrence {
  return { type: 'tick', at: AT, outcome, eligible: 0, killed: 0, durationMs: 5, dryRun: false, ...over };
}

/** POD's workload passed over in a live tick. */
export function skipOccurrence(reason: SkipReason, over: Partial<SkipOccurrence> = {}): SkipOccurrence {
  return { type: 'skip', at: AT, workload: WORKLOAD, workloadUid: 'w1', reason, detail: '', dryRun: false, ...over };
}
