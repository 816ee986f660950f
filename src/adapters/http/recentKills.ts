// The recent kills, one row per attempt, from the durable history
// (history ConfigMaps, src/domain/history/): the per-kill table that metrics
// cannot carry without a series per pod or per kill. Served as JSON at /kills
// for Grafana (Infinity data source) and scripts; it survives restarts and
// reaches back as far as the history's retention, not only the hot state.

import type { Attempt } from '../../domain/history/attempts.ts';

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
export function recentKills(attempts: readonly Attempt[], limit: number): RecentKill[] {
  return [...attempts]
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, limit)
    .map((k) => ({
      at: k.at,
      namespace: k.namespace,
      kind: k.kind,
      workload: k.workload,
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

export interface RecentKillsSource {
  /** The newest attempts as the history holds them now (a list of the recent days' history ConfigMaps). */
  readonly load: () => Promise<readonly Attempt[]>;
  readonly limit: number;
  /** How old an answer may be: every request within this reuses one read. */
  readonly maxAgeMs: number;
  readonly now: () => number;
}

/**
 * /kills for dashboards: every viewer's panel refresh would be a list of the
 * recent days' history ConfigMaps (up to about 1 MiB each). Requests within `maxAgeMs`
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
