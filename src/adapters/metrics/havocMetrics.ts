// The project's Prometheus families, registered on a registry that is passed
// in so tests read them back and nothing is registered at import time.
// Label values are bounded: namespace, workload kind and name, action, result,
// dry_run. Never a pod name: pods come and go, and every new name would be a
// new series. A workload's series go when it does: removed
// GONE_SERIES_GRACE_SECONDS after it was last announced or moved one
// (metricsListener.ts), so workload churn does not grow the registry.

import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { TickOutcome } from '../../domain/occurrence.ts';
import { HYPOTHESIS_VERDICTS } from '../../domain/steadyState/verdict.ts';
import type { Listener } from '../../domain/ports.ts';
import { DELIVERY_RESULTS, type DeliveryResult } from '../notify/notifyListener.ts';
import { createMetricsListener, KILL_RESULTS, type HavocMetricFamilies } from './metricsListener.ts';

export const TICK_OUTCOMES = [
  'acted',
  'idle',
  'outside-window',
  'paused',
  'blocked',
  'not-leader',
  'overlap',
  'deadline',
  'failed',
  'missed',
] as const satisfies readonly TickOutcome[];

/**
 * Seconds. Recovery is a pod rescheduled and ready again: seconds to a few
 * minutes, up to the default 5 m recovery timeout; dry runs land near 0.
 */
export const RECOVERY_BUCKETS = [0.5, 1, 2.5, 5, 10, 15, 30, 60, 90, 120, 180, 300, 600];

export interface HavocMetrics extends HavocMetricFamilies {
  readonly registry: Registry;
  /** Feeds the families from occurrences; add it to the reporter's listeners. */
  readonly listener: Listener;
  /** Counts deliveries of one notifier (the notify listener's onDelivery). */
  deliveries(notifier: string): (result: DeliveryResult) => void;
  /** Counts one re-list of a watch (the cluster adapter's onRelist). */
  relist(resource: string): void;
}

export interface HavocMetricsOptions {
  readonly registry: Registry;
  /** Process and Node.js metrics from prom-client; on unless a test turns them off. */
  readonly defaultMetrics?: boolean;
  /** What runs, as havoc_build_info's labels: package version and source revision ('unknown' when the build did not say). */
  readonly build?: { readonly version: string; readonly revision?: string };
}

export function createHavocMetrics(options: HavocMetricsOptions): HavocMetrics {
  const { registry } = options;
  const registers = [registry];
  const target = ['namespace', 'kind', 'workload'] as const;
  const families: HavocMetricFamilies = {
    kills: new Counter({
      name: 'havoc_kills_total',
      registers,
      labelNames: [...target, 'action', 'result', 'dry_run'],
      help:
        `Kill attempts by target workload, action and result (${KILL_RESULTS.join(', ')}). ` +
        'dry_run="true": nothing was changed.',
    }),
    skips: new Counter({
      name: 'havoc_skips_total',
      registers,
      labelNames: ['reason', 'dry_run'],
      help:
        'Workloads drawn for a kill but left alone, by reason (not-steady, probe-failed, hypothesis-failed, ' +
        'steady-state-unknown, hypothesis-invalid, blocker-firing, budget-spent, blast-radius, zone-last-ready, ' +
        'no-pods, min-gap, outside-window, paused, opted-out, not-leader, deadline, state-full).',
    }),
    recoveryDuration: new Histogram({
      name: 'havoc_recovery_duration_seconds',
      registers,
      labelNames: [...target, 'action', 'dry_run'],
      buckets: RECOVERY_BUCKETS,
      help: 'Seconds from the kill until the workload was back at steady state; recovered experiments only.',
    }),
    notRecovered: new Counter({
      name: 'havoc_not_recovered_total',
      registers,
      labelNames: [...target, 'action', 'dry_run'],
      help: 'Experiments whose workload was not back at steady state within the recovery timeout (or when the daemon stopped).',
    }),
    lastKill: new Gauge({
      name: 'havoc_last_kill_timestamp_seconds',
      registers,
      labelNames: [...target, 'dry_run'],
      help: 'Unix time of the last kill per workload with result killed.',
    }),
    eligible: new Gauge({
      name: 'havoc_eligible_targets',
      registers,
      help: 'Workloads eligible for a kill at the last tick that looked at the cluster.',
    }),
    budgetLeft: new Gauge({
      name: 'havoc_budget_left',
      registers,
      labelNames: ['window'],
      help: 'Kills left in the cluster-wide budget of each window (tick, hour, day), as last reported by this replica.',
    }),
    paused: new Gauge({ name: 'havoc_paused', registers, help: '1 while the kill switch is on (chaos paused), else 0.' }),
    leader: new Gauge({
      name: 'havoc_leader',
      registers,
      help: '1 while this replica acts (holds the leader lease, or leader election is off), else 0.',
    }),
    ticks: new Counter({
      name: 'havoc_ticks_total',
      registers,
      labelNames: ['outcome'],
      help:
        'Ticks by outcome (acted, idle, outside-window, paused, not-leader, overlap: due while the previous still ran, ' +
        'deadline: ended at its deadline, failed, missed: never ran because the process was frozen or blocked when it was due).',
    }),
    nextTick: new Gauge({ name: 'havoc_next_tick_timestamp_seconds', registers, help: 'Unix time of the next scheduled tick.' }),
    errors: new Counter({
      name: 'havoc_errors_total',
      registers,
      labelNames: ['kind'],
      help: 'Errors by kind (tick, state, and the kinds the Kubernetes adapter names, e.g. api-unreachable).',
    }),
    notifications: new Counter({
      name: 'havoc_notifications_total',
      registers,
      labelNames: ['notifier', 'result'],
      help: 'Notifications by notifier and result (sent, failed after retries, dropped because the queue was full).',
    }),
    hypothesisVerdicts: new Counter({
      name: 'havoc_hypothesis_verdicts_total',
      registers,
      labelNames: [...target, 'verdict', 'dry_run'],
      help:
        `Steady-state hypothesis after recovery, per experiment: ${HYPOTHESIS_VERDICTS.join(', ')} ` +
        '(Prometheus configured only).',
    }),
    blocked: new Gauge({
      name: 'havoc_blocked',
      registers,
      help: '1 while an alert blocker fires (or Prometheus cannot say whether one does), so no chaos happens; else 0.',
    }),
    blockingAlerts: new Gauge({
      name: 'havoc_blocking_alerts',
      registers,
      labelNames: ['alertname'],
      help: 'The alerts blocking chaos now, 1 each; alertname="" while Prometheus cannot answer. Empty when nothing blocks.',
    }),
    installOverlap: new Gauge({
      name: 'havoc_install_overlap',
      registers,
      labelNames: ['other', 'resolution'],
      help:
        'Another install whose namespaces overlap this one (other: its namespace/state ConfigMap), 1 on the row of what ' +
        'this install does there: refused (the other was installed first), kept, allowed (by config), none (overlap ended).',
    }),
    relists: new Counter({
      name: 'havoc_watch_relists_total',
      registers,
      labelNames: ['resource'],
      help:
        'Watches that had to list their resource again after the first sync ' +
        '(resourceVersion too old, or a restart after an error); should stay near zero.',
    }),
    clockSteps: new Counter({
      name: 'havoc_clock_steps_total',
      registers,
      labelNames: ['direction'],
      help:
        'Steps of the wall clock (forward or back, told against the monotonic clock); ' +
        'the schedule is armed again on the new time after each.',
    }),
  };
  // Always 1, one series: its presence says a daemon is scraped (absence alerts), its labels say which build.
  const buildInfo = new Gauge({
    name: 'havoc_build_info',
    registers,
    labelNames: ['version', 'revision'],
    help: 'Always 1; labels: the package version and the source revision the image was built from (unknown if not given).',
  });
  buildInfo.set({ version: options.build?.version ?? 'unknown', revision: options.build?.revision || 'unknown' }, 1);
  // Known label values start at zero, so rate() and absent-series alerts work from the first scrape.
  for (const outcome of TICK_OUTCOMES) families.ticks.inc({ outcome }, 0);
  for (const direction of ['forward', 'back']) families.clockSteps.inc({ direction }, 0);
  // The alert HavocStateFull takes increase() of these: the first refusal must count.
  for (const dryRun of ['false', 'true']) families.skips.inc({ reason: 'state-full', dry_run: dryRun }, 0);
  families.paused.set(0);
  families.leader.set(0);
  families.blocked.set(0);
  if (options.defaultMetrics !== false) collectNodeDefaults(registry);
  return {
    ...families,
    registry,
    listener: createMetricsListener({ metrics: families }),
    deliveries(notifier) {
      for (const result of DELIVERY_RESULTS) families.notifications.inc({ notifier, result }, 0);
      return (result) => families.notifications.inc({ notifier, result });
    },
    relist: (resource) => families.relists.inc({ resource }),
  };
}

/**
 * prom-client's process and Node.js metrics, minus three gauges whose names end
 * in `_total` (promtool rejects that for a gauge). Their per-type twins
 * (nodejs_active_handles{type}, ...) stay, and sum() gives the same number.
 */
function collectNodeDefaults(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
}
