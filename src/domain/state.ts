// The state that must survive restarts and leader changes: the kill history
// behind the hourly/daily caps and the per-workload gap, and the kill switch.

import type { Caps } from './settings.ts';
import type { KillAction, KillResult, WorkloadRef } from './model.ts';

/**
 * `reserved`: budget taken, the outcome not known yet (a crash here leaves it
 * for the next leader to settle); `not-attempted`: a leftover reservation whose
 * victims were all found untouched. Both keep the budget charged.
 */
export type RecordResult = KillResult | 'reserved' | 'not-attempted';

/** A pod picked as victim, kept in the reservation so a successor can check it by UID. */
export interface VictimRecord {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface KillRecord {
  /** Unique per attempt, so the outcome can be written over the reservation. */
  readonly id: string;
  /** ISO timestamp of the attempt. */
  readonly at: string;
  /** workloadKey() of the workload, or `node/<name>` for a drain. */
  readonly target: string;
  readonly action: KillAction;
  readonly result: RecordResult;
  readonly dryRun: boolean;
  /** Pods (or nodes) disrupted by this attempt. */
  readonly count: number;
  /** The run of the daemon that reserved it (identity and start), so a successor knows it is not its own. */
  readonly owner?: string;
  /** Pod chaos: the workload and the victims, so a successor can settle and announce the kill. */
  readonly workload?: WorkloadRef;
  readonly workloadUid?: string;
  readonly victims?: readonly VictimRecord[];
  /** Node chaos: the node's UID. */
  readonly nodeUid?: string;
  /** Why the target was picked (Event and Slack text of a kill announced by a successor). */
  readonly reason?: string;
  /** The recovery verdict, written when the check ends, so the recent kills can show it after a restart. */
  readonly recovery?: {
    readonly recovered: boolean;
    readonly seconds: number;
    /** The steady-state hypothesis after recovery (Prometheus configured): held, violated or not-checked, and what was seen. */
    readonly hypothesis?: { readonly verdict: 'held' | 'violated' | 'not-checked'; readonly detail: string };
  };
}

export interface PauseState {
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  /** 'annotation': set with `kubectl annotate` on the state ConfigMap (havoc/pause); removing the annotation resumes. */
  readonly source?: 'annotation';
  /** Set by the daemon that told Slack and the log, so a restart or a new leader does not tell them again. */
  readonly announced?: boolean;
}

/** The settings of the replica that acts, so `kube-havoc status` shows its budgets rather than the CLI's defaults. */
export interface DaemonSummary {
  readonly by: string;
  /** When it became the acting replica. */
  readonly since: string;
  readonly dryRun: boolean;
  readonly caps: Caps;
}

export interface HavocState {
  readonly kills: readonly KillRecord[];
  readonly paused?: PauseState;
  /** Who cleared the kill switch last, so the daemon can announce it. */
  readonly resumed?: { readonly by: string; readonly at: string; readonly announced?: boolean };
  /** Written by each new leader. */
  readonly daemon?: DaemonSummary;
  /** Local date of the last daily plan sent, so a restart does not send it twice. */
  readonly dayPlanSentFor?: string;
}

export const emptyState: HavocState = { kills: [] };

/** Keep only what some budget or gap can still look at. */
export function pruneState(state: HavocState, now: Date, keepSeconds: number): HavocState {
  const oldest = now.getTime() - keepSeconds * 1000;
  return { ...state, kills: state.kills.filter((k) => Date.parse(k.at) >= oldest) };
}
