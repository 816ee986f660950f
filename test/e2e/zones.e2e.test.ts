// The zone-aware blast radius on the real control plane (issue 26): kwok
// nodes in two zones (topology.kubernetes.io/zone), a Deployment with one
// ready replica in zone a and two in zone b (one pod per node, by required
// anti-affinity, on three pool nodes). With keepReadyPerZone 1 pod chaos
// (node chaos off: the zones come from the node watch the rule opens) only
// ever hits zone b; node chaos refuses to drain the zone-a node with the
// reason, although a second zone-a node keeps that zone served.

import { clusterTest } from './harness/clusterTest.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';
import type { Cluster } from './harness/cluster.ts';
import { e2eConfig, nodeChaosConfig, startDaemon, type LogLine } from './daemonProcess.ts';
import { pods, readyPods } from './workloads.ts';

const test = clusterTest({ nodes: 4 });
const ZONE = 'topology.kubernetes.io/zone';
const POOL = 'e2e-zones-pool';

/** kwok-node-0 (pool) and kwok-node-3 in zone a, kwok-node-1 and kwok-node-2 (pool) in zone b. */
async function zoneNodes(cluster: Cluster): Promise<{ a: string; b: readonly string[] }> {
  const [n0 = '', n1 = '', n2 = '', n3 = ''] = cluster.nodes;
  const zones: [string, string, boolean][] = [
    [n0, 'a', true],
    [n1, 'b', true],
    [n2, 'b', true],
    [n3, 'a', false],
  ];
  for (const [name, zone, pool] of zones)
    await cluster.kubectl(['label', 'node', name, `${ZONE}=${zone}`, pool ? `${POOL}=true` : `${POOL}-`, '--overwrite']);
  return { a: n0, b: [n1, n2] };
}

/** Three replicas, one per pool node: one in zone a, two in zone b. */
async function spreadDeployment(cluster: Cluster, ns: string, labels: Record<string, string>): Promise<void> {
  const manifest = kwokDeployment({ namespace: ns, name: 'web', replicas: 3, labels }) as {
    spec: { template: { spec: Record<string, unknown> } };
  };
  manifest.spec.template.spec.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: POOL, operator: 'In', values: ['true'] }] }],
      },
    },
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
      ],
    },
  };
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
  await readyPods(cluster, ns, 'web', 3);
}

const kills = (lines: readonly LogLine[]) => lines.filter((l) => l.event === 'kill' && l.result === 'killed');

test.serial('pod chaos never takes the only ready replica of zone a, and hits zone b', async (t) => {
  const { cluster } = t.context;
  const { a, b } = await zoneNodes(cluster);
  const ns = await cluster.createNamespace('zones-pods');
  const own = await cluster.createNamespace('havoc-zones-pods');
  await spreadDeployment(cluster, ns, { 'havoc/enabled': 'true', 'havoc/mtbf': '1s', 'havoc/kill-mode': 'all' });
  const before = await pods(cluster, ns, 'web');
  const inA = before.find((p) => p.node === a);
  t.truthy(inA, 'one replica on the zone-a node');
  t.deepEqual(before.filter((p) => b.includes(p.node)).length, 2);
  const daemon = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: e2eConfig(own, {
      namespaces: { include: [ns] },
      // kill-mode all and 100% unavailable allowed: only the zone rule keeps zone a's replica.
      blastRadius: {
        maxKillsPerTick: 3,
        maxKillsPerHour: 20,
        maxKillsPerDay: 20,
        maxUnavailablePercent: 100,
        keepReadyPerZone: 1,
      },
      selection: { minTimeBetweenKills: '1s' },
    }),
  });
  try {
    await daemon.waitForLine('three kills', () => kills(daemon.lines).length >= 3, 120_000);
  } finally {
    await daemon.stop();
  }
  const hit = kills(daemon.lines).map((l) => l.pod);
  t.false(hit.includes(inA?.name), `zone a's replica ${inA?.name ?? ''} was never hit: ${hit.join(', ')}`);
  const after = await pods(cluster, ns, 'web');
  t.is(after.find((p) => p.node === a)?.uid, inA?.uid, 'the same pod still runs in zone a');
  t.true(
    hit.every((name) => before.some((p) => p.name === name && b.includes(p.node)) || !before.some((p) => p.name === name)),
    'every victim present at the start was in zone b',
  );
  await cluster.kubectl(['delete', 'namespace', ns, '--wait=false']);
});

test.serial('a drain that would empty the workload in zone a is refused with the reason', async (t) => {
  const { cluster } = t.context;
  const { a } = await zoneNodes(cluster);
  for (const n of cluster.nodes)
    await cluster.kubectl(['label', 'node', n, n === a ? 'havoc/enabled=true' : 'havoc/enabled-', '--overwrite']);
  const ns = await cluster.createNamespace('zones-drain');
  const own = await cluster.createNamespace('havoc-zones-drain');
  // Opted in (so its zones count) but not hit by pod chaos within the test.
  await spreadDeployment(cluster, ns, { 'havoc/enabled': 'true', 'havoc/mtbf': '1000d' });
  const daemon = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: nodeChaosConfig(own, ns, { minReadyNodes: 1, minReadyPercent: 25 }),
  });
  let refused: LogLine;
  try {
    refused = await daemon.waitForLine('the zone refusal', (l) => l.event === 'skip' && l.reason === 'zone-last-ready', 60_000);
    await daemon.waitForLine('five more ticks', () => daemon.lines.filter((l) => l.event === 'tick').length >= 5, 30_000);
  } finally {
    await daemon.stop();
  }
  t.regex(String(refused.msg), /skipped .*web: zone-last-ready/);
  t.regex(
    String(refused.detail),
    new RegExp(`draining node ${a}: zone a would keep 0 ready replica\\(s\\), keepReadyPerZone 1 \\(ready by zone: a 1, b 2\\)`),
  );
  t.is(daemon.lines.filter((l) => l.event === 'drain-started').length, 0, 'never drained');
  const node = JSON.parse(await cluster.kubectl(['get', 'node', a, '-o', 'json'])) as { spec: { unschedulable?: boolean } };
  t.not(node.spec.unschedulable, true, 'never cordoned');
  await cluster.kubectl(['label', 'node', a, 'havoc/enabled-']);
});
