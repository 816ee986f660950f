// The history as people read it: one row per attempt with its verdict. The
// entries are per pod (or node) and per step; an attempt is the kills of one
// workload reported together (the victims of one reservation are announced in
// one go, within milliseconds; two attempts on one workload are at least a
// tick apart), its verdict is the recovery entry about its first killed pod,
// and a drain is its start, its outcome and its release.

import type { KillAction } from '../model.ts';
import type { HistoryEntry } from './historyEntry.ts';

/** Kills of one workload at most this far apart belong to one attempt. */
export const ATTEMPT_SPREAD_MS = 5000;

export interface Attempt {
  /** ISO instant of the first kill, or of the drain's start. */
  readonly at: string;
  /** Empty for a node. */
  readonly namespace: string;
  /** The workload's kind, or Node. */
  readonly kind: string;
  /** The workload's name, or the node's. */
  readonly workload: string;
  readonly action: KillAction;
  /** killed if any victim was, else failed if any failed, else the first victim's result; `draining` while a drain runs. */
  readonly result: string;
  readonly dryRun: boolean;
  /** Pods (or nodes) disrupted or possibly disrupted: killed plus failed, as the budget counts them. */
  readonly count: number;
  /** The pods hit, or the node. */
  readonly victims: readonly string[];
  readonly reason: string;
  /** The first victim's outcome detail (which PDB blocked, which error). */
  readonly detail?: string;
  readonly recovery?: {
    readonly at: string;
    readonly recovered: boolean;
    readonly seconds: number;
    readonly detail?: string;
    readonly hypothesis?: { readonly verdict: 'held' | 'violated' | 'not-checked'; readonly detail: string };
  };
  /** A drain: when the node was given back. */
  readonly released?: string;
}

interface Open {
  key: string;
  at: string;
  last: number;
  kills: (HistoryEntry & { type: 'kill' })[];
  start?: HistoryEntry & { type: 'drain-started' };
  recovery?: HistoryEntry & { type: 'recovery' };
  released?: string;
}

function groupKey(entry: HistoryEntry & { type: 'kill' | 'drain-started' }): string {
  const t = entry.target;
  const where = t.kind === 'Node' ? `node/${t.name}` : `${t.namespace}/${t.workloadKind}/${t.workload}`;
  return `${where}/${entry.type === 'kill' ? entry.action : 'node-drain'}/${entry.dryRun}`;
}

/** Newest first. Entries may come in any order and from several days' objects. */
export function attempts(entries: readonly HistoryEntry[]): Attempt[] {
  const sorted = [...entries].sort((a, b) => a.at.localeCompare(b.at));
  const groups: Open[] = [];
  const latest = new Map<string, Open>();
  const byVictim = new Map<string, Open>();
  // A release says dryRun false even after a dry-run drain: matched by node name only.
  const drains = new Map<string, Open>();
  const open = (key: string, at: string): Open => {
    const group: Open = { key, at, last: Date.parse(at), kills: [] };
    groups.push(group);
    latest.set(key, group);
    return group;
  };
  for (const entry of sorted) {
    if (entry.type === 'drain-started') {
      const group = open(groupKey(entry), entry.at);
      group.start = entry;
      drains.set(entry.target.name, group);
    } else if (entry.type === 'kill') {
      const key = groupKey(entry);
      const last = latest.get(key);
      const joins =
        last !== undefined &&
        (entry.action === 'node-drain'
          ? last.kills.length === 0
          : last.start === undefined && Date.parse(entry.at) - last.last <= ATTEMPT_SPREAD_MS);
      const group = joins ? last : open(key, entry.at);
      group.kills.push(entry);
      group.last = Date.parse(entry.at);
      if (entry.target.uid !== '') byVictim.set(entry.target.uid, group);
    } else if (entry.type === 'recovery') {
      const group = byVictim.get(entry.target.uid);
      if (group !== undefined && group.recovery === undefined) group.recovery = entry;
    } else {
      const group = drains.get(entry.target.name);
      if (group !== undefined && group.released === undefined) group.released = entry.at;
    }
  }
  return groups.map(toAttempt).sort((a, b) => b.at.localeCompare(a.at));
}

function toAttempt(group: Open): Attempt {
  const first = group.start ?? group.kills[0];
  if (first === undefined) throw new Error(`history group ${group.key} has no entry`);
  const t = first.target;
  const killed = group.kills.filter((k) => k.result === 'killed').length;
  const failed = group.kills.filter((k) => k.result === 'failed').length;
  const result =
    group.kills.length === 0 ? 'draining' : killed > 0 ? 'killed' : failed > 0 ? 'failed' : (group.kills[0]?.result ?? '');
  const detail = group.kills.find((k) => k.detail !== undefined)?.detail;
  const r = group.recovery;
  return {
    at: group.at,
    namespace: t.kind === 'Node' ? '' : t.namespace,
    kind: t.kind === 'Node' ? 'Node' : t.workloadKind,
    workload: t.kind === 'Node' ? t.name : t.workload,
    action: first.type === 'kill' ? first.action : 'node-drain',
    result,
    dryRun: first.dryRun,
    count: killed + failed,
    victims: group.kills.length === 0 ? [t.name] : group.kills.map((k) => k.target.name),
    reason: first.reason,
    ...(detail === undefined ? {} : { detail }),
    ...(r === undefined
      ? {}
      : {
          recovery: {
            at: r.at,
            recovered: r.recovered,
            seconds: r.seconds,
            ...(r.detail === undefined ? {} : { detail: r.detail }),
            ...(r.hypothesis === undefined ? {} : { hypothesis: r.hypothesis }),
          },
        }),
    ...(group.released === undefined ? {} : { released: group.released }),
  };
}
