// Everything the daemon does is announced as an Occurrence and fanned out to
// listeners (Events, metrics, Slack, log). Listener failures never reach the loop.

import type {
  KillAction, KillOutcome, RecoveryVerdict, WorkloadRef,
} from './model.ts';

/** The thing hit: a pod of a workload, or a node. */
export type Target =
  | { readonly kind: 'Pod'; readonly namespace: string; readonly name: string; readonly uid: string; readonly workload: WorkloadRef; readonly workloadUid: string }
  | { readonly kind: 'Node'; readonly name: string; readonly uid: string };

export interface BudgetLeft {
  readonly tick: number;
  readonly hour: number;
  readonly day: number;
}

export type TickOutcome = 'acted' | 'idle' | 'outside-window' | 'paused' | 'not-leader' | 'overlap' | 'deadline' | 'failed';

export type SkipReason = 'not-steady' | 'probe-failed' | 'budget-spent' | 'min-gap' | 'blast-radius' | 'no-pods' | 'not-leader' | 'deadline';

export type Occurrence =
  | {
    readonly type: 'tick'; readonly at: Date; readonly outcome: TickOutcome;
    readonly eligible: number; readonly killed: number; readonly durationMs: number;
    readonly dryRun: boolean; readonly budget?: BudgetLeft; readonly nextTick?: Date;
    readonly detail?: string;
  }
  | {
    readonly type: 'kill'; readonly at: Date; readonly target: Target; readonly action: KillAction;
    readonly dryRun: boolean; readonly outcome: KillOutcome;
    /** Why this target was eligible, in words (mtbf, probability, mode). */
    readonly reason: string; readonly budget: BudgetLeft;
  }
  | {
    readonly type: 'skip'; readonly at: Date; readonly workload: WorkloadRef; readonly workloadUid: string;
    readonly reason: SkipReason; readonly detail: string; readonly dryRun: boolean;
  }
  | {
    readonly type: 'recovery'; readonly at: Date;
    /** The first victim; `victims` says how many were hit together. */
    readonly target: Target; readonly victims: number; readonly action: KillAction;
    readonly dryRun: boolean; readonly verdict: RecoveryVerdict;
  }
  | {
    readonly type: 'invalid-label'; readonly at: Date; readonly workload: WorkloadRef; readonly workloadUid: string;
    readonly field: string; readonly value: string; readonly message: string;
  }
  | {
    readonly type: 'drain-started'; readonly at: Date; readonly node: Target & { readonly kind: 'Node' };
    readonly dryRun: boolean; readonly until: Date; readonly reason: string;
  }
  | {
    readonly type: 'node-released'; readonly at: Date; readonly node: Target & { readonly kind: 'Node' };
    readonly dryRun: boolean; readonly detail: string;
    /** An administrator's keep-cordoned annotation: the node stays cordoned, only kube-havoc's mark went. */
    readonly keptCordoned?: boolean;
  }
  | { readonly type: 'paused'; readonly at: Date; readonly by: string; readonly reason: string }
  | { readonly type: 'resumed'; readonly at: Date; readonly by: string }
  | { readonly type: 'leader'; readonly at: Date; readonly leader: boolean; readonly identity: string }
  | { readonly type: 'error'; readonly at: Date; readonly kind: string; readonly message: string }
  | { readonly type: 'day-plan'; readonly at: Date; readonly plan: DayPlanSummary };

export interface DayPlanSummary {
  readonly windowOpens: Date;
  readonly windowCloses: Date;
  readonly eligible: number;
  readonly expectedKills: number;
  readonly workloads: readonly { readonly workload: WorkloadRef; readonly expectedKills: number }[];
  readonly dryRun: boolean;
}
