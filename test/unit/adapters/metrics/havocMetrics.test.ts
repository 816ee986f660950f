import { readFileSync } from 'node:fs';
import test from 'ava';
import { Registry } from 'prom-client';
import type { Occurrence, TickOutcome } from '../../../../src/domain/occurrence.ts';
import { createHavocMetrics } from '../../../../src/adapters/metrics/havocMetrics.ts';
import { KILL_RESULTS } from '../../../../src/adapters/metrics/metricsListener.ts';
import { metricsReference, REFERENCE_END, REFERENCE_START } from '../../../../src/adapters/metrics/metricsReference.ts';
import {
  AT,
  killOccurrence as kill,
  NODE,
  POD,
  recoveryOccurrence,
  skipOccurrence,
  tickOccurrence,
} from '../../fakes/occurrences.ts';

function setup() {
  const registry = new Registry();
  const metrics = createHavocMetrics({ registry, defaultMetrics: false });
  return {
    registry,
    metrics,
    feed: (...os: Occurrence[]) => {
      for (const o of os) void metrics.listener.on(o);
    },
  };
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  const data = await metric?.get();
  const match = data?.values.find(
    (v) =>
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want) &&
      Object.keys(v.labels).filter((k) => k !== 'le').length >= Object.keys(labels).length,
  );
  return match?.value;
}

test('kills are counted by namespace, kind, workload, action, result and dry_run', async (t) => {
  const { registry, feed } = setup();
  feed(
    kill('killed'),
    kill('killed'),
    kill('killed', { dryRun: true }),
    kill('blocked'),
    kill('already-gone'),
    kill('failed'),
    kill('unknown'),
    kill('killed', { target: NODE }),
  );
  const cases: [Record<string, string>, number][] = [
    [{ namespace: 'shop', kind: 'Deployment', workload: 'checkout', action: 'pod-evict', result: 'killed', dry_run: 'false' }, 2],
    [{ namespace: 'shop', kind: 'Deployment', workload: 'checkout', action: 'pod-evict', result: 'killed', dry_run: 'true' }, 1],
    [{ workload: 'checkout', result: 'blocked', dry_run: 'false' }, 1],
    [{ workload: 'checkout', result: 'already-gone' }, 1],
    [{ workload: 'checkout', result: 'failed' }, 1],
    [{ workload: 'checkout', result: 'unknown' }, 1],
    [{ namespace: '', kind: 'Node', workload: 'worker-3', action: 'node-drain', result: 'killed' }, 1],
  ];
  for (const [labels, expected] of cases)
    t.is(await value(registry, 'havoc_kills_total', labels), expected, JSON.stringify(labels));
});

test('a skip because the workload is not steady counts as result skipped-not-steady; other skips only as skips', async (t) => {
  const { registry, feed } = setup();
  const skip = (reason: 'not-steady' | 'budget-spent') => skipOccurrence(reason, { dryRun: true });
  feed(skip('not-steady'), skip('budget-spent'), skip('budget-spent'));
  t.is(
    await value(registry, 'havoc_kills_total', {
      workload: 'checkout',
      action: 'none',
      result: 'skipped-not-steady',
      dry_run: 'true',
    }),
    1,
  );
  t.is((await registry.getSingleMetric('havoc_kills_total')?.get())?.values.length, 1);
  t.is(await value(registry, 'havoc_skips_total', { reason: 'budget-spent', dry_run: 'true' }), 2);
  t.is(await value(registry, 'havoc_skips_total', { reason: 'not-steady' }), 1);
});

test('the last kill time per workload moves only on killed', async (t) => {
  const { registry, feed } = setup();
  feed(kill('killed'), { ...kill('blocked'), at: new Date(AT.getTime() + 60_000) } as Occurrence);
  t.is(
    await value(registry, 'havoc_last_kill_timestamp_seconds', { workload: 'checkout', dry_run: 'false' }),
    AT.getTime() / 1000,
  );
});

test("announced targets get every kill series at zero before their first kill, in this daemon's mode only, and the last kill from history", async (t) => {
  const { registry, feed } = setup();
  const lastKilled = new Date('2026-11-20T09:30:00Z');
  feed({
    type: 'targets',
    at: AT,
    dryRun: false,
    targets: [
      { kind: 'Deployment', namespace: 'shop', name: 'checkout', action: 'pod-evict', lastKilled },
      { kind: 'Node', namespace: '', name: 'worker-3', action: 'node-drain' },
    ],
  });
  const kills = (await registry.getSingleMetric('havoc_kills_total')?.get())?.values ?? [];
  const series = kills
    .map((v) => `${v.labels.workload}/${v.labels.action}/${v.labels.result}/${v.labels.dry_run}=${v.value}`)
    .sort();
  t.deepEqual(series, [
    'checkout/none/skipped-not-steady/false=0',
    'checkout/pod-evict/already-gone/false=0',
    'checkout/pod-evict/blocked/false=0',
    'checkout/pod-evict/failed/false=0',
    'checkout/pod-evict/killed/false=0',
    'checkout/pod-evict/unknown/false=0',
    'worker-3/node-drain/already-gone/false=0',
    'worker-3/node-drain/blocked/false=0',
    'worker-3/node-drain/failed/false=0',
    'worker-3/node-drain/killed/false=0',
    'worker-3/node-drain/unknown/false=0',
  ]);
  const histogram = ((await registry.getSingleMetric('havoc_recovery_duration_seconds')?.get())?.values ?? []) as {
    metricName?: string;
    labels: Record<string, unknown>;
    value: number;
  }[];
  t.deepEqual(
    histogram
      .filter((v) => v.metricName === 'havoc_recovery_duration_seconds_count')
      .map((v) => [v.labels['workload'], v.labels['dry_run'], v.value]),
    [['checkout', 'false', 0]],
  );
  t.is(await value(registry, 'havoc_not_recovered_total', { workload: 'checkout', action: 'pod-evict', dry_run: 'false' }), 0);
  t.is(
    await value(registry, 'havoc_last_kill_timestamp_seconds', { workload: 'checkout', dry_run: 'false' }),
    lastKilled.getTime() / 1000,
  );
  t.is(
    await value(registry, 'havoc_last_kill_timestamp_seconds', { workload: 'worker-3' }),
    undefined,
    'never killed: no made-up time',
  );
  // Announcing again (every tick) moves nothing that has since counted a kill or a recovery.
  feed(kill('killed'), recoveryOccurrence({ recovered: true, seconds: 12 }));
  feed({
    type: 'targets',
    at: AT,
    dryRun: false,
    targets: [{ kind: 'Deployment', namespace: 'shop', name: 'checkout', action: 'pod-evict' }],
  });
  t.is(
    await value(registry, 'havoc_kills_total', { workload: 'checkout', action: 'pod-evict', result: 'killed', dry_run: 'false' }),
    1,
  );
  const after = ((await registry.getSingleMetric('havoc_recovery_duration_seconds')?.get())?.values ?? []) as {
    metricName?: string;
    labels: Record<string, unknown>;
    value: number;
  }[];
  t.deepEqual(
    after.filter((v) => v.metricName === 'havoc_recovery_duration_seconds_count').map((v) => v.value),
    [1],
    'the recovery observed before stays',
  );
});

test('recovery: seconds go to the histogram, a miss to not-recovered', async (t) => {
  const { registry, feed } = setup();
  feed(
    recoveryOccurrence({ recovered: true, seconds: 12 }),
    recoveryOccurrence({ recovered: true, seconds: 40 }),
    recoveryOccurrence({ recovered: false, seconds: 300, detail: '2/3 ready' }),
  );
  const histogram = await registry.getSingleMetric('havoc_recovery_duration_seconds')?.get();
  // prom-client names each histogram value's series in metricName, which its types leave out.
  const values = (histogram?.values ?? []) as { metricName?: string; labels: Record<string, unknown>; value: number }[];
  const series = (suffix: string, le?: number) =>
    values.find(
      (v) => v.metricName === `havoc_recovery_duration_seconds_${suffix}` && (le === undefined || v.labels['le'] === le),
    )?.value;
  t.is(series('count'), 2);
  t.is(series('sum'), 52);
  t.is(series('bucket', 15), 1);
  t.is(series('bucket', 60), 2);
  t.is(
    await value(registry, 'havoc_not_recovered_total', {
      namespace: 'shop',
      kind: 'Deployment',
      workload: 'checkout',
      action: 'pod-evict',
      dry_run: 'false',
    }),
    1,
  );
});

test('ticks: outcome counter, eligible targets, budget per window, next tick, paused and leader from the outcome', async (t) => {
  const { registry, feed } = setup();
  const tick = (outcome: TickOutcome, eligible = 0) =>
    tickOccurrence(outcome, { eligible, budget: { tick: 1, hour: 3, day: 8 }, nextTick: new Date(AT.getTime() + 600_000) });
  t.is(await value(registry, 'havoc_ticks_total', { outcome: 'failed' }), 0, 'known outcomes start at zero');
  t.is(
    await value(registry, 'havoc_skips_total', { reason: 'state-full', dry_run: 'false' }),
    0,
    'so is the refusal HavocStateFull counts',
  );
  feed(tick('idle', 4), tick('idle', 5), tick('paused'));
  t.is(await value(registry, 'havoc_ticks_total', { outcome: 'idle' }), 2);
  t.is(await value(registry, 'havoc_eligible_targets'), 5, 'a paused tick does not look, so it does not zero the count');
  t.is(await value(registry, 'havoc_budget_left', { window: 'hour' }), 3);
  t.is(await value(registry, 'havoc_budget_left', { window: 'day' }), 8);
  t.is(await value(registry, 'havoc_next_tick_timestamp_seconds'), AT.getTime() / 1000 + 600);
  t.is(await value(registry, 'havoc_paused'), 1);
  t.is(await value(registry, 'havoc_leader'), 1);
  feed(tick('not-leader'));
  t.is(await value(registry, 'havoc_leader'), 0);
  feed(tick('outside-window'));
  t.is(await value(registry, 'havoc_paused'), 0);
});

test('pause, resume, leadership and errors have their own families', async (t) => {
  const { registry, feed } = setup();
  feed({ type: 'paused', at: AT, by: 'alice', reason: 'incident' });
  t.is(await value(registry, 'havoc_paused'), 1);
  feed({ type: 'resumed', at: AT, by: 'alice' }, { type: 'leader', at: AT, leader: true, identity: 'pod-a' });
  t.is(await value(registry, 'havoc_paused'), 0);
  t.is(await value(registry, 'havoc_leader'), 1);
  feed(
    { type: 'error', at: AT, kind: 'api-unreachable', message: 'x' },
    { type: 'error', at: AT, kind: 'api-unreachable', message: 'y' },
  );
  t.is(await value(registry, 'havoc_errors_total', { kind: 'api-unreachable' }), 2);
});

test('an overlap of installs: one row per resolution, 1 on what this install does there now', async (t) => {
  const { registry, feed } = setup();
  const overlap = (resolution: 'refused' | 'ended') =>
    feed({
      type: 'install-overlap',
      at: AT,
      install: 'havoc-b/kube-havoc-state',
      other: 'havoc-a/kube-havoc-state',
      namespaces: ['shared'],
      resolution,
      object: { kind: 'Lease', namespace: 'havoc-b', name: 'kube-havoc' },
    });
  const row = (resolution: string) => value(registry, 'havoc_install_overlap', { other: 'havoc-a/kube-havoc-state', resolution });
  overlap('refused');
  t.deepEqual(await Promise.all(['refused', 'kept', 'allowed', 'none'].map(row)), [1, 0, 0, 0]);
  overlap('ended');
  t.deepEqual(await Promise.all(['refused', 'kept', 'allowed', 'none'].map(row)), [0, 0, 0, 1]);
});

test('a kill updates the budget gauges, and deliveries are counted per notifier', async (t) => {
  const { registry, metrics, feed } = setup();
  feed(kill('killed'));
  t.is(await value(registry, 'havoc_budget_left', { window: 'tick' }), 0);
  const count = metrics.deliveries('slack');
  t.is(await value(registry, 'havoc_notifications_total', { notifier: 'slack', result: 'failed' }), 0);
  count('sent');
  count('sent');
  t.is(await value(registry, 'havoc_notifications_total', { notifier: 'slack', result: 'sent' }), 2);
});

test('no label value is ever a pod name, whatever happens', async (t) => {
  const { registry, feed } = setup();
  feed(
    ...KILL_RESULTS.filter((r) => r !== 'skipped-not-steady').map((r) => kill(r)),
    recoveryOccurrence({ recovered: true, seconds: 3 }),
  );
  const values = (await registry.getMetricsAsJSON()).flatMap((m) => m.values.flatMap((v) => Object.values(v.labels).map(String)));
  t.true(values.includes('checkout'));
  t.false(values.some((v) => v.includes(POD.name) || v === POD.uid));
});

test('names follow Prometheus conventions: havoc_ prefix, _total counters, _seconds times, help on every family', (t) => {
  const { registry } = setup();
  const families = registry.getMetricsAsArray() as unknown as { name: string; type: string; help: string }[];
  t.true(families.length >= 13);
  for (const f of families) {
    t.regex(f.name, /^havoc_[a-z_]+$/);
    t.is(f.type === 'counter', f.name.endsWith('_total'), `${f.name}: only counters end in _total`);
    if (f.name.includes('timestamp') || f.name.includes('duration')) t.true(f.name.endsWith('_seconds'), f.name);
    t.true(f.help.length > 20, `${f.name} has help text`);
  }
});

test('process and Node.js defaults come with the factory, on the registry passed in only', (t) => {
  const registry = new Registry();
  createHavocMetrics({ registry });
  const names = registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name);
  t.true(names.includes('process_cpu_seconds_total'));
  t.true(names.includes('nodejs_heap_size_used_bytes'));
  t.false(names.includes('nodejs_active_handles_total'), 'a gauge named _total is what promtool rejects');
  t.true(names.includes('nodejs_active_handles'));
  t.is(new Registry().getMetricsAsArray().length, 0);
});

test('docs/operations.md carries the current metrics reference', (t) => {
  const { registry } = setup();
  const doc = readFileSync('docs/operations.md', 'utf8');
  const start = doc.indexOf(REFERENCE_START);
  const end = doc.indexOf(REFERENCE_END);
  t.true(start >= 0 && end > start, 'the reference markers are in the document');
  t.is(
    doc.slice(start + REFERENCE_START.length, end).trim(),
    metricsReference(registry),
    'regenerate with withMetricsReference() from src/adapters/metrics/metricsReference.ts (npm run docs)',
  );
});

test('havoc_build_info is one series at 1 naming the version and the revision, unknown when the build did not say', async (t) => {
  const registry = new Registry();
  createHavocMetrics({ registry, defaultMetrics: false, build: { version: '1.2.3', revision: 'abc1234' } });
  t.is(await value(registry, 'havoc_build_info', { version: '1.2.3', revision: 'abc1234' }), 1);
  t.is((await registry.getSingleMetric('havoc_build_info')?.get())?.values.length, 1);
  const bare = new Registry();
  createHavocMetrics({ registry: bare, defaultMetrics: false, build: { version: '1.2.3', revision: '' } });
  t.is(await value(bare, 'havoc_build_info', { version: '1.2.3', revision: 'unknown' }), 1);
});
