// `kube-havoc status`: the kill switch and budgets left, from the state every
// replica shares, and the recent kills, from the durable history.

import { budgetLeft } from '../domain/budget/budget.ts';
import type { Attempt } from '../domain/history/attempts.ts';
import type { Settings } from '../domain/settings.ts';
import type { HavocState } from '../domain/state.ts';
import { attemptLine } from './historyReport.ts';

/**
 * The acting daemon's settings when it stored them; this command's own config otherwise.
 * `recent`: the last 24 hours of the durable history, newest first (the hot state keeps only what budgets need).
 */
export function renderStatus(state: HavocState, settings: Settings, now: Date, recent: readonly Attempt[]): string {
  const lines: string[] = [];
  const daemon = state.daemon;
  const dryRunNow = daemon?.dryRun ?? settings.dryRun;
  const caps = daemon?.caps ?? settings.caps;
  lines.push(
    state.paused
      ? `Chaos is PAUSED since ${state.paused.at} by ${state.paused.by}: ${state.paused.reason}` +
          (state.paused.source === 'annotation'
            ? ' (kubectl annotation havoc/pause on the state ConfigMap; remove it to resume)'
            : '')
      : `Chaos is active${dryRunNow ? ' (dry run: nothing is really killed)' : ''}.`,
  );
  lines.push(
    daemon
      ? `Acting daemon: ${daemon.by}, since ${daemon.since}, ${daemon.dryRun ? 'dry run' : 'LIVE'}; budgets below are its caps.`
      : "No daemon has stored its settings yet; budgets below use this command's configuration.",
  );
  // Both budgets: the state keeps them apart.
  for (const dryRun of [false, true]) {
    const left = budgetLeft({ history: state.kills, now, caps, dryRun });
    const mode = dryRun ? 'dry run' : 'live';
    lines.push(`Budget left (${mode}): ${left.hour}/${caps.perHour} this hour, ${left.day}/${caps.perDay} in the last 24 h`);
  }
  lines.push('', recent.length === 0 ? 'No kills recorded in the last 24 hours.' : 'Recent kills:');
  for (const attempt of recent.slice(0, 15)) lines.push(attemptLine(attempt));
  return `${lines.join('\n')}\n`;
}
