// Turns occurrences into metric updates. Synchronous and cheap: a scrape never
// waits for the loop and the loop never waits for a scrape.

import type { BudgetLeft } from '../../domain/budget/budget.ts';
import type { Occurrence, Target, TargetSummary, TickOutcome } from '../../domain/occurrence.ts';
import type { Listener } from '../../domain/ports.ts';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { KillResult } from '../../domain/model.ts';

/** Results of havoc_kills_total: the domain's KillResult plus the not-steady skip. */
export const KILL_RESULTS = [
  'killed',
  'blocked',
  'already-gone',
  'skipped-not-steady',
  'failed',
  'unknown',
] as const satisfies readonly (KillResult | 'skipped-not-steady')[];

type WorkloadLabel = 'namespace' | 'kind' | 'workload';

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
  // Targets whose series exist already (bounded by the opted-in targets seen).
  const started = new Set<string>();
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
        case 'targets':
          for (const target of o.targets) startSeries(m, target, String(o.dryRun), started);
          return;
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
  const key = `${target.kind}/${target.namespace}/${target.name}/${target.action}/${dryRun}`;
  if (started.has(key)) return;
  started.add(key);
  const where = { namespace: target.namespace, kind: target.kind, workload: target.name };
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

function targetLabels(target: Target): { namespace: string; kind: string; workload: string } {
  if (target.kind === 'Node') return { namespace: '', kind: 'Node', workload: target.name };
  return { namespace: target.workload.namespace, kind: target.workload.kind, workload: target.workload.name };
}

function seconds(at: Date): number {
  return at.getTime() / 1000;
}
