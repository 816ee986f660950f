// `kube-havoc status`: the kill switch, budgets left and recent kills, from
// the state every replica shares.

import { budgetLeft } from '../domain/budget/budget.ts';
import { formatSeconds } from '../domain/duration.ts';
import type { Settings } from '../domain/settings.ts';
import type { HavocState } from '../domain/state.ts';

/** The acting daemon's settings when it stored them; this command's own config otherwise. */
export function renderStatus(state: HavocState, settings: Settings, now: Date): string {
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
  const recent = [...state.kills].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 15);
  lines.push('', recent.length === 0 ? 'No kills recorded in the last 24 hours.' : 'Recent kills:');
  for (const k of recent) {
    const verdict =
      k.recovery === undefined
        ? ''
        : k.recovery.recovered
          ? `  recovered in ${formatSeconds(k.recovery.seconds)}`
          : `  NOT recovered after ${formatSeconds(k.recovery.seconds)}`;
    const hypothesis = k.recovery?.hypothesis === undefined ? '' : `; hypothesis ${k.recovery.hypothesis.detail}`;
    const dry = k.dryRun ? '  [dry run]' : '';
    lines.push(`  ${k.at}  ${k.action.padEnd(10)} ${k.result.padEnd(12)} ${k.count}  ${k.target}${dry}${verdict}${hypothesis}`);
  }
  return `${lines.join('\n')}\n`;
}
