// The Grafana dashboard against a real Prometheus: a daemon built from the
// domain's round, fake cluster ports and the real metrics and HTTP adapters
// performs dry-run and fake kills; Prometheus (Debian's, started here on
// 127.0.0.1 with a 1 s scrape interval) scrapes it; every query of the
// dashboard must evaluate, and the main panels must show data.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Registry } from 'prom-client';
import type { KillOutcome, PodInfo, WorkloadRef } from '../../src/domain/model.ts';
import type { KillOptions, PodKiller } from '../../src/domain/ports.ts';
import { createReporter } from '../../src/domain/reporter.ts';
import { createChaosRound } from '../../src/domain/round/chaosRound.ts';
import { createHavocMetrics } from '../../src/adapters/metrics/havocMetrics.ts';
import { GONE_SERIES_GRACE_SECONDS } from '../../src/adapters/metrics/metricsListener.ts';
import { createMetricsServer, type MetricsServerOptions } from '../../src/adapters/http/metricsServer.ts';
import { recentKills } from '../../src/adapters/http/recentKills.ts';
import { createHistoryListener } from '../../src/adapters/history/historyListener.ts';
import { readAttempts } from '../../src/domain/history/readAttempts.ts';
import { fakeClock } from '../unit/fakes/fakeClock.ts';
import { deployment, fakeCluster, type FakeCluster } from '../unit/fakes/fakeCluster.ts';
import { memoryHistoryStore, type MemoryHistoryStore } from '../unit/fakes/memoryHistoryStore.ts';
import { memoryStateStore } from '../unit/fakes/memoryStateStore.ts';
import { recordingLog } from '../unit/fakes/recordingListener.ts';
import { roundDeps } from '../unit/fakes/roundDeps.ts';
import { freePort } from '../e2e/harness/freePort.ts';
import { startPrometheus, type RealPrometheus } from './support/realPrometheus.ts';

interface Target {
  expr: string;
  refId: string;
  datasource?: { uid?: string };
}
interface Panel {
  title: string;
  type: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Annotation {
  name: string;
  expr?: string;
  datasource?: { uid?: string };
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  annotations: { list: Annotation[] };
  templating: { list: { name: string; type: string; query: unknown; definition?: string; allValue?: string }[] };
}

const dashboard = JSON.parse(readFileSync('dashboards/kube-havoc.json', 'utf8')) as Dashboard;
const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const queries = [
  ...panels(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((target) => ({ panel: p.title, refId: target.refId, expr: target.expr })),
  ),
  // Annotations are queries too: the kill marks on every graph.
  ...dashboard.annotations.list.flatMap((a) =>
    a.expr === undefined ? [] : [{ panel: `annotation ${a.name}`, refId: 'annotation', expr: a.expr }],
  ),
];

interface Scope {
  readonly namespace: string;
  readonly cluster: string;
  readonly job: string;
  readonly instance: string;
}
const ALL: Scope = { namespace: '.*', cluster: '.*', job: '.*', instance: '.*' };

/** What Grafana would put in; the ranges cover the whole test. */
function substitute(expr: string, scope: Scope): string {
  const out = expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range_s', '600')
    .replaceAll('$__range', '10m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$namespace', scope.namespace)
    .replaceAll('$cluster', scope.cluster)
    .replaceAll('$job', scope.job)
    .replaceAll('$instance', scope.instance);
  if (out.includes('$')) throw new Error(`unknown variable left in ${out}`);
  return out;
}

test('the dashboard is provisioning-ready: datasource and namespace variables, every panel on the datasource variable', (t) => {
  t.is(dashboard.uid, 'kube-havoc');
  t.false('__inputs' in dashboard, 'the Grafana sidecar does not resolve __inputs');
  const kills = dashboard.annotations.list.find((a) => a.name === 'Kills');
  t.is(kills?.datasource?.uid, '${datasource}', 'kill annotations on every graph');
  const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
  t.is(variables['datasource']?.type, 'datasource');
  // Fleet-ready: one Grafana over a central Prometheus (Thanos, Mimir) holding many installs.
  t.like(variables['cluster'], { type: 'query', definition: 'label_values(havoc_build_info, cluster)', allValue: '.*' });
  t.like(variables['job'], {
    type: 'query',
    definition: 'label_values(havoc_build_info{cluster=~"$cluster"}, job)',
    allValue: '.*',
  });
  t.like(variables['instance'], {
    type: 'query',
    definition: 'label_values(havoc_build_info{cluster=~"$cluster", job=~"$job"}, instance)',
    allValue: '.*',
  });
  t.like(variables['namespace'], {
    type: 'query',
    definition: 'label_values(havoc_kills_total{cluster=~"$cluster", job=~"$job", instance=~"$instance"}, namespace)',
    allValue: '.*',
  });
  for (const p of panels(dashboard.panels)) {
    t.is(p.datasource?.uid, '${datasource}', p.title);
    for (const target of p.targets ?? []) t.is(target.datasource?.uid, '${datasource}', `${p.title} ${target.refId}`);
  }
  const titles = panels(dashboard.panels).map((p) => p.title);
  for (const title of [
    'Recent kills',
    'Kills over time by result',
    'Recovery time p50 / p95',
    'Blocked by PDB',
    'Budget left',
    'Paused',
    'Leader',
    'Eligible targets',
  ]) {
    t.true(titles.includes(title), title);
  }
  t.true(queries.length >= 20);
  for (const q of queries) {
    if (q.expr.includes('havoc_kills_total'))
      t.true(q.expr.includes('namespace=~"$namespace"'), `${q.panel} filters by namespace`);
    // Every series a query reads is scoped to the chosen cluster, job and instance, so no aggregate merges installs.
    const selectors = [...q.expr.matchAll(/\bhavoc_[a-z_]+(\{[^}]*\})?/g)];
    t.true(selectors.length > 0, q.panel);
    for (const [selector] of selectors)
      t.true(
        selector.includes('{cluster=~"$cluster", job=~"$job", instance=~"$instance"'),
        `${q.panel} ${q.refId}: ${selector} is scoped by cluster, job and instance`,
      );
    t.false(/on \(instance\)/.test(q.expr), `${q.panel} ${q.refId}: a join names cluster and job too`);
  }
});

// ---- the fake daemon --------------------------------------------------------

const START = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const LONG_AGO = new Date(START.getTime() - 3_600_000);
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };
const ALWAYS_OPEN = {
  HAVOC_SCHEDULE_TIMEZONE: 'UTC',
  HAVOC_SCHEDULE_WEEKDAYS: 'sun,mon,tue,wed,thu,fri,sat',
  HAVOC_SCHEDULE_START: '00:00',
  HAVOC_SCHEDULE_END: '24:00',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '10',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '100',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '50',
  HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s',
};

function world(): FakeCluster {
  const ledger = deployment('bank', 'ledger', 3, alwaysHit, LONG_AGO);
  const cart = deployment('shop', 'cart', 3, alwaysHit, LONG_AGO);
  return fakeCluster([
    deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO),
    deployment('shop', 'payments', 2, alwaysHit, LONG_AGO),
    { ...cart, ready: 2 },
    { ...ledger, ref: { ...ledger.ref, kind: 'StatefulSet' } },
  ]);
}

/** payments has a PDB that refuses every eviction; ledger's killed pod never goes away (it never recovers). */
function killer(cluster: FakeCluster): PodKiller {
  return {
    async kill(pod: PodInfo, ref: WorkloadRef, options: KillOptions): Promise<KillOutcome> {
      if (ref.name === 'payments')
        return { result: 'blocked', detail: "Cannot evict pod as it would violate the pod's disruption budget." };
      if (ref.name === 'ledger') return { result: 'killed' };
      return cluster.kill(pod, ref, options);
    },
    fate: (pod) => cluster.fate(pod),
  };
}

/** The daemon's metrics served on 127.0.0.1 as the composition root serves them. */
async function serveMetrics(port: number, recentKills?: MetricsServerOptions['recentKills']) {
  const registry = new Registry();
  const metrics = createHavocMetrics({ registry });
  const log = recordingLog();
  const server = await createMetricsServer({ registry, host: '127.0.0.1', port, log, recentKills });
  return { registry, metrics, log, server };
}

async function startDaemon(t: ExecutionContext) {
  const { registry, metrics, log, server } = await serveMetrics(0);
  t.teardown(() => server.close());
  const reporter = createReporter({ listeners: [metrics.listener], log });
  const cluster = world();
  const clock = fakeClock(START, { onSleep: (c) => cluster.heal(c.now()) });
  const round = (dryRun: boolean) =>
    createChaosRound(
      roundDeps({
        clock,
        cluster,
        killer: killer(cluster),
        env: { ...ALWAYS_OPEN, HAVOC_DRY_RUN: String(dryRun) },
        seed: dryRun ? 1 : 2,
        report: reporter.report,
      }).deps,
    );
  const rounds = [round(true), round(false)];
  // What the composition root does at start-up.
  for (const r of rounds) await r.announceTargets(clock.now());
  return {
    registry,
    server,
    /** One tick of the dry-run daemon and one of the live one, each waiting for its recovery checks. */
    async tick() {
      for (const r of rounds) {
        const at = clock.now();
        await r.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
        await r.settle();
        clock.advance(60_000);
      }
    },
  };
}

// ---- Prometheus ---------------------------------------------------------------

async function scalar(prometheus: RealPrometheus, expr: string): Promise<number | undefined> {
  const result = await prometheus.query(expr);
  const value = result.data?.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

/** Waits until Prometheus answers `expr` with `want`: what a scrape brings is seen only after the next one. */
function scalarReaches(prometheus: RealPrometheus, expr: string, want: number, what: string): Promise<true> {
  return prometheus.eventually(what, async () => (await scalar(prometheus, expr)) === want || undefined);
}

test('every dashboard query runs against a real Prometheus scraping a daemon that killed; the main panels show data', async (t) => {
  t.timeout(90_000);
  const daemon = await startDaemon(t);
  const instance = new URL(daemon.server.url).host;
  const prometheus = await startPrometheus(t, { targets: [instance], job: 'kube-havoc', labels: { cluster: 'eu-1' } });
  await scalarReaches(prometheus, 'up{job="kube-havoc"}', 1, 'the target is up');
  // Announced at start-up, before any kill: every kill series is scraped at zero first.
  await scalarReaches(prometheus, 'count(havoc_kills_total{result="killed"} == 0)', 8, 'the zero series are scraped');

  await daemon.tick();
  const kills =
    (await daemon.registry.getSingleMetric('havoc_kills_total')?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  t.true(kills > 0);
  await scalarReaches(prometheus, 'sum(havoc_kills_total)', kills, 'the kills are scraped');
  await prometheus.eventually(
    'the recoveries are scraped',
    async () => ((await scalar(prometheus, 'sum(increase(havoc_recovery_duration_seconds_count[1m]))')) ?? 0) > 0 || undefined,
  );

  const namespaces = (await prometheus.get('/api/v1/label/namespace/values?match[]=havoc_kills_total')) as { data: string[] };
  t.deepEqual(namespaces.data, ['bank', 'shop'], 'the namespace variable finds both namespaces');

  // The variables' own queries find this daemon.
  const variable = async (label: string, match: string) =>
    ((await prometheus.get(`/api/v1/label/${label}/values?match[]=${encodeURIComponent(match)}`)) as { data: string[] }).data;
  t.deepEqual(await variable('cluster', 'havoc_build_info'), ['eu-1']);
  t.deepEqual(await variable('job', 'havoc_build_info{cluster=~"eu-1"}'), ['kube-havoc']);
  t.deepEqual(await variable('instance', 'havoc_build_info{cluster=~"eu-1", job=~"kube-havoc"}'), [instance]);

  const results = new Map<string, number[]>();
  const chosen: Scope = { namespace: 'shop', cluster: 'eu-1', job: 'kube-havoc', instance };
  const elsewhere: Scope = { ...ALL, cluster: 'us-2' };
  for (const scope of [ALL, chosen, elsewhere]) {
    for (const q of queries) {
      const expr = substitute(q.expr, scope);
      const answer = await prometheus.query(expr);
      t.is(answer.status, 'success', `${q.panel} ${q.refId}: ${expr}: ${answer.error ?? ''}`);
      if (scope === chosen && ['Leader', 'Eligible targets', 'Paused'].includes(q.panel))
        t.is(answer.data?.result.length, 1, `${q.panel} ${q.refId} with this cluster, job and instance chosen`);
      // Another cluster's view shows none of this daemon's series (only the literal `or vector(0)` fallbacks).
      if (scope === elsewhere)
        t.true(
          (answer.data?.result ?? []).every((r) => Object.keys(r.metric).length === 0 && Number(r.value[1]) === 0),
          `${q.panel} ${q.refId} in cluster us-2: ${JSON.stringify(answer.data?.result)}`,
        );
      if (scope === ALL)
        results.set(
          `${q.panel}/${q.refId}`,
          (answer.data?.result ?? []).map((r) => Number(r.value[1])),
        );
    }
  }
  const values = (key: string) => results.get(key) ?? [];
  t.log(
    `${queries.length} queries x 3 scopes; recovery p50/p95 ${values('Recovery time p50 / p95/A')}/${values('Recovery time p50 / p95/B')} s; kills in range live/dry/blocked ${values('Kills in range/A')}/${values('Kills in range/B')}/${values('Kills in range/C')}`,
  );
  t.true(values('Recent kills/A').length >= 3, 'recent kills: checkout and ledger, dry run and live');
  t.true(
    values('Recent kills/A').every((ms) => Math.abs(ms - Date.now()) < 3_600_000),
    'last kill times are now-ish, in ms',
  );
  t.true(
    values('Kills over time by result/A').some((v) => v > 0),
    'kills over time',
  );
  const p95 = values('Recovery time p50 / p95/B');
  t.is(p95.length, 1);
  t.true(Number.isFinite(p95[0]) && (p95[0] ?? 0) > 0, `recovery p95 is a number of seconds: ${p95[0]}`);
  t.true(
    values('Recovery time p50 / p95/C').some((v) => v > 0),
    'not recovered (ledger)',
  );
  t.true(
    values('Kills in range/C').some((v) => v > 0),
    'blocked by PDB (payments)',
  );
  t.deepEqual(values('Budget left/A').length, 3, 'tick, hour and day budgets');
  t.deepEqual(values('Paused/A'), [0]);
  t.deepEqual(values('Leader/A'), [1]);
  t.deepEqual(values('Eligible targets/A'), [4]);
});

// ---- exact counts and a restart -------------------------------------------------

/** A live daemon over one workload that is hit at every tick, on a fixed port and a state that outlives it. */
async function startLiveDaemon(
  t: ExecutionContext,
  options: {
    port: number;
    store: ReturnType<typeof memoryStateStore>;
    history: MemoryHistoryStore;
    clock: ReturnType<typeof fakeClock>;
    cluster: FakeCluster;
  },
) {
  const { metrics, log, server } = await serveMetrics(options.port, async () =>
    recentKills(
      await readAttempts({
        store: options.history,
        since: new Date(options.clock.now().getTime() - 30 * 86_400_000),
        now: options.clock.now(),
        localDate: (d) => d.toISOString().slice(0, 10),
        limit: 200,
      }),
      200,
    ),
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
  };
  t.teardown(close);
  const { deps } = roundDeps({
    cluster: options.cluster,
    store: options.store,
    clock: options.clock,
    env: { ...ALWAYS_OPEN, HAVOC_DRY_RUN: 'false', HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '1' },
    seed: 5,
    report: createReporter({ listeners: [metrics.listener, createHistoryListener({ store: options.history })], log }).report,
  });
  const round = createChaosRound(deps);
  // What the composition root does at start-up, before the first tick.
  await round.announceTargets(options.clock.now());
  return {
    server,
    close,
    async kill(times: number) {
      for (let i = 0; i < times; i++) {
        const at = options.clock.now();
        const summary = await round.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
        await round.settle();
        t.is(summary.killed, 1, 'one kill per tick');
        options.clock.advance(600_000); // the replacement pods outgrow the minimum pod age
      }
    },
  };
}

const panelQuery = (panel: string, refId: string) => {
  const q = queries.find((x) => x.panel === panel && x.refId === refId);
  if (q === undefined) throw new Error(`no query ${panel}/${refId}`);
  return substitute(q.expr, ALL);
};

test('the kill counts are exact from the first kill (1, 2, 5), and the recent kills survive a daemon restart', async (t) => {
  t.timeout(90_000);
  const port = await freePort();
  const store = memoryStateStore();
  const history = memoryHistoryStore();
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]);
  const clock = fakeClock(START, { onSleep: (c) => cluster.heal(c.now()) });
  let daemon = await startLiveDaemon(t, { port, store, history, clock, cluster });
  const prometheus = await startPrometheus(t, { targets: [`127.0.0.1:${port}`], job: 'kube-havoc' });
  const killed = 'sum(havoc_kills_total{result="killed", dry_run="false"})';
  // Prometheus has seen the series at 0 before the first kill: that is what makes increase() count it.
  // Ten samples stand for a daemon that started a while before its first tick (increase() extrapolates
  // to the end of the range by up to one scrape interval; the panels round that away).
  await prometheus.eventually(
    'the zero series are scraped ten times',
    async () =>
      ((await scalar(prometheus, `sum(count_over_time(havoc_kills_total{result="killed", dry_run="false"}[1m]))`)) ?? 0) >= 10 ||
      undefined,
  );
  t.is(await scalar(prometheus, killed), 0);

  for (const [kills, total] of [
    [1, 1],
    [1, 2],
    [3, 5],
  ] as const) {
    await daemon.kill(kills);
    await scalarReaches(prometheus, killed, total, `kill ${total} is scraped`);
    t.is(await scalar(prometheus, panelQuery('Kills in range', 'A')), total, `Kills in range (live) after ${total}`);
    t.is(await scalar(prometheus, panelQuery('Kills in range', 'B')), 0, 'no dry-run kills');
    const row = (await prometheus.query(panelQuery('Recent kills', 'B'))).data?.result ?? [];
    t.deepEqual(
      row.map((r) => [r.metric['workload'], Number(r.value[1])]),
      [['checkout', total]],
      `Recent kills row after ${total}`,
    );
  }
  const marks = (await prometheus.query(panelQuery('annotation Kills', 'annotation'))).data?.result ?? [];
  t.deepEqual(
    marks.map((r) => [r.metric['workload'], r.metric['action'], r.metric['result'], r.metric['dry_run']]),
    [['checkout', 'pod-evict', 'killed', 'false']],
    'the kill annotation marks the kills',
  );
  const lastKill = store.state.kills
    .filter((k) => k.result === 'killed')
    .map((k) => Date.parse(k.at))
    .sort()
    .at(-1);

  // A restart: the process (and its in-memory metrics) is gone; the state and the history ConfigMaps stay.
  await daemon.close();
  await scalarReaches(prometheus, 'up{job="kube-havoc"}', 0, 'the target is down');
  daemon = await startLiveDaemon(t, { port, store, history, clock, cluster });
  await scalarReaches(prometheus, 'up{job="kube-havoc"}', 1, 'the restarted daemon is scraped');
  await scalarReaches(prometheus, 'count(havoc_last_kill_timestamp_seconds)', 1, "the restarted daemon's series are scraped");
  const recent = (await prometheus.query(panelQuery('Recent kills', 'A'))).data?.result ?? [];
  t.deepEqual(
    recent.map((r) => [r.metric['workload'], r.metric['dry_run'], Number(r.value[1])]),
    [['checkout', 'false', lastKill]],
    'the recent kills list the workload and its last kill after the restart',
  );
  t.is(await scalar(prometheus, panelQuery('Kills in range', 'A')), 5, 'the counter reset of the restart is not a lost kill');
  // The per-kill table (Grafana reads it with the Infinity data source): every kill, with its verdict, after the restart.
  const rows = (await (await fetch(`http://127.0.0.1:${port}/kills`)).json()) as {
    at: string;
    workload: string;
    action: string;
    result: string;
    dryRun: boolean;
    recovery: string;
    recoverySeconds: number;
  }[];
  t.is(rows.length, 5);
  t.deepEqual(
    rows.map((r) => [r.workload, r.action, r.result, r.dryRun, r.recovery]),
    Array(5).fill(['checkout', 'pod-evict', 'killed', false, 'recovered']),
  );
  t.true(rows.every((r) => r.recoverySeconds > 0));
  t.is(Date.parse(rows[0]?.at ?? ''), lastKill ?? -1, 'newest first');
});

test('a workload killed and then deleted stays in the recent kills after its series are removed (the grace passed)', async (t) => {
  t.timeout(90_000);
  const { metrics, log, server } = await serveMetrics(0);
  t.teardown(() => server.close());
  const cluster = fakeCluster([deployment('preview-7', 'web', 3, alwaysHit, LONG_AGO)]);
  const clock = fakeClock(START, { onSleep: (c) => cluster.heal(c.now()) });
  const { deps } = roundDeps({
    cluster,
    clock,
    env: { ...ALWAYS_OPEN, HAVOC_DRY_RUN: 'false', HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '1' },
    seed: 5,
    report: createReporter({ listeners: [metrics.listener], log }).report,
  });
  const round = createChaosRound(deps);
  const tick = async () => {
    const at = clock.now();
    const summary = await round.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
    await round.settle();
    return summary;
  };
  await round.announceTargets(clock.now());
  const prometheus = await startPrometheus(t, { targets: [new URL(server.url).host], job: 'kube-havoc' });
  const web = '{workload="web", result="killed", dry_run="false"}';
  await prometheus.eventually(
    'the zero series are scraped ten times',
    async () => ((await scalar(prometheus, `sum(count_over_time(havoc_kills_total${web}[1m]))`)) ?? 0) >= 10 || undefined,
  );
  t.is((await tick()).killed, 1);
  await scalarReaches(prometheus, `sum(havoc_kills_total${web})`, 1, 'the kill is scraped');
  await prometheus.eventually(
    'the kill is scraped ten times',
    async () =>
      ((await scalar(prometheus, `sum(count_over_time((havoc_kills_total${web} == 1)[1m:1s]))`)) ?? 0) >= 10 || undefined,
  );
  // The preview namespace is deleted; an hour later (the daemon's clock) the next tick's announcement drops its series.
  cluster.workloads = [];
  clock.advance(GONE_SERIES_GRACE_SECONDS * 1000);
  t.is((await tick()).killed, 0);
  await prometheus.eventually(
    'the series are gone from the scrape',
    async () =>
      (await prometheus.query('havoc_last_kill_timestamp_seconds{workload="web"}')).data?.result.length === 0 || undefined,
  );
  const recent = (await prometheus.query(panelQuery('Recent kills', 'A'))).data?.result ?? [];
  t.deepEqual(
    recent.map((r) => [r.metric['namespace'], r.metric['workload']]),
    [['preview-7', 'web']],
    'its last kill is still listed: the table reads the range, not the removed gauge',
  );
  const counted = (await prometheus.query(panelQuery('Recent kills', 'B'))).data?.result ?? [];
  t.deepEqual(
    counted.map((r) => [r.metric['workload'], Number(r.value[1])]),
    [['web', 1]],
  );
  t.is(await scalar(prometheus, panelQuery('Kills in range', 'A')), 1);
});
