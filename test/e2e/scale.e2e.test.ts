// What a tick costs the API server, counted (not timed) through a proxy in
// front of the real API server: with 50 opted-in Deployments (their pod
// templates labelled too, as many users' are) a tick that kills nothing makes
// at most 3 requests and 50 KB, and a tick that kills one pod at most 10 more.
// A namespaced install reads its namespaces only when their labels decide.

import anyTest, { type TestFn } from 'ava';
import { startCountingProxy, type CountingProxy, type ProxiedRequest } from './harness/countingProxy.ts';
import { startCluster, waitFor, type Cluster } from './harness/cluster.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';
import { e2eConfig, lineTime, startDaemon, type DaemonProcess, type LogLine } from './daemonProcess.ts';

const test = anyTest as TestFn<{ cluster: Cluster; proxy: CountingProxy; daemon: DaemonProcess; ns: string }>;
const DEPLOYMENTS = 50;
const optIn = { 'havoc/enabled': 'true', 'havoc/mtbf': '1000d' };

test.before(async (t) => {
  const cluster = await startCluster({ nodes: 3 });
  const ns = await cluster.createNamespace('scale');
  const own = await cluster.createNamespace('havoc-scale');
  const items = Array.from({ length: DEPLOYMENTS }, (_, i) =>
    kwokDeployment({ namespace: ns, name: `app-${i}`, replicas: 2, labels: optIn, podLabels: { 'havoc/enabled': 'true' } }),
  );
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await cluster.kubectl(['-n', ns, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=240s']);
  const proxy = await startCountingProxy(cluster);
  // Dry run, a tick every 3 s, no leader election: between two ticks only the tick talks to the API server.
  const daemon = startDaemon({
    kubeconfig: proxy.kubeconfig,
    config: e2eConfig(own, { dryRun: true, schedule: { cron: '*/3 * * * * *' }, daemon: { leaderElection: { enabled: false } } }),
  });
  t.context = { cluster, proxy, daemon, ns };
});

test.after.always(async (t) => {
  await t.context.daemon?.stop();
  await t.context.proxy?.close();
  await t.context.cluster?.stop();
});

const ticks = (daemon: DaemonProcess) => daemon.lines.filter((l) => l.event === 'tick');

/** Requests that started after the tick before `tick` was logged and until `tick` was logged, with their bytes. */
function costOf(proxy: CountingProxy, daemon: DaemonProcess, tick: LogLine): { requests: ProxiedRequest[]; bytes: number } {
  const all = ticks(daemon);
  const previous = all[all.indexOf(tick) - 1];
  const from = previous === undefined ? 0 : lineTime(previous);
  const to = lineTime(tick);
  const requests = proxy.requests.filter((r) => r.startedAt > from && r.startedAt <= to);
  return { requests, bytes: requests.reduce((sum, r) => sum + r.requestBytes + r.responseBytes, 0) };
}

const describe = (requests: readonly ProxiedRequest[]) =>
  requests.map((r) => `${r.method} ${r.path}${r.watch ? ' (watch)' : ''} ${r.responseBytes} B`).join('; ');

test('a tick that kills nothing: at most 3 requests and 50 KB, however many workloads are opted in', async (t) => {
  const { proxy, daemon } = t.context;
  await daemon.waitForLine('cluster watches synced', (l) => l.msg === 'cluster watches synced', 120_000);
  // The first ticks send the daily plan (a state write once a day): measure the ones after.
  await waitFor(() => ticks(daemon).length >= 6, { timeoutMs: 60_000, what: '6 ticks' });
  const measured = ticks(daemon).slice(3, 6);
  for (const tick of measured) {
    t.like(tick, { outcome: 'idle', eligible: DEPLOYMENTS, killed: 0 });
    const { requests, bytes } = costOf(proxy, daemon, tick);
    t.log(`idle tick: ${requests.length} requests, ${bytes} B: ${describe(requests)}`);
    t.true(requests.length <= 3, `${requests.length} requests: ${describe(requests)}`);
    t.true(bytes <= 50_000, `${bytes} bytes`);
    t.false(
      requests.some((r) => r.path.endsWith('/pods') || r.path.endsWith('/replicasets')),
      'no pod or ReplicaSet list',
    );
  }
  // The bare-pod watch leaves out the pods the Deployments made (their templates carry the label).
  const podWatch = proxy.requests.find((r) => r.path === '/api/v1/pods');
  t.regex(decodeURIComponent(podWatch?.query ?? ''), /havoc\/enabled,!pod-template-hash/);
  t.true(
    proxy.requests.filter((r) => r.path === '/api/v1/pods').every((r) => r.responseBytes < 10_000),
    'the pod watch holds none of the 100 Deployment pods',
  );
});

test('a tick that kills one pod: at most 10 requests more, the drawn workload alone is read', async (t) => {
  const { cluster, proxy, daemon, ns } = t.context;
  await daemon.waitForLine('cluster watches synced', (l) => l.msg === 'cluster watches synced', 120_000);
  await cluster.kubectl(['-n', ns, 'label', '--overwrite', 'deployment', 'app-7', 'havoc/mtbf=1s']);
  const kill = await daemon.waitForLine('a dry-run kill', (l) => l.event === 'kill', 60_000);
  t.like(kill, { result: 'killed', dryRun: true, workload: 'Deployment/app-7' });
  await daemon.waitForLine('the recovery verdict', (l) => l.event === 'recovery', 60_000);
  const tick = await daemon.waitForLine('the tick that killed', (l) => l.event === 'tick' && l.killed === 1);
  // The kill's tick and its recovery verdict (immediate in a dry run) up to the next tick.
  const next = await waitFor(() => ticks(daemon)[ticks(daemon).indexOf(tick) + 1], { timeoutMs: 30_000, what: 'the tick after' });
  const inTick = costOf(proxy, daemon, tick);
  const withRecovery = [...inTick.requests, ...costOf(proxy, daemon, next).requests];
  t.log(`kill tick: ${inTick.requests.length} requests, ${inTick.bytes} B: ${describe(inTick.requests)}`);
  t.log(`kill tick + recovery + next tick: ${withRecovery.length} requests: ${describe(withRecovery)}`);
  t.true(inTick.requests.length <= 3 + 10, `${inTick.requests.length} requests: ${describe(inTick.requests)}`);
  const podLists = withRecovery.filter((r) => r.method === 'GET' && r.path === `/api/v1/namespaces/${ns}/pods`);
  t.true(podLists.length >= 1 && podLists.length <= 2, 'pods listed for the drawn workload (kill, recovery verdict) only');
  t.false(
    withRecovery.some((r) => r.path.endsWith('/replicasets')),
    'Deployment pods are tied to it without listing ReplicaSets',
  );
});

test('a namespaced install reads its namespaces only when namespaces.selector needs their labels', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('scoped');
  const items = Array.from({ length: 5 }, (_, i) =>
    kwokDeployment({ namespace: ns, name: `svc-${i}`, replicas: 1, labels: optIn }),
  );
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const namespaceReads = async (selector: string) => {
    const own = await cluster.createNamespace(selector === '' ? 'havoc-scoped' : 'havoc-scoped-by-label');
    const proxy = await startCountingProxy(cluster);
    const daemon = startDaemon({
      kubeconfig: proxy.kubeconfig,
      config: e2eConfig(own, {
        dryRun: true,
        schedule: { cron: '*/2 * * * * *' },
        namespaces: { include: [ns], selector },
        daemon: { leaderElection: { enabled: false } },
      }),
    });
    try {
      await daemon.waitForLine('cluster watches synced', (l) => l.msg === 'cluster watches synced', 120_000);
      await waitFor(() => ticks(daemon).length >= 4, { timeoutMs: 60_000, what: '4 ticks' });
      // Whatever the selector, the tick sees the namespace's workloads: the labels were there when they mattered.
      for (const tick of ticks(daemon).slice(1, 4)) t.like(tick, { outcome: 'idle', eligible: items.length });
      return ticks(daemon)
        .slice(1, 4)
        .map((tick) => costOf(proxy, daemon, tick).requests.filter((r) => r.path === `/api/v1/namespaces/${ns}`).length);
    } finally {
      await daemon.stop();
      await proxy.close();
    }
  };
  t.deepEqual(await namespaceReads(''), [0, 0, 0], 'no selector: the namespace is never read');
  t.deepEqual(await namespaceReads(`kubernetes.io/metadata.name=${ns}`), [1, 1, 1], 'a selector: read fresh each tick');
});
