// The state that must survive restarts and leader changes: the kill history
// behind the hourly/daily caps and the per-workload gap, and the kill switch.

import type { KillAction, KillResult } from './model.ts';

export interface KillRecord {
  /** Unique per attempt, so the outcome can be written over the reservation. */
  readonly id: string;
  /** ISO timestamp of the attempt. */
  readonly at: string;
  /** workloadKey() of the workload, or `node/<name>` for a drain. */
  readonly target: string;
  readonly action: KillAction;
  readonly result: KillResult;
  readonly dryRun: boolean;
  /** Pods (or nodes) disrupted by this attempt. */
  readonly count: number;
  /** The recovery verdict, written when the check ends, so the recent kills can show it after a restart. */
  readonly recovery?: { readonly recovered: boolean; readonly seconds: number };
}

export interface PauseState {
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  /** Set by the daemon that told Slack and the log, so a restart or a new leader does not tell them again. */
  readonly announced?: boolean;
}

export interface HavocState {
  readonly kills: readonly KillRecord[];
  readonly paused?: PauseState;
  /** Who cleared the kill switch last, so the daemon can announce it. */
  readonly resumed?: { readonly by: string; readonly at: string; readonly announced?: boolean };
  /** Local date of the last daily plan sent, so a restart does not send it twice. */
  readonly dayPlanSentFor?: string;
}

export const emptyState: HavocState = { kills: [] };

/** Keep only what some budget or gap can still look at. */
export function pruneState(state: HavocState, now: Date, keepSeconds: number): HavocState {
  const oldest = now.getTime() - keepSeconds * 1000;
  return { ...state, kills: state.kills.filter((k) => Date.parse(k.at) >= oldest) };
}
