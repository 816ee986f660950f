// Pod chaos end to end: the daemon as a real process against a real
// kube-apiserver, controller-manager and scheduler, with kwok's fake nodes.

import { clusterTest } from './harness/clusterTest.ts';
import type { Cluster } from './harness/cluster.ts';
import { run } from './harness/run.ts';
import { e2eConfig, startDaemon, withDaemon, type LogLine } from './daemonProcess.ts';
import { blockEvictions, deploy, havocEvents, pods, readyPods } from './workloads.ts';

const test = clusterTest({ nodes: 3 });
const optIn = { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' };
const killed = (l: LogLine) => l.event === 'kill' && l.result === 'killed';

test('an opted-in Deployment loses one pod and gets it back; the unlabelled one is never touched', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('shop');
  const own = await cluster.createNamespace('havoc-a');
  const before = await deploy(cluster, ns, 'web', 3, optIn);
  const bystanders = await deploy(cluster, ns, 'bystander', 3);
  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config: e2eConfig(own, { namespaces: { include: [ns] } }) });
  await withDaemon(daemon, async () => {
    const kill = await daemon.waitForLine('a pod evicted', killed);
    t.is(kill.action, 'pod-evict');
    t.is(kill.namespace, ns);
    const recovery = await daemon.waitForLine('the recovery verdict', (l) => l.event === 'recovery', 120_000);
    t.true(recovery.recovered, JSON.stringify(recovery));
    t.true(typeof recovery.seconds === 'number' && recovery.seconds > 0);
    t.log(
      `recovered after ${String(recovery.seconds)} s (kill logged at ${String(kill.time)}, verdict at ${String(recovery.time)})`,
    );
  });
  const after = await readyPods(cluster, ns, 'web', 3);
  const gone = before.filter((p) => !after.some((a) => a.uid === p.uid));
  t.is(gone.length, 1, 'exactly one pod was replaced');
  t.is(gone[0]?.name, String(daemon.lines.find(killed)?.pod));
  t.deepEqual((await pods(cluster, ns, 'bystander')).map((p) => p.uid).sort(), bystanders.map((p) => p.uid).sort());
  t.is(daemon.lines.filter(killed).length, 1, 'the minimum gap holds: one kill');

  const events = await havocEvents(cluster, ns);
  t.true(
    events.some((e) => e.reason === 'HavocKilled' && e.kind === 'Pod' && e.name === gone[0]?.name),
    JSON.stringify(events),
  );
  t.true(events.some((e) => e.reason === 'HavocKilled' && e.kind === 'Deployment' && e.name === 'web'));
  t.true(events.some((e) => e.reason === 'HavocRecovered' && e.kind === 'Deployment' && e.name === 'web'));
  const table = await cluster.kubectl(['-n', ns, 'get', 'events', '--field-selector', 'reason=HavocKilled']);
  t.regex(table, /HavocKilled/);

  const state = JSON.parse(
    await cluster.kubectl(['-n', own, 'get', 'configmap', 'kube-havoc-state', '-o', 'jsonpath={.data.state\\.json}']),
  ) as { kills: { target: string; result: string }[] };
  t.like(state.kills[0], { target: `${ns}/Deployment/web`, result: 'killed' });
});

test('a PodDisruptionBudget with maxUnavailable 0 blocks the eviction, and the outcome says so', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('guarded');
  const own = await cluster.createNamespace('havoc-b');
  const before = await deploy(cluster, ns, 'db', 2, optIn);
  await blockEvictions(cluster, ns, 'db', 2);
  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config: e2eConfig(own, { namespaces: { include: [ns] } }) });
  const blocked = await withDaemon(daemon, () =>
    daemon.waitForLine('a blocked eviction', (l) => l.event === 'kill' && l.result === 'blocked'),
  );
  t.regex(String(blocked.detail), /disruption budget/i);
  t.deepEqual((await pods(cluster, ns, 'db')).map((p) => p.uid).sort(), before.map((p) => p.uid).sort());
  const events = await havocEvents(cluster, ns);
  t.true(
    events.some((e) => e.reason === 'HavocBlockedByPDB' && e.kind === 'Deployment' && e.type === 'Warning'),
    JSON.stringify(events),
  );
});

test('dry run: the eviction is a server-side dry run, nothing changes, and Events say dry run', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('rehearsal');
  const own = await cluster.createNamespace('havoc-c');
  const before = await deploy(cluster, ns, 'api', 3, optIn);
  const daemon = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: e2eConfig(own, { dryRun: true, namespaces: { include: [ns] } }),
  });
  const kill = await withDaemon(daemon, () => daemon.waitForLine('a dry-run kill', killed));
  t.true(kill.dryRun);
  t.deepEqual((await pods(cluster, ns, 'api')).map((p) => p.uid).sort(), before.map((p) => p.uid).sort());
  const events = await havocEvents(cluster, ns);
  t.true(events.length > 0 && events.every((e) => /dry.run/i.test(e.note)), JSON.stringify(events));
});

test('two daemons against one cluster: one leader, one kill; the survivor takes over when the leader dies', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('duo');
  const own = await cluster.createNamespace('havoc-d');
  await deploy(cluster, ns, 'svc', 4, optIn);
  const config = e2eConfig(own, {
    namespaces: { include: [ns] },
    blastRadius: { maxKillsPerTick: 5, maxKillsPerHour: 10, maxKillsPerDay: 10 },
  });
  const a = startDaemon({ kubeconfig: cluster.kubeconfig, config, name: 'havoc-a' });
  const b = startDaemon({ kubeconfig: cluster.kubeconfig, config, name: 'havoc-b' });
  try {
    const leaderLine = (l: LogLine) => l.event === 'leader' && l.leader === true;
    await Promise.any([a.waitForLine('a leader', leaderLine), b.waitForLine('a leader', leaderLine)]);
    await Promise.any([a.waitForLine('a kill', killed), b.waitForLine('a kill', killed)]);
    // Several more ticks of both, then count.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    t.is(a.lines.filter(killed).length + b.lines.filter(killed).length, 1, 'no double kill');
    t.is([a, b].filter((d) => d.lines.some(leaderLine)).length, 1, 'exactly one leader');
    const [leader, follower] = a.lines.some(leaderLine) ? [a, b] : [b, a];
    const died = Date.now();
    await leader.kill();
    await follower.waitForLine('the follower taking over', leaderLine, 30_000);
    t.log(`took over ${((Date.now() - died) / 1000).toFixed(1)} s after the leader was killed (lease 6 s)`);
    t.true(Date.now() - died < 20_000);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a restart keeps the day's budget: no second kill after the daily cap is spent", async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('budget');
  const own = await cluster.createNamespace('havoc-e');
  await deploy(cluster, ns, 'one', 2, optIn);
  await deploy(cluster, ns, 'two', 2, optIn);
  const config = e2eConfig(own, { namespaces: { include: [ns] }, blastRadius: { maxKillsPerDay: 1 } });
  const first = startDaemon({ kubeconfig: cluster.kubeconfig, config });
  await withDaemon(first, () => first.waitForLine('the one kill of the day', killed));
  const second = startDaemon({ kubeconfig: cluster.kubeconfig, config });
  await withDaemon(second, async () => {
    const spent = await second.waitForLine(
      'a tick that sees the spent budget',
      (l) => l.event === 'tick' && (l.budget as { day?: number } | undefined)?.day === 0,
    );
    t.truthy(spent);
    await second.waitForLine('a skip for the spent budget', (l) => l.event === 'skip' && l.reason === 'budget-spent');
  });
  t.is(second.lines.filter(killed).length, 0);
});

test('the kill switch: `kube-havoc pause` stops a running daemon at its next tick, `status` shows it, `resume` lets it act', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('switch');
  const own = await cluster.createNamespace('havoc-f');
  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ['dist/main.js', ...args, '--kubeconfig', cluster.kubeconfig], {
      env: { ...process.env, POD_NAMESPACE: own },
      timeoutMs: 60_000,
    });
    return stdout;
  };
  t.regex(await cli('pause', '--reason', 'incident 4711', '--by', 'oncall'), /chaos paused by oncall: incident 4711/);
  t.regex(await cli('status'), /Chaos is PAUSED since .* by oncall: incident 4711/);
  const before = await deploy(cluster, ns, 'cart', 3, optIn);
  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config: e2eConfig(own, { namespaces: { include: [ns] } }) });
  await withDaemon(daemon, async () => {
    await daemon.waitForLine('the pause announced', (l) => l.event === 'paused' && l.by === 'oncall');
    await daemon.waitForLine(
      'five paused ticks',
      () => daemon.lines.filter((l) => l.event === 'tick' && l.outcome === 'paused').length >= 5,
    );
    t.is(daemon.lines.filter(killed).length, 0);
    t.deepEqual((await pods(cluster, ns, 'cart')).map((p) => p.uid).sort(), before.map((p) => p.uid).sort());
    t.regex(await cli('resume', '--by', 'oncall'), /chaos resumed by oncall \(was paused by oncall: incident 4711\)/);
    await daemon.waitForLine('the resume announced', (l) => l.event === 'resumed');
    await daemon.waitForLine('a kill after the resume', killed);
  });
  const status = await cli('status');
  t.regex(status, /Chaos is active/);
  t.regex(status, /Budget left \(live\): 2\/3 this hour/);
  t.regex(status, /pod-evict\s+killed\s+1\s+switch\/Deployment\/cart/);
  // --json is the whole stdout, so it pipes into jq: log lines (the watches synced) go to stderr.
  const state = JSON.parse(await cli('status', '--json')) as { kills: { target: string; result: string }[] };
  t.like(state.kills.at(-1), { target: `${ns}/Deployment/cart`, result: 'killed' });
  const plan = JSON.parse(await cli('plan', '--json')) as { workloads: { workload: string }[] };
  t.true(plan.workloads.some((w) => w.workload === `${ns}/Deployment/cart`));
});
