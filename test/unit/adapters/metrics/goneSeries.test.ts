// The per-workload series of workloads that are gone are removed after a
// grace, so workload churn (preview namespaces made and deleted all day) does
// not grow the registry for the life of the process; a workload that is
// still announced keeps its series however quiet it is.

import test from 'ava';
import { Registry } from 'prom-client';
import type { Occurrence, TargetSummary } from '../../../../src/domain/occurrence.ts';
import { createHavocMetrics } from '../../../../src/adapters/metrics/havocMetrics.ts';
import { GONE_SERIES_GRACE_SECONDS } from '../../../../src/adapters/metrics/metricsListener.ts';
import { killOccurrence, POD, recoveryOccurrence } from '../../fakes/occurrences.ts';

const T0 = new Date('2026-11-20T09:00:00Z');
const MINUTE = 60_000;
const GRACE = GONE_SERIES_GRACE_SECONDS * 1000;

function setup() {
  const registry = new Registry();
  const metrics = createHavocMetrics({ registry, defaultMetrics: false });
  const feed = (...os: Occurrence[]) => {
    for (const o of os) void metrics.listener.on(o);
  };
  const announce = (at: Date, targets: readonly TargetSummary[]) => feed({ type: 'targets', at, dryRun: false, targets });
  return { registry, feed, announce };
}

const target = (namespace: string, name: string): TargetSummary => ({ kind: 'Deployment', namespace, name, action: 'pod-evict' });

/** Series with a workload label, one per label set (a histogram's buckets are one series with it). */
async function workloadSeries(registry: Registry, workload?: string): Promise<number> {
  let count = 0;
  for (const metric of await registry.getMetricsAsJSON()) {
    const values = metric.values as { metricName?: string; labels: Record<string, unknown> }[];
    count += values.filter(
      (v) =>
        'workload' in v.labels &&
        (workload === undefined || v.labels['workload'] === workload) &&
        (String(metric.type) !== 'histogram' || v.metricName?.endsWith('_count')),
    ).length;
  }
  return count;
}

test('10,000 workloads announced, killed and deleted over 100 ticks leave only the series of those seen within the grace', async (t) => {
  const { registry, feed, announce } = setup();
  const every = 10 * MINUTE;
  let most = 0;
  for (let batch = 0; batch < 100; batch += 1) {
    const at = new Date(T0.getTime() + batch * every);
    // The previous preview namespace is gone; a new one has 100 opted-in workloads, one of them killed.
    const namespace = `preview-${batch}`;
    announce(
      at,
      Array.from({ length: 100 }, (_, i) => target(namespace, `svc-${i}`)),
    );
    const victim = { ...POD, namespace, workload: { kind: 'Deployment', namespace, name: 'svc-0' } } as const;
    feed(
      killOccurrence('killed', { at, target: victim }),
      recoveryOccurrence({ recovered: true, seconds: 9 }, { at, target: victim }),
    );
    most = Math.max(most, await workloadSeries(registry));
  }
  // Per workload 6 kill results at zero, the recovery histogram and not-recovered; the victim also its last kill.
  const perWorkload = 8;
  const withinGrace = GRACE / every;
  t.log(`${most} per-workload series at most, bound ${(withinGrace + 1) * (100 * perWorkload + 1)}`);
  t.true(most <= (withinGrace + 1) * (100 * perWorkload + 1), `at most ${most} series at once`);
  t.true(most >= withinGrace * 100 * perWorkload, `the workloads seen within the grace keep theirs (${most})`);
  announce(new Date(T0.getTime() + 100 * every + GRACE), []);
  t.is(await workloadSeries(registry), 0, 'nothing announced for an hour: no per-workload series left');
});

test('a workload killed and then deleted keeps its series for the grace after it was last announced, then they go', async (t) => {
  const { registry, feed, announce } = setup();
  const checkout = target('shop', 'checkout');
  announce(T0, [checkout, target('shop', 'cart')]);
  feed(killOccurrence('killed', { at: T0 }));
  const killed = { workload: 'checkout', result: 'killed', action: 'pod-evict', dry_run: 'false' };
  const kills = async () =>
    (await registry.getSingleMetric('havoc_kills_total')?.get())?.values.find((v) =>
      Object.entries(killed).every(([k, want]) => v.labels[k] === want),
    )?.value;
  // Deleted: later announcements no longer list it.
  announce(new Date(T0.getTime() + GRACE - MINUTE), [target('shop', 'cart')]);
  t.is(await kills(), 1, 'still scraped an hour minus a minute later');
  t.true((await workloadSeries(registry, 'checkout')) > 0);
  announce(new Date(T0.getTime() + GRACE), [target('shop', 'cart')]);
  t.is(await kills(), undefined);
  t.is(await workloadSeries(registry, 'checkout'), 0, 'every series of it: kills, recovery, last kill');
  t.true((await workloadSeries(registry, 'cart')) > 0, 'the workload still announced keeps its series');
});

test('a verdict that comes after the workload is gone keeps its series for the grace after the verdict', async (t) => {
  const { registry, feed, announce } = setup();
  announce(T0, [target('shop', 'checkout')]);
  feed(killOccurrence('killed', { at: T0 }));
  announce(new Date(T0.getTime() + 2 * MINUTE), []);
  // The recovery check gave up on the deleted workload at the recovery timeout.
  const verdictAt = new Date(T0.getTime() + 50 * MINUTE);
  feed(recoveryOccurrence({ recovered: false, seconds: 3000, detail: 'gone' }, { at: verdictAt }));
  announce(new Date(T0.getTime() + GRACE + MINUTE), []);
  const missed = await registry.getSingleMetric('havoc_not_recovered_total')?.get();
  t.is(missed?.values.find((v) => v.labels['workload'] === 'checkout')?.value, 1, 'the not-recovered count is still scraped');
  announce(new Date(verdictAt.getTime() + GRACE), []);
  t.is(await workloadSeries(registry, 'checkout'), 0);
});

test('a workload announced every tick keeps its series for a month in which nothing happens to it; nothing is removed while nothing is announced', async (t) => {
  const { registry, feed, announce } = setup();
  announce(T0, [target('shop', 'checkout'), target('shop', 'cart')]);
  feed(killOccurrence('killed', { at: T0 }));
  for (let at = T0.getTime(); at < T0.getTime() + 30 * 24 * 60 * MINUTE; at += 60 * MINUTE)
    announce(new Date(at), [target('shop', 'checkout')]);
  t.is(
    (await registry.getSingleMetric('havoc_kills_total')?.get())?.values.find(
      (v) => v.labels['workload'] === 'checkout' && v.labels['result'] === 'killed',
    )?.value,
    1,
  );
  t.is(await workloadSeries(registry, 'cart'), 0, 'cart went after its grace');
  // Paused, outside the window, not the leader: no announcement, so no workload counts as gone.
  feed(killOccurrence('killed', { at: new Date(T0.getTime() + 40 * 24 * 60 * MINUTE) }));
  t.true((await workloadSeries(registry, 'checkout')) > 0);
});

test('a workload that comes back after its series went starts them again at zero', async (t) => {
  const { registry, feed, announce } = setup();
  announce(T0, [target('shop', 'checkout')]);
  feed(killOccurrence('killed', { at: T0 }));
  announce(new Date(T0.getTime() + GRACE), []);
  t.is(await workloadSeries(registry, 'checkout'), 0);
  announce(new Date(T0.getTime() + 2 * GRACE), [target('shop', 'checkout')]);
  const kills = (await registry.getSingleMetric('havoc_kills_total')?.get())?.values ?? [];
  t.deepEqual(
    kills.filter((v) => v.labels['workload'] === 'checkout').map((v) => v.value),
    [0, 0, 0, 0, 0, 0],
    'a counter Prometheus sees restart at zero (a reset increase() handles), ready to count the next kill',
  );
  t.is(await workloadSeries(registry, 'checkout'), 8);
});
