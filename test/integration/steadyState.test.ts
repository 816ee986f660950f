// The steady-state hypothesis on real metrics, against a real Prometheus
// (Debian's, on 127.0.0.1, 1 s scrape and rule evaluation) scraping a small
// application whose error ratio and alerts the test controls. The round is the
// domain's own, with a fake cluster and killer; the Prometheus adapter is real.
// Serial: each test starts its own Prometheus, and seven at once on two cores
// would starve the other suites' timing-sensitive tests.

import test, { type ExecutionContext } from 'ava';
import { Registry } from 'prom-client';
import { createHavocMetrics } from '../../src/adapters/metrics/havocMetrics.ts';
import { havocEvents } from '../../src/adapters/kubernetes/havocEvents.ts';
import { createPrometheusSource } from '../../src/adapters/prometheus/prometheusSource.ts';
import type { KillOutcome, PodInfo, WorkloadRef, WorkloadWithPods } from '../../src/domain/model.ts';
import type { Occurrence } from '../../src/domain/occurrence.ts';
import type { KillOptions } from '../../src/domain/ports.ts';
import { createChaosRound } from '../../src/domain/round/chaosRound.ts';
import { createSteadyStateGate } from '../../src/domain/steadyState/steadyStateGate.ts';
import { fakeClock } from '../unit/fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../unit/fakes/fakeCluster.ts';
import { recorder } from '../unit/fakes/recordingListener.ts';
import { roundDeps } from '../unit/fakes/roundDeps.ts';
import { RULES, startFakeApp, type FakeApp } from './support/fakeApp.ts';
import { startPrometheus, type RealPrometheus } from './support/realPrometheus.ts';

const START = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const LONG_AGO = new Date(START.getTime() - 3_600_000);
const ALWAYS_OPEN = {
  HAVOC_SCHEDULE_TIMEZONE: 'UTC',
  HAVOC_SCHEDULE_WEEKDAYS: 'sun,mon,tue,wed,thu,fri,sat',
  HAVOC_SCHEDULE_START: '00:00',
  HAVOC_SCHEDULE_END: '24:00',
  HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '100',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '100',
};
const ERROR_RATIO = 'app_error_ratio{namespace="shop",deployment="checkout"} < 0.01';

function checkout(hypothesis?: string): WorkloadWithPods {
  return deployment(
    'shop',
    'checkout',
    3,
    { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' },
    LONG_AGO,
    hypothesis === undefined ? {} : { 'havoc/steady-state': hypothesis },
  );
}

interface DaemonOptions {
  readonly workload: WorkloadWithPods;
  readonly blockers?: readonly string[];
  readonly defaultHypothesis?: string;
  /** Runs inside the kill, after the pod is gone: the fault the experiment injects into the metrics. */
  readonly onKill?: () => Promise<void>;
  readonly prometheusUrl?: string;
}

async function world(t: ExecutionContext, app?: Partial<FakeApp['state']>) {
  const fake = await startFakeApp(t, app);
  const prometheus = await startPrometheus(t, { targets: [fake.target], rules: RULES });
  // Its own series, not only `up`: on a loaded machine the first scrape's samples can trail the target's health.
  await prometheus.eventually('the app is scraped', async () =>
    (await prometheus.query('up{job="app"} == 1 and on() count(app_error_ratio) > 0')).data?.result.length ? true : undefined,
  );
  return { app: fake, prometheus };
}

function daemon(prometheus: RealPrometheus, options: DaemonOptions) {
  const cluster = fakeCluster([options.workload]);
  const clock = fakeClock(START, { onSleep: (c) => cluster.heal(c.now()) });
  const recorded = recorder();
  const metrics = createHavocMetrics({ registry: new Registry(), defaultMetrics: false });
  const report = (o: Occurrence) => {
    recorded.report(o);
    void metrics.listener.on(o);
  };
  const source = createPrometheusSource({ url: options.prometheusUrl ?? prometheus.url, timeoutMs: 30_000 });
  const steadyState = createSteadyStateGate({
    source,
    clock,
    report,
    prefix: 'havoc',
    blockers: options.blockers ?? [],
    defaultHypothesis: options.defaultHypothesis ?? '',
  });
  const killer = {
    async kill(pod: PodInfo, ref: WorkloadRef, killOptions: KillOptions): Promise<KillOutcome> {
      const outcome = await cluster.kill(pod, ref, killOptions);
      await options.onKill?.();
      return outcome;
    },
    fate: (pod: PodInfo) => cluster.fate(pod),
  };
  const round = createChaosRound(roundDeps({ clock, cluster, killer, env: ALWAYS_OPEN, report, steadyState }).deps);
  return {
    cluster,
    recorded,
    metrics,
    async tick() {
      clock.advance(60_000);
      const at = clock.now();
      const summary = await round.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
      await round.settle();
      return summary;
    },
  };
}

async function firing(prometheus: RealPrometheus, alertname: string): Promise<boolean> {
  const answer = await prometheus.query(`ALERTS{alertname="${alertname}",alertstate="firing"}`);
  return (answer.data?.result.length ?? 0) > 0;
}

test.serial(
  'while a critical alert fires no kill happens and the block is reported once; when it resolves chaos resumes',
  async (t) => {
    const { app, prometheus } = await world(t, { alert: 1 });
    await prometheus.eventually(
      'CheckoutErrorsHigh fires',
      async () => (await firing(prometheus, 'CheckoutErrorsHigh')) || undefined,
    );
    t.true(await firing(prometheus, 'AlwaysFiringInfo'), 'an info alert fires too, and must not block');
    const d = daemon(prometheus, { workload: checkout(), blockers: ['severity="critical"'] });

    const first = await d.tick();
    const second = await d.tick();
    t.is(first.outcome, 'blocked');
    t.is(second.outcome, 'blocked');
    t.deepEqual(d.cluster.kills, [], 'no kill while the alert fires');
    const blocks = d.recorded.of('blocker');
    t.is(blocks.length, 1, 'reported once per streak, not every tick');
    t.like(blocks[0], { firing: true, alerts: ['CheckoutErrorsHigh'] });
    t.regex(blocks[0]?.detail ?? '', /CheckoutErrorsHigh/);
    t.regex(d.recorded.of('tick')[0]?.detail ?? '', /alert firing: CheckoutErrorsHigh/);
    t.is((await d.metrics.blocked.get()).values[0]?.value, 1);
    t.deepEqual(
      (await d.metrics.blockingAlerts.get()).values.map((v) => v.labels['alertname']),
      ['CheckoutErrorsHigh'],
    );

    app.state.alert = 0;
    await prometheus.eventually(
      'CheckoutErrorsHigh resolves',
      async () => !(await firing(prometheus, 'CheckoutErrorsHigh')) || undefined,
    );
    const third = await d.tick();
    t.is(third.outcome, 'acted');
    t.is(d.cluster.kills.length, 1, 'chaos resumes');
    t.like(d.recorded.of('blocker')[1], { firing: false });
    t.is((await d.metrics.blocked.get()).values[0]?.value, 0);
    t.deepEqual((await d.metrics.blockingAlerts.get()).values, []);
  },
);

test.serial(
  'a hypothesis that holds before and after the kill gives the verdict "held", in the Event and the metric',
  async (t) => {
    const { prometheus } = await world(t);
    const d = daemon(prometheus, { workload: checkout(ERROR_RATIO) });
    t.is((await d.tick()).killed, 1);
    const recovery = d.recorded.of('recovery')[0];
    t.like(recovery, { verdict: { recovered: true }, hypothesis: { verdict: 'held', expr: ERROR_RATIO } });
    t.regex(recovery?.hypothesis?.verdict === 'held' ? recovery.hypothesis.value : '', /^0\.001 \{/);
    const events = havocEvents(recovery as Occurrence, { reportingInstance: 'test', nextSuffix: () => 'x' });
    t.is(events[1]?.reason, 'HavocRecovered');
    t.regex(events[1]?.note ?? '', /Steady-state hypothesis held \(0\.001/);
    const verdicts = (await d.metrics.hypothesisVerdicts.get()).values;
    t.deepEqual(
      verdicts.map((v) => [v.labels, v.value]),
      [[{ namespace: 'shop', kind: 'Deployment', workload: 'checkout', verdict: 'held', dry_run: 'false' }, 1]],
    );
  },
);

test.serial('a hypothesis the fault breaks after the kill gives "violated" with the value seen', async (t) => {
  const { app, prometheus } = await world(t);
  const d = daemon(prometheus, {
    workload: checkout(ERROR_RATIO),
    async onKill() {
      app.state.errorRatio = 0.2;
      await prometheus.eventually('Prometheus sees the errors', async () =>
        (await prometheus.query('app_error_ratio > 0.1')).data?.result.length ? true : undefined,
      );
    },
  });
  t.is((await d.tick()).killed, 1);
  const recovery = d.recorded.of('recovery')[0];
  t.is(recovery?.hypothesis?.verdict, 'violated');
  t.regex(recovery?.hypothesis?.verdict === 'violated' ? (recovery.hypothesis.value ?? '') : '', /^0\.2 /);
  const events = havocEvents(recovery as Occurrence, { reportingInstance: 'test', nextSuffix: () => 'x' });
  t.like(events[1], { reason: 'HavocHypothesisViolated', type: 'Warning' });
  t.regex(events[1]?.note ?? '', /VIOLATED: .*value seen: 0\.2 /);
  t.is((await d.metrics.hypothesisVerdicts.get()).values[0]?.labels['verdict'], 'violated');
});

test.serial('a hypothesis that fails before the kill prevents it, with the value in the reason', async (t) => {
  const { prometheus } = await world(t, { errorRatio: 0.3 });
  const d = daemon(prometheus, { workload: checkout(ERROR_RATIO) });
  const summary = await d.tick();
  t.is(summary.killed, 0);
  t.deepEqual(d.cluster.kills, []);
  const skip = d.recorded.of('skip')[0];
  t.is(skip?.reason, 'hypothesis-failed');
  t.regex(skip?.detail ?? '', /returned no result; value seen: 0\.3 \{deployment="checkout"/);
});

test.serial(
  'invalid PromQL (Prometheus answers 400) skips the workload with one warning naming the annotation and the error',
  async (t) => {
    const { prometheus } = await world(t);
    const d = daemon(prometheus, { workload: checkout('rate(app_error_ratio[5m] < 0.01') });
    await d.tick();
    await d.tick();
    t.deepEqual(d.cluster.kills, []);
    t.deepEqual(
      d.recorded.of('skip').map((s) => s.reason),
      ['hypothesis-invalid', 'hypothesis-invalid'],
    );
    const warnings = d.recorded.of('invalid-label');
    t.is(warnings.length, 1, 'once per bad expression');
    t.like(warnings[0], { field: 'havoc/steady-state', value: 'rate(app_error_ratio[5m] < 0.01' });
    t.regex(warnings[0]?.message ?? '', /is not valid PromQL: .*parse error/);
    const event = havocEvents(warnings[0] as Occurrence, { reportingInstance: 'test', nextSuffix: () => 'x' })[0];
    t.like(event, { reason: 'HavocInvalidLabel', type: 'Warning' });
    t.regex(event?.note ?? '', /^havoc\/steady-state="rate\(app_error_ratio\[5m\] < 0\.01" is not valid PromQL: .*parse error/);
  },
);

test.serial('Prometheus stopped: no kill, the reason is recorded, the daemon keeps ticking', async (t) => {
  const { prometheus } = await world(t);
  const blocking = daemon(prometheus, { workload: checkout(ERROR_RATIO), blockers: ['severity="critical"'] });
  const hypothesisOnly = daemon(prometheus, { workload: checkout(ERROR_RATIO) });
  await prometheus.stop();

  const ticks = [await blocking.tick(), await blocking.tick()];
  t.deepEqual(
    ticks.map((s) => s.outcome),
    ['blocked', 'blocked'],
    'fail closed, and the loop goes on',
  );
  t.deepEqual(blocking.cluster.kills, []);
  const blocks = blocking.recorded.of('blocker');
  t.is(blocks.length, 1);
  t.deepEqual(blocks[0]?.alerts, []);
  t.regex(blocks[0]?.detail ?? '', /cannot ask Prometheus for firing alerts \(unreachable\): .*ECONNREFUSED.*fail closed/);

  await hypothesisOnly.tick();
  t.deepEqual(hypothesisOnly.cluster.kills, []);
  t.like(hypothesisOnly.recorded.of('skip')[0], { reason: 'steady-state-unknown' });
  t.regex(hypothesisOnly.recorded.of('skip')[0]?.detail ?? '', /not checked: Prometheus unreachable: .*ECONNREFUSED/);
});

test.serial('the hypotheses of docs/steady-state.md hold on a healthy app and fail on a broken one', async (t) => {
  const { app, prometheus } = await world(t);
  const examples = {
    errorRatio:
      'sum(rate(http_requests_total{namespace="{{namespace}}",deployment="{{name}}",code=~"5.."}[15s])) / sum(rate(http_requests_total{namespace="{{namespace}}",deployment="{{name}}"}[15s])) < 0.01',
    latency:
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{namespace}}",deployment="{{name}}"}[15s]))) < 0.25',
    readyReplicas:
      'kube_deployment_status_replicas_available{namespace="{{namespace}}",deployment="{{name}}"} >= kube_deployment_spec_replicas{namespace="{{namespace}}",deployment="{{name}}"}',
  };
  const gates = Object.fromEntries(
    Object.entries(examples).map(([name, template]) => [
      name,
      createSteadyStateGate({
        source: createPrometheusSource({ url: prometheus.url, timeoutMs: 30_000 }),
        clock: fakeClock(START),
        report: () => undefined,
        prefix: 'havoc',
        blockers: [],
        defaultHypothesis: template,
      }),
    ]),
  );
  const states = async () =>
    Object.fromEntries(
      await Promise.all(Object.entries(gates).map(async ([name, gate]) => [name, (await gate.check(checkout()))?.state])),
    );
  // Traffic accumulates with every scrape; rate() needs two samples in its window.
  await prometheus.eventually('all three hold on the healthy app', async () =>
    Object.values(await states()).every((s) => s === 'holds') ? true : undefined,
  );

  app.state.failingShare = 0.05;
  app.state.latencySeconds = 0.8;
  app.state.availableReplicas = 2;
  await prometheus.eventually('all three fail on the broken app', async () =>
    Object.values(await states()).every((s) => s === 'fails') ? true : undefined,
  );
  const latency = await gates['latency']?.check(checkout());
  t.regex(latency?.state === 'fails' ? (latency.value ?? '') : '', /^0\.9\d*$/, 'the p99 seen is shown');
});
