// The recent kills, one row per attempt, from the persisted kill history: the
// per-kill table that metrics cannot carry without a series per pod or per
// kill. Served as JSON at /kills for Grafana (Infinity data source) and
// scripts; it survives restarts because it reads the state, not memory.

import type { KillRecord } from '../../domain/state.ts';

export interface RecentKill {
  readonly at: string;
  /** Empty for a node. */
  readonly namespace: string;
  readonly kind: string;
  /** Workload name, or node name. */
  readonly workload: string;
  readonly action: string;
  readonly result: string;
  readonly dryRun: boolean;
  /** Pods (or nodes) disrupted. */
  readonly count: number;
  /** recovered, not-recovered, or pending (no verdict yet, or none: blocked, gone, a drain, a check cut short). */
  readonly recovery: 'recovered' | 'not-recovered' | 'pending';
  readonly recoverySeconds: number | null;
  /** The steady-state hypothesis after recovery; null without Prometheus or before a verdict. */
  readonly hypothesis: 'held' | 'violated' | 'not-checked' | null;
  /** What the hypothesis check saw, e.g. "VIOLATED: ... value 0.2". */
  readonly hypothesisDetail: string | null;
}

/** Newest first, at most `limit` rows. */
export function recentKills(history: readonly KillRecord[], limit: number): RecentKill[] {
  return [...history]
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, limit)
    .map((k) => ({
      at: k.at,
      ...where(k.target),
      action: k.action,
      result: k.result,
      dryRun: k.dryRun,
      count: k.count,
      recovery: k.recovery === undefined ? 'pending' : k.recovery.recovered ? 'recovered' : 'not-recovered',
      recoverySeconds: k.recovery?.seconds ?? null,
      hypothesis: k.recovery?.hypothesis?.verdict ?? null,
      hypothesisDetail: k.recovery?.hypothesis?.detail ?? null,
    }));
}

/** KillRecord.target is workloadKey() (namespace/Kind/name) or node/<name>. */
function where(target: string): { namespace: string; kind: string; workload: string } {
  const parts = target.split('/');
  if (parts.length === 2 && parts[0] === 'node') return { namespace: '', kind: 'Node', workload: parts[1] ?? '' };
  const [namespace = '', kind = '', ...name] = parts;
  return { namespace, kind, workload: name.join('/') };
}

export interface RecentKillsSource {
  /** The kill history as stored now (a GET of the state ConfigMap). */
  readonly load: () => Promise<readonly KillRecord[]>;
  readonly limit: number;
  /** How old an answer may be: every request within this reuses one read. */
  readonly maxAgeMs: number;
  readonly now: () => number;
}

/**
 * /kills for dashboards: every viewer's panel refresh would be a GET of the
 * whole state ConfigMap (up to about 200 KB). Requests within `maxAgeMs`
 * share one read, and requests during a read wait for it; a failed read is
 * not kept, so the next request tries again.
 */
export function cachedRecentKills(source: RecentKillsSource): () => Promise<readonly RecentKill[]> {
  let last: { at: number; rows: Promise<readonly RecentKill[]> } | undefined;
  return () => {
    const now = source.now();
    if (last !== undefined && now - last.at < source.maxAgeMs) return last.rows;
    const rows = source.load().then((history) => recentKills(history, source.limit));
    const entry = { at: now, rows };
    last = entry;
    rows.catch(() => {
      if (last === entry) last = undefined;
    });
    return rows;
  };
}
