// Turns occurrences into metric updates. Synchronous and cheap: a scrape never
// waits for the loop and the loop never waits for a scrape.

import type { BudgetLeft } from '../../domain/budget/budget.ts';
import type { Occurrence, Target, TargetSummary, TickOutcome } from '../../domain/occurrence.ts';
import type { Listener } from '../../domain/ports.ts';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { KillAction, KillResult } from '../../domain/model.ts';
import { HYPOTHESIS_VERDICTS } from '../../domain/steadyState/verdict.ts';

/** Results of havoc_kills_total: the domain's KillResult plus the not-steady skip. */
export const KILL_RESULTS = [
  'killed',
  'blocked',
  'already-gone',
  'skipped-not-steady',
  'failed',
  'unknown',
] as const satisfies readonly (KillResult | 'skipped-not-steady')[];

/** Actions of the per-target series; `none` is the not-steady skip's. */
const SERIES_ACTIONS = ['pod-evict', 'pod-delete', 'node-drain', 'none'] as const satisfies readonly (KillAction | 'none')[];

/**
 * Seconds the series of a target that is gone (deleted, opted out, its labels
 * now invalid) stay after it was last announced or last moved a series. By
 * then its last change has been scraped many times over (the chart scrapes
 * every 30 s), and what the dashboard and the alerts ask of it, increase()
 * and max_over_time() over a range, reads the samples Prometheus already
 * holds, which a removal does not touch. Longer than the recovery timeout's
 * and HavocKillNotRecovered's default windows (5 and 15 minutes), so a
 * verdict about a workload deleted right after its kill is still an increase
 * of a live series while the alert looks at it.
 */
export const GONE_SERIES_GRACE_SECONDS = 3600;

type WorkloadLabel = 'namespace' | 'kind' | 'workload';
type Where = Readonly<Record<WorkloadLabel, string>>;

/** The families the listener feeds; created and registered by havocMetrics.ts. */
export interface HavocMetricFamilies {
  readonly kills: Counter<WorkloadLabel | 'action' | 'result' | 'dry_run'>;
  readonly skips: Counter<'reason' | 'dry_run'>;
  readonly recoveryDuration: Histogram<WorkloadLabel | 'action' | 'dry_run'>;
  readonly notRecovered: Counter<WorkloadLabel | 'action' | 'dry_run'>;
  readonly lastKill: Gauge<WorkloadLabel | 'dry_run'>;
  readonly eligible: Gauge;
  readonly budgetLeft: Gauge<'window'>;
  readonly paused: Gauge;
  readonly leader: Gauge;
  readonly ticks: Counter<'outcome'>;
  readonly nextTick: Gauge;
  readonly errors: Counter<'kind'>;
  readonly notifications: Counter<'notifier' | 'result'>;
  readonly hypothesisVerdicts: Counter<WorkloadLabel | 'verdict' | 'dry_run'>;
  readonly blocked: Gauge;
  readonly blockingAlerts: Gauge<'alertname'>;
  readonly relists: Counter<'resource'>;
  readonly clockSteps: Counter<'direction'>;
  readonly installOverlap: Gauge<'other' | 'resolution'>;
}

export interface MetricsListenerOptions {
  readonly metrics: HavocMetricFamilies;
}

const OVERLAP_ROWS = ['refused', 'kept', 'allowed', 'none'] as const;

/** Outcomes of ticks that got past the leader check and read the state (the kill switch). */
const ACTING: ReadonlySet<TickOutcome> = new Set(['acted', 'idle', 'outside-window', 'paused', 'blocked']);
/** Outcomes of ticks that looked at the cluster, so their eligible count is real. */
const LOOKED: ReadonlySet<TickOutcome> = new Set(['acted', 'idle']);

export function createMetricsListener(options: MetricsListenerOptions): Listener {
  const m = options.metrics;
  // Per target: when it was last announced or moved a series, and which of its series were started at zero.
  // Pruning rule: each announcement drops the targets it no longer lists once their grace is over (prune below),
  // so this map and the series are bounded by the targets announced or moved within the last grace.
  const known = new Map<string, { where: Where; at: number; started: Set<string> }>();
  const seen = (where: Where, at: Date) => {
    const key = keyOf(where);
    const entry = known.get(key) ?? { where, at: 0, started: new Set<string>() };
    entry.at = Math.max(entry.at, at.getTime());
    known.set(key, entry);
    return entry.started;
  };
  const prune = (at: Date, listed: ReadonlySet<string>) => {
    for (const [key, entry] of known) {
      if (listed.has(key) || at.getTime() - entry.at < GONE_SERIES_GRACE_SECONDS * 1000) continue;
      removeSeries(m, entry.where);
      known.delete(key);
    }
  };
  const setBudget = (budget: BudgetLeft) => {
    m.budgetLeft.set({ window: 'tick' }, budget.tick);
    m.budgetLeft.set({ window: 'hour' }, budget.hour);
    m.budgetLeft.set({ window: 'day' }, budget.day);
  };
  return {
    name: 'metrics',
    on(o: Occurrence) {
      switch (o.type) {
        case 'tick':
          m.ticks.inc({ outcome: o.outcome });
          if (o.nextTick !== undefined) m.nextTick.set(seconds(o.nextTick));
          if (LOOKED.has(o.outcome)) m.eligible.set(o.eligible);
          if (o.budget !== undefined) setBudget(o.budget);
          // The round reports the kill switch and leadership only through the outcome after a restart.
          if (ACTING.has(o.outcome)) {
            m.leader.set(1);
            m.paused.set(o.outcome === 'paused' ? 1 : 0);
          }
          if (o.outcome === 'not-leader') m.leader.set(0);
          return;
        case 'kill': {
          const where = targetLabels(o.target);
          seen(where, o.at);
          const dryRun = String(o.dryRun);
          m.kills.inc({ ...where, action: o.action, result: o.outcome.result, dry_run: dryRun });
          if (o.outcome.result === 'killed') m.lastKill.set({ ...where, dry_run: dryRun }, seconds(o.at));
          setBudget(o.budget);
          return;
        }
        case 'skip':
          m.skips.inc({ reason: o.reason, dry_run: String(o.dryRun) });
          // Nothing was done, so no action applies: "none" keeps the label set complete.
          if (o.reason === 'not-steady') {
            const { namespace, kind, name } = o.workload;
            seen({ namespace, kind, workload: name }, o.at);
            m.kills.inc({
              namespace,
              kind,
              workload: name,
              action: 'none',
              result: 'skipped-not-steady',
              dry_run: String(o.dryRun),
            });
          }
          return;
        case 'recovery': {
          seen(targetLabels(o.target), o.at);
          const labels = { ...targetLabels(o.target), action: o.action, dry_run: String(o.dryRun) };
          if (o.verdict.recovered) m.recoveryDuration.observe(labels, o.verdict.seconds);
          else m.notRecovered.inc(labels);
          if (o.hypothesis !== undefined)
            m.hypothesisVerdicts.inc({ ...targetLabels(o.target), verdict: o.hypothesis.verdict, dry_run: String(o.dryRun) });
          return;
        }
        case 'blocker': {
          m.blocked.set(o.firing ? 1 : 0);
          m.blockingAlerts.reset();
          if (o.firing) for (const alertname of o.alerts.length > 0 ? o.alerts : ['']) m.blockingAlerts.set({ alertname }, 1);
          return;
        }
        case 'paused':
          m.paused.set(1);
          return;
        case 'resumed':
          m.paused.set(0);
          return;
        case 'leader':
          m.leader.set(o.leader ? 1 : 0);
          return;
        case 'error':
          m.errors.inc({ kind: o.kind });
          return;
        case 'clock-step':
          m.clockSteps.inc({ direction: o.direction });
          return;
        case 'install-overlap': {
          // One row per resolution, like an enum: 1 on what this install does now.
          const now = o.resolution === 'ended' ? 'none' : o.resolution;
          for (const resolution of OVERLAP_ROWS) m.installOverlap.set({ other: o.other, resolution }, resolution === now ? 1 : 0);
          return;
        }
        case 'targets': {
          const listed = new Set<string>();
          for (const target of o.targets) {
            const where = summaryLabels(target);
            listed.add(keyOf(where));
            startSeries(m, target, String(o.dryRun), seen(where, o.at));
          }
          prune(o.at, listed);
          return;
        }
        // No metric of their own: they show in kills, ticks and the Events.
        case 'invalid-label':
        case 'drain-started':
        case 'node-released':
        case 'day-plan':
          return;
        default: {
          // A new occurrence type fails the build here instead of being silently dropped.
          const unhandled: never = o;
          return unhandled;
        }
      }
    },
  };
}

/**
 * Every series a kill of this target can move, at zero, before its first
 * kill: Prometheus's increase() only counts what happens after it has seen a
 * series, so a counter first scraped at 1 hides that kill. Only this daemon's
 * dry-run value: the other one can never move in this process. The last-kill
 * gauge comes from the persisted history, so the recent kills survive a restart.
 */
function startSeries(m: HavocMetricFamilies, target: TargetSummary, dryRun: string, started: Set<string>): void {
  // Once per target: the announcement comes every tick, and zero() would wipe a histogram's observations.
  const key = `${target.action}/${dryRun}`;
  if (started.has(key)) return;
  started.add(key);
  const where = summaryLabels(target);
  for (const result of KILL_RESULTS) {
    if (result !== 'skipped-not-steady') m.kills.inc({ ...where, action: target.action, result, dry_run: dryRun }, 0);
  }
  if (target.kind !== 'Node') {
    m.kills.inc({ ...where, action: 'none', result: 'skipped-not-steady', dry_run: dryRun }, 0);
    m.recoveryDuration.zero({ ...where, action: target.action, dry_run: dryRun });
    m.notRecovered.inc({ ...where, action: target.action, dry_run: dryRun }, 0);
  }
  // From the persisted history: the recent kills survive a restart. Later kills set it themselves.
  if (target.lastKilled !== undefined) m.lastKill.set({ ...where, dry_run: dryRun }, seconds(target.lastKilled));
}

/** Every series a target can have, in both modes: a removal of one that was never made is a no-op. */
function removeSeries(m: HavocMetricFamilies, where: Where): void {
  for (const dry_run of ['true', 'false']) {
    for (const action of SERIES_ACTIONS) {
      for (const result of KILL_RESULTS) m.kills.remove({ ...where, action, result, dry_run });
      m.recoveryDuration.remove({ ...where, action, dry_run });
      m.notRecovered.remove({ ...where, action, dry_run });
    }
    for (const verdict of HYPOTHESIS_VERDICTS) m.hypothesisVerdicts.remove({ ...where, verdict, dry_run });
    m.lastKill.remove({ ...where, dry_run });
  }
}

function keyOf(where: Where): string {
  return `${where.kind}/${where.namespace}/${where.workload}`;
}

function summaryLabels(target: TargetSummary): Where {
  return { namespace: target.namespace, kind: target.kind, workload: target.name };
}

function targetLabels(target: Target): Where {
  if (target.kind === 'Node') return { namespace: '', kind: 'Node', workload: target.name };
  return { namespace: target.workload.namespace, kind: target.workload.kind, workload: target.workload.name };
}

function seconds(at: Date): number {
  return at.getTime() / 1000;
}
