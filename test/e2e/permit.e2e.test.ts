// Every guard holds at the moment of the mutation, on the real control plane
// (issue 20): a proxy in front of the API server holds one request of the
// daemon while the world changes, then lets it through. What the daemon does
// next must follow the world as it is then, not as the tick found it.

import { clusterTest } from './harness/clusterTest.ts';
import { waitFor } from './harness/cluster.ts';
import { kubeconfigVia, startHoldingProxy } from './harness/holdingProxy.ts';
import { run } from './harness/run.ts';
import { e2eConfig, startDaemon, type LogLine } from './daemonProcess.ts';
import { deploy, pods } from './workloads.ts';

const test = clusterTest({ nodes: 2 });
const optIn = { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' };
const isEviction = (method: string, path: string) => method === 'POST' && /\/pods\/[^/]+\/eviction$/.test(path);
// One tick every 15 s: its deadline (90% of that) outlasts the held request and the pause command.
const schedule = { cron: '*/15 * * * * *' };
const skips = (lines: readonly LogLine[], reason: string) => lines.filter((l) => l.event === 'skip' && l.reason === reason);

test.serial('a pause written while the first eviction of a three-kill tick is held stops the other two', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('held');
  const own = await cluster.createNamespace('havoc-held');
  const before = new Map<string, string[]>();
  for (const name of ['cart', 'checkout', 'search'])
    before.set(
      name,
      (await deploy(cluster, ns, name, 3, optIn)).map((p) => p.uid),
    );
  const proxy = await startHoldingProxy(cluster, { hold: isEviction });
  t.teardown(proxy.close);
  const daemon = startDaemon({
    kubeconfig: kubeconfigVia(cluster, proxy.url),
    config: e2eConfig(own, {
      schedule,
      namespaces: { include: [ns] },
      blastRadius: { maxKillsPerTick: 3, maxKillsPerHour: 10, maxKillsPerDay: 10 },
      // The held eviction must outlast the pause command, not time out; the renewal outlasts a read and two such writes.
      kubernetes: { writeTimeout: '60s' },
      daemon: { leaderElection: { leaseDuration: '5m', renewInterval: '2m30s' } },
    }),
  });
  try {
    await proxy.holding;
    // The kill switch goes straight to the API server, while the daemon's first eviction waits.
    const paused = await run(
      process.execPath,
      ['dist/main.js', 'pause', '-n', own, '--reason', 'incident 42', '--by', 'oncall', '--kubeconfig', cluster.kubeconfig],
      { timeoutMs: 60_000 },
    );
    t.regex(paused.stdout, /chaos paused by oncall: incident 42/);
    proxy.release();
    await waitFor(async () => skips(daemon.lines, 'paused').length >= 2, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the two other kills of the tick refused for the pause',
    });
    await waitFor(async () => daemon.lines.some((l) => l.event === 'tick' && l.outcome === 'paused'), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'a paused tick',
    });
  } finally {
    await daemon.stop();
  }
  t.is(proxy.passed.filter((r) => isEviction(r.method, r.path)).length, 1, 'exactly one eviction reached the API server');
  t.is(daemon.lines.filter((l) => l.event === 'kill' && l.result === 'killed').length, 1);
  t.deepEqual(
    skips(daemon.lines, 'paused').map((l) => String(l.detail)),
    ['chaos was paused by oncall: incident 42', 'chaos was paused by oncall: incident 42'],
  );
  let gone = 0;
  for (const [name, uids] of before) {
    const now = new Set((await pods(cluster, ns, name)).map((p) => p.uid));
    gone += uids.filter((uid) => !now.has(uid)).length;
  }
  t.is(gone, 1, 'one pod gone in the cluster');
});

test.serial('a workload whose opt-in label is removed while its fresh read is held is not killed', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('optout');
  const own = await cluster.createNamespace('havoc-optout');
  const before = await deploy(cluster, ns, 'web', 3, optIn);
  // The fresh read right before the kill: a GET of the Deployment itself (the watches list, they do not GET it).
  const freshRead = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
  const proxy = await startHoldingProxy(cluster, { hold: (method, path) => method === 'GET' && path === freshRead });
  t.teardown(proxy.close);
  const daemon = startDaemon({
    kubeconfig: kubeconfigVia(cluster, proxy.url),
    config: e2eConfig(own, {
      schedule,
      namespaces: { include: [ns] },
      kubernetes: { readTimeout: '60s' },
      // The renewal outlasts such a read and two writes.
      daemon: { leaderElection: { leaseDuration: '5m', renewInterval: '2m30s' } },
    }),
  });
  try {
    await proxy.holding;
    await cluster.kubectl(['-n', ns, 'label', 'deployment', 'web', 'havoc/enabled-']);
    proxy.release();
    await daemon.waitForLine('the kill refused as opted out', (l) => l.event === 'skip' && l.reason === 'opted-out', 60_000);
  } finally {
    await daemon.stop();
  }
  t.is(proxy.passed.filter((r) => isEviction(r.method, r.path)).length, 0, 'no eviction reached the API server');
  t.is(daemon.lines.filter((l) => l.event === 'kill').length, 0);
  t.deepEqual((await pods(cluster, ns, 'web')).map((p) => p.uid).sort(), before.map((p) => p.uid).sort());
});
