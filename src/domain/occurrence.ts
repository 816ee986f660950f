// Everything the daemon does is announced as an Occurrence and fanned out to
// listeners (Events, metrics, Slack, log). Listener failures never reach the loop.

import type { KillAction, KillOutcome, RecoveryVerdict, WorkloadRef } from './model.ts';
import type { BudgetLeft } from './budget/budget.ts';
import type { HypothesisVerdict } from './steadyState/verdict.ts';

/** The thing hit: a pod of a workload, or a node. */
export type Target =
  | {
      readonly kind: 'Pod';
      readonly namespace: string;
      readonly name: string;
      readonly uid: string;
      readonly workload: WorkloadRef;
      readonly workloadUid: string;
    }
  | { readonly kind: 'Node'; readonly name: string; readonly uid: string };

/**
 * `blocked`: an alert blocker fires, or Prometheus cannot say whether one does (fail closed).
 * `missed`: a slot that never ran (the process frozen or blocked when it was due); told by the scheduler, not the round.
 */
export type TickOutcome =
  'acted' | 'idle' | 'outside-window' | 'paused' | 'blocked' | 'not-leader' | 'overlap' | 'deadline' | 'failed' | 'missed';

/**
 * The hypothesis skips: `hypothesis-failed` (empty result), `steady-state-unknown`
 * (Prometheus unreachable, slow or erring: fail closed), `hypothesis-invalid`
 * (Prometheus refused the PromQL), `blocker-firing` (a per-namespace blocker);
 * `deadline`: the tick reached its deadline before this workload's turn; `outside-window`, `paused`,
 * `opted-out`: the permit's checks at the moment of the kill (the window closed, the kill switch was set,
 * the fresh read no longer opts the workload in) refused it after the tick had begun; `state-full`: the
 * hot state is at its size bound, so no new disruption is recorded, and none happens (fail closed).
 */
export type SkipReason =
  | 'outside-window'
  | 'paused'
  | 'opted-out'
  | 'state-full'
  | 'not-steady'
  | 'probe-failed'
  | 'budget-spent'
  | 'min-gap'
  | 'blast-radius'
  | 'zone-last-ready'
  | 'no-pods'
  | 'not-leader'
  | 'hypothesis-failed'
  | 'steady-state-unknown'
  | 'hypothesis-invalid'
  | 'blocker-firing'
  | 'deadline';

export type Occurrence =
  | {
      readonly type: 'tick';
      readonly at: Date;
      readonly outcome: TickOutcome;
      readonly eligible: number;
      readonly killed: number;
      readonly durationMs: number;
      readonly dryRun: boolean;
      readonly budget?: BudgetLeft;
      readonly nextTick?: Date;
      readonly detail?: string;
    }
  | {
      readonly type: 'kill';
      readonly at: Date;
      readonly target: Target;
      readonly action: KillAction;
      readonly dryRun: boolean;
      readonly outcome: KillOutcome;
      /** Why this target was eligible, in words (mtbf, probability, mode). */
      readonly reason: string;
      readonly budget: BudgetLeft;
    }
  | {
      readonly type: 'skip';
      readonly at: Date;
      readonly workload: WorkloadRef;
      readonly workloadUid: string;
      readonly reason: SkipReason;
      readonly detail: string;
      readonly dryRun: boolean;
    }
  | {
      readonly type: 'recovery';
      readonly at: Date;
      /** The first victim; `victims` says how many were hit together. */
      readonly target: Target;
      readonly victims: number;
      readonly action: KillAction;
      readonly dryRun: boolean;
      readonly verdict: RecoveryVerdict;
      /** The steady-state hypothesis after recovery; absent when no Prometheus is configured. */
      readonly hypothesis?: HypothesisVerdict;
    }
  | {
      readonly type: 'invalid-label';
      readonly at: Date;
      readonly workload: WorkloadRef;
      readonly workloadUid: string;
      readonly field: string;
      readonly value: string;
      readonly message: string;
    }
  | {
      readonly type: 'drain-started';
      readonly at: Date;
      readonly node: Target & { readonly kind: 'Node' };
      readonly dryRun: boolean;
      readonly until: Date;
      readonly reason: string;
    }
  | {
      readonly type: 'node-released';
      readonly at: Date;
      readonly node: Target & { readonly kind: 'Node' };
      readonly dryRun: boolean;
      readonly detail: string;
      /** An administrator's keep-cordoned annotation: the node stays cordoned, only kube-havoc's mark went. */
      readonly keptCordoned?: boolean;
    }
  | {
      /** An alert blocker streak starts (`firing`, or its alerts change) or ends; not repeated every tick. */
      readonly type: 'blocker';
      readonly at: Date;
      readonly firing: boolean;
      /** Names of the firing alerts; empty when Prometheus could not say (then `detail` says why). */
      readonly alerts: readonly string[];
      readonly detail: string;
    }
  | { readonly type: 'paused'; readonly at: Date; readonly by: string; readonly reason: string }
  | { readonly type: 'resumed'; readonly at: Date; readonly by: string }
  | { readonly type: 'leader'; readonly at: Date; readonly leader: boolean; readonly identity: string }
  | { readonly type: 'error'; readonly at: Date; readonly kind: string; readonly message: string }
  | {
      /** The wall clock jumped (told against the monotonic clock); the schedule was armed again on the new time. */
      readonly type: 'clock-step';
      readonly at: Date;
      readonly direction: 'forward' | 'back';
      readonly seconds: number;
    }
  | {
      /** Another install's scope overlaps this one's: reported when the overlap starts, changes or ends, not every tick. */
      readonly type: 'install-overlap';
      readonly at: Date;
      /** This install and the other (`namespace/state ConfigMap`). */
      readonly install: string;
      readonly other: string;
      /** Namespaces both may act on, or 'all' (both cover the whole cluster); empty once the overlap ended. */
      readonly namespaces: readonly string[] | 'all';
      /**
       * What this install does there: `refused` (the other was installed first), `kept` (this one was; the other
       * refuses), `allowed` (the other was first, config allows the overlap), `ended`.
       */
      readonly resolution: 'refused' | 'kept' | 'allowed' | 'ended';
      /** What the Events regard: this install's Lease (its advertisement), or without one its state ConfigMap. */
      readonly object: { readonly kind: 'Lease' | 'ConfigMap'; readonly namespace: string; readonly name: string };
    }
  | { readonly type: 'day-plan'; readonly at: Date; readonly plan: DayPlanSummary }
  | {
      /**
       * Who chaos may hit from now on, announced before any of them is hit (at
       * start-up and every tick): per-target signals exist before the first kill
       * (a counter Prometheus first sees at 1 hides that kill from increase())
       * and the last kills from the persisted history survive a restart.
       */
      readonly type: 'targets';
      readonly at: Date;
      readonly dryRun: boolean;
      readonly targets: readonly TargetSummary[];
    };

export interface TargetSummary {
  readonly kind: WorkloadRef['kind'] | 'Node';
  /** Empty for a node. */
  readonly namespace: string;
  readonly name: string;
  readonly action: KillAction;
  /** Last attempt with result killed, in this daemon's mode (dry run or live), from the persisted history. */
  readonly lastKilled?: Date;
}

export interface DayPlanSummary {
  readonly windowOpens: Date;
  readonly windowCloses: Date;
  readonly eligible: number;
  readonly expectedKills: number;
  readonly workloads: readonly { readonly workload: WorkloadRef; readonly expectedKills: number }[];
  readonly dryRun: boolean;
}
