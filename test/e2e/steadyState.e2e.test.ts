// The steady-state hypothesis end to end: the daemon as a real process against
// the e2e control plane, a real Prometheus scraping a small app on 127.0.0.1
// whose error ratio and alerts the test controls, and an opted-in Deployment
// carrying a havoc/steady-state annotation. Events and /metrics are checked.

import type { ExecutionContext } from 'ava';
import { clusterTest } from './harness/clusterTest.ts';
import type { Cluster } from './harness/cluster.ts';
import { e2eConfig, startDaemon, withDaemon, type LogLine } from './daemonProcess.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';
import { havocEvents, pods, readyPods, type PodView } from './workloads.ts';
import { RULES, startFakeApp } from '../integration/support/fakeApp.ts';
import { startPrometheus } from '../integration/support/realPrometheus.ts';
import { freePort } from './harness/freePort.ts';

const test = clusterTest({ nodes: 2 });
const optIn = { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' };
const killed = (l: LogLine) => l.event === 'kill' && l.result === 'killed';

/** An opted-in Deployment created with its hypothesis, so no tick ever sees it without one. */
async function deployWithHypothesis(cluster: Cluster, ns: string, name: string, expr: string): Promise<PodView[]> {
  const manifest = kwokDeployment({
    namespace: ns,
    name,
    replicas: 2,
    labels: optIn,
    annotations: { 'havoc/steady-state': expr },
  });
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
  return readyPods(cluster, ns, name, 2);
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function world(t: ExecutionContext<{ cluster: Cluster }>) {
  const app = await startFakeApp(t, { alert: 1 });
  const prometheus = await startPrometheus(t, { targets: [app.target], rules: RULES });
  await prometheus.eventually('CheckoutErrorsHigh fires', async () =>
    (await prometheus.query('ALERTS{alertname="CheckoutErrorsHigh",alertstate="firing"}')).data?.result.length ? true : undefined,
  );
  return { app, prometheus };
}

test('a firing alert blocks the daemon; once resolved, the annotated Deployment is hit and its hypothesis held; a failing one is skipped', async (t) => {
  const { cluster } = t.context;
  const { app, prometheus } = await world(t);
  const ns = await cluster.createNamespace('steady');
  const own = await cluster.createNamespace('havoc-ss');
  const before = await deployWithHypothesis(cluster, ns, 'checkout', 'app_error_ratio{deployment="checkout"} < 0.01');
  const port = await freePort();
  const daemon = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: e2eConfig(own, {
      namespaces: { include: [ns] },
      server: { host: '127.0.0.1', port },
      steadyState: { prometheus: { url: prometheus.url, timeout: '2s' }, blockers: ['severity="critical"'] },
    }),
  });
  await withDaemon(daemon, async () => {
    const blocked = await daemon.waitForLine('the block announced', (l) => l.event === 'blocker' && l.firing === true);
    t.deepEqual(blocked.alerts, ['CheckoutErrorsHigh']);
    await daemon.waitForLine(
      'three blocked ticks',
      () => daemon.lines.filter((l) => l.event === 'tick' && l.outcome === 'blocked').length >= 3,
    );
    t.is(daemon.lines.filter((l) => l.event === 'blocker').length, 1, 'once per streak');
    t.is(daemon.lines.filter(killed).length, 0);
    t.deepEqual((await pods(cluster, ns, 'checkout')).map((p) => p.uid).sort(), before.map((p) => p.uid).sort());
    const whileBlocked = await metrics(port);
    t.is(Number(/^havoc_blocked (\d+)/m.exec(whileBlocked)?.[1]), 1);
    t.is(sample(whileBlocked, 'havoc_blocking_alerts', { alertname: 'CheckoutErrorsHigh' }), 1);

    app.state.alert = 0;
    await daemon.waitForLine('the block lifted', (l) => l.event === 'blocker' && l.firing === false, 60_000);
    const kill = await daemon.waitForLine('a pod evicted', killed, 60_000);
    t.is(kill.namespace, ns);
    const recovery = await daemon.waitForLine('the recovery verdict', (l) => l.event === 'recovery', 120_000);
    t.like(recovery, { recovered: true, hypothesis: 'held', expr: 'app_error_ratio{deployment="checkout"} < 0.01' });
    const after = await metrics(port);
    t.is(
      sample(after, 'havoc_hypothesis_verdicts_total', {
        namespace: ns,
        workload: 'checkout',
        verdict: 'held',
        dry_run: 'false',
      }),
      1,
    );
    t.is(Number(/^havoc_blocked (\d+)/m.exec(after)?.[1]), 0);

    // A second workload whose hypothesis fails now: skipped with the value, never killed.
    app.state.errorRatio = 0.3;
    await prometheus.eventually('Prometheus sees the errors', async () =>
      (await prometheus.query('app_error_ratio > 0.1')).data?.result.length ? true : undefined,
    );
    const cartBefore = await deployWithHypothesis(cluster, ns, 'cart', 'app_error_ratio{deployment="checkout"} < 0.01');
    const skip = await daemon.waitForLine(
      'the cart skipped',
      (l) => l.event === 'skip' && l.reason === 'hypothesis-failed',
      60_000,
    );
    t.regex(String(skip.detail), /value seen: 0\.3 /);
    t.deepEqual((await pods(cluster, ns, 'cart')).map((p) => p.uid).sort(), cartBefore.map((p) => p.uid).sort());
  });

  const events = await havocEvents(cluster, ns);
  const recovered = events.find((e) => e.reason === 'HavocRecovered' && e.kind === 'Deployment' && e.name === 'checkout');
  t.regex(recovered?.note ?? '', /Steady-state hypothesis held \(0\.001 /, JSON.stringify(events));
  const skipped = events.find((e) => e.reason === 'HavocSkipped' && e.name === 'cart');
  t.like(skipped, { type: 'Warning' });
  t.regex(skipped?.note ?? '', /steady-state hypothesis does not hold: .*value seen: 0\.3 /);
});

test('Prometheus unreachable: no kill, the reason is logged and counted, the daemon keeps ticking', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('dark');
  const own = await cluster.createNamespace('havoc-dark');
  const before = await deployWithHypothesis(cluster, ns, 'api', 'up == 1');
  const [port, nobody] = [await freePort(), await freePort()];
  const daemon = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: e2eConfig(own, {
      namespaces: { include: [ns] },
      server: { host: '127.0.0.1', port },
      steadyState: { prometheus: { url: `http://127.0.0.1:${nobody}`, timeout: '1s' }, blockers: ['severity="critical"'] },
    }),
  });
  await withDaemon(daemon, async () => {
    const blocked = await daemon.waitForLine('the fail-closed block', (l) => l.event === 'blocker' && l.firing === true);
    t.regex(String(blocked.detail), /cannot ask Prometheus for firing alerts \(unreachable\): .*ECONNREFUSED.*fail closed/);
    await daemon.waitForLine(
      'five blocked ticks',
      () => daemon.lines.filter((l) => l.event === 'tick' && l.outcome === 'blocked').length >= 5,
    );
    const text = await metrics(port);
    t.true((sample(text, 'havoc_ticks_total', { outcome: 'blocked' }) ?? 0) >= 5);
    t.is(sample(text, 'havoc_blocking_alerts', { alertname: '' }), 1);
  });
  t.is(daemon.lines.filter(killed).length, 0);
  t.deepEqual((await pods(cluster, ns, 'api')).map((p) => p.uid).sort(), before.map((p) => p.uid).sort());
});
