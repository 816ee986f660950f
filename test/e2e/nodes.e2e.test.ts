// Node chaos end to end on kwok's fake nodes: a drain moves pods elsewhere,
// the node comes back after the drain duration, a daemon killed mid-drain is
// replaced by one that still gives the node back (also with node chaos
// switched off), a daemon stopped mid-drain gives the node back before it
// exits, and the safety limits hold.

import type { ExecutionContext } from 'ava';
import { clusterTest } from './harness/clusterTest.ts';
import { waitFor, type Cluster } from './harness/cluster.ts';
import { lineTime, nodeChaosConfig, startDaemon, withDaemon, type LogLine } from './daemonProcess.ts';
import { blockEvictions, deploy, pods, readyPods } from './workloads.ts';

const test = clusterTest({ nodes: 3 });

interface NodeView {
  name: string;
  unschedulable: boolean;
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

async function node(cluster: Cluster, name: string): Promise<NodeView> {
  const n = JSON.parse(await cluster.kubectl(['get', 'node', name, '-o', 'json'])) as {
    metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
    spec: { unschedulable?: boolean };
  };
  const { name: named, annotations = {}, labels = {} } = n.metadata;
  return { name: named, unschedulable: n.spec.unschedulable === true, annotations, labels };
}

/** Opts exactly these nodes in (and marks `controlPlane` as control-plane nodes). */
async function optInNodes(cluster: Cluster, names: readonly string[], controlPlane: readonly string[] = []): Promise<void> {
  for (const n of cluster.nodes) {
    await cluster.kubectl(['label', 'node', n, names.includes(n) ? 'havoc/enabled=true' : 'havoc/enabled-', '--overwrite']);
    await cluster.kubectl([
      'label',
      'node',
      n,
      controlPlane.includes(n) ? 'node-role.kubernetes.io/control-plane=' : 'node-role.kubernetes.io/control-plane-',
      '--overwrite',
    ]);
  }
}

/**
 * Six pods in a new namespace, some on `target`, that a PDB forbids to evict: a drain of `target` stays busy until
 * the daemon stops. The PDB goes with the test, so later drains do not meet it.
 */
async function stuckPods(t: ExecutionContext<{ cluster: Cluster }>, name: string, target: string): Promise<string> {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace(name);
  await deploy(cluster, ns, 'db', 6);
  await blockEvictions(cluster, ns, 'db', 6);
  t.teardown(() => cluster.kubectl(['-n', ns, 'delete', 'pdb', 'db-pdb']).then(() => undefined));
  t.true((await pods(cluster, ns, 'db')).some((p) => p.node === target));
  return ns;
}

const drained = (l: LogLine) => l.event === 'kill' && l.action === 'node-drain';

test('a drain moves the pods elsewhere, and the node is uncordoned after the drain duration', async (t) => {
  const { cluster } = t.context;
  const target = cluster.nodes[0] ?? '';
  await optInNodes(cluster, [target]);
  const ns = await cluster.createNamespace('spread');
  const own = await cluster.createNamespace('havoc-n1');
  const before = await deploy(cluster, ns, 'web', 6);
  t.true(
    before.some((p) => p.node === target),
    'the scheduler put some pods on the target node',
  );
  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns) });
  try {
    const started = await daemon.waitForLine('the drain starting', (l) => l.event === 'drain-started');
    t.is(started.node, target);
    const done = await daemon.waitForLine('the drain outcome', drained, 90_000);
    t.is(done.result, 'killed', JSON.stringify(done));
    t.true((await node(cluster, target)).unschedulable);
    const after = await readyPods(cluster, ns, 'web', 6);
    t.false(
      after.some((p) => p.node === target),
      'no pod left on the drained node',
    );
    await daemon.waitForLine('the give-back', (l) => l.event === 'node-released' && l.node === target, 60_000);
    const back = await node(cluster, target);
    t.false(back.unschedulable);
    t.is(back.annotations['havoc/drained-by'], undefined);
  } finally {
    await daemon.stop();
  }
  const events = JSON.parse(await cluster.kubectl(['get', 'events.v1.events.k8s.io', '-A', '-o', 'json'])) as {
    items: { reason?: string; regarding?: { kind?: string; name?: string } }[];
  };
  t.true(
    events.items.some((e) => e.regarding?.kind === 'Node' && e.regarding.name === target && /Havoc/.test(e.reason ?? '')),
    'an Event on the Node',
  );
});

test('a daemon killed mid-drain is replaced by one that still uncordons the node', async (t) => {
  const { cluster } = t.context;
  const target = cluster.nodes[1] ?? '';
  await optInNodes(cluster, [target]);
  const ns = await stuckPods(t, 'stuck', target);
  const own = await cluster.createNamespace('havoc-n2');
  const first = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns) });
  await first.waitForLine('the drain starting', (l) => l.event === 'drain-started');
  await waitFor(async () => (await node(cluster, target)).unschedulable, { what: `${target} cordoned` });
  await first.kill(); // crash: no clean-up at all
  const mark = await node(cluster, target);
  t.true(mark.unschedulable);
  t.is(mark.annotations['havoc/drained-by'], `${own}/kube-havoc-state`, 'the mark names the install');
  const second = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns) });
  try {
    await second.waitForLine('the give-back by the new daemon', (l) => l.event === 'node-released' && l.node === target, 60_000);
    t.false((await node(cluster, target)).unschedulable);
    t.is(second.lines.filter((l) => l.event === 'drain-started').length, 0, 'the same node is not drained again within the gap');
  } finally {
    await second.stop();
  }
});

test('never a control-plane node, never below the minimum of Ready nodes', async (t) => {
  const { cluster } = t.context;
  const [a = '', b = '', c = ''] = cluster.nodes;
  const ns = await cluster.createNamespace('limits');
  const own = await cluster.createNamespace('havoc-n3');
  await deploy(cluster, ns, 'app', 3);
  await optInNodes(cluster, [a], [a]); // opted in, but a control-plane node
  const cp = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns) });
  try {
    await cp.waitForLine('ten ticks', () => cp.lines.filter((l) => l.event === 'tick').length >= 10, 30_000);
  } finally {
    await cp.stop();
  }
  t.is(cp.lines.filter((l) => l.event === 'drain-started').length, 0);
  await optInNodes(cluster, [b, c]);
  const floor = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns, { minReadyNodes: 3 }) });
  try {
    await floor.waitForLine('ten ticks', () => floor.lines.filter((l) => l.event === 'tick').length >= 10, 30_000);
  } finally {
    await floor.stop();
  }
  t.is(floor.lines.filter((l) => l.event === 'drain-started').length, 0);
  for (const n of cluster.nodes) t.false((await node(cluster, n)).unschedulable);
  await optInNodes(cluster, []);
});

test('SIGTERM during a drain: the drain stops, and the node is uncordoned and unmarked before the process exits', async (t) => {
  const { cluster } = t.context;
  const target = cluster.nodes[2] ?? '';
  await optInNodes(cluster, [target]);
  const ns = await stuckPods(t, 'term', target);
  const own = await cluster.createNamespace('havoc-n4');
  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns, { drainDuration: '10m' }) });
  await daemon.waitForLine('the drain starting', (l) => l.event === 'drain-started');
  await waitFor(async () => (await node(cluster, target)).unschedulable, { what: `${target} cordoned` });
  t.is(await daemon.stop(), 0);
  // Nothing else gives nodes back here: what the node shows now, the stopping daemon did.
  const after = await node(cluster, target);
  t.false(after.unschedulable, 'uncordoned before the exit');
  t.is(after.annotations['havoc/drained-by'], undefined);
  t.is(after.labels['havoc/drained-by'], undefined);
  const outcome = daemon.lines.find(drained);
  t.is(outcome?.result, 'failed', JSON.stringify(outcome));
  t.regex(String(outcome?.detail), /daemon stopping mid-drain.*node uncordoned/);
  const at = (line: LogLine | undefined) => (line === undefined ? Number.NaN : lineTime(line));
  const signalled = at(daemon.lines.find((l) => l.msg.startsWith('stopping')));
  const stopped = at(daemon.lines.find((l) => l.msg === 'stopped'));
  t.log(`stopped ${stopped - signalled} ms after the SIGTERM, the node given back`);
  t.true(stopped - signalled < 120_000, "within the chart's terminationGracePeriodSeconds");
  await optInNodes(cluster, []);
});

test('node chaos switched off during a drain: the restarted daemon drains nothing and uncordons the node at drained-until', async (t) => {
  const { cluster } = t.context;
  const target = cluster.nodes[0] ?? '';
  await optInNodes(cluster, [target]);
  const ns = await cluster.createNamespace('off');
  const own = await cluster.createNamespace('havoc-n5');
  await deploy(cluster, ns, 'web', 6);
  const first = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns, { drainDuration: '25s' }) });
  const done = await withDaemon(first, () => first.waitForLine('the drain outcome', drained, 90_000));
  t.is(done.result, 'killed', JSON.stringify(done));
  const marked = await node(cluster, target);
  t.true(marked.unschedulable, 'a finished drain keeps its node until drained-until');
  const until = Date.parse(marked.annotations['havoc/drained-until'] ?? '');
  const second = startDaemon({ kubeconfig: cluster.kubeconfig, config: nodeChaosConfig(own, ns, { enabled: false }) });
  const released = await withDaemon(second, async () => {
    await second.waitForLine('a tick', (l) => l.event === 'tick');
    if (Date.now() < until - 2000) t.true((await node(cluster, target)).unschedulable, 'not before drained-until');
    return second.waitForLine('the give-back', (l) => l.event === 'node-released' && l.node === target, 90_000);
  });
  t.true(lineTime(released) >= until, `released at ${String(released.time)}, drained-until ${until}`);
  const back = await node(cluster, target);
  t.false(back.unschedulable);
  t.is(back.annotations['havoc/drained-by'], undefined);
  t.is(back.labels['havoc/drained-by'], undefined);
  t.is(second.lines.filter((l) => l.event === 'drain-started').length, 0, 'no drain with node chaos off');
  await optInNodes(cluster, []);
});
