// The zone-aware blast radius (issue 26): the arithmetic as tables (uneven
// spreads, nodes without a zone label as one unknown zone), then the rule at
// work in a round: a kill never takes a zone's last ready replica and prefers
// the fullest zone; a drain that would empty a workload's zone is refused
// with its reason before anything is reserved.

import test from 'ava';
import type { NodeInfo, PodInfo } from '../../../../src/domain/model.ts';
import { judgeNodes } from '../../../../src/domain/nodes/nodeFilters.ts';
import { createTickPermit } from '../../../../src/domain/permit/permit.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import {
  chooseVictims,
  filterByZoneKeep,
  filterByZoneLastNode,
  UNKNOWN_ZONE,
  ZONE_LABEL,
  zoneSpread,
  type ZoneOf,
} from '../../../../src/domain/selection/zones.ts';
import { deployment, fakeCluster, pod } from '../../fakes/fakeCluster.ts';
import { fakeDrainer, node } from '../../fakes/fakeDrainer.ts';
import { memoryStateStore } from '../../fakes/memoryStateStore.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';
import { testSettings } from '../../fakes/settings.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };

// Nodes n-a1, n-a2 in zone a, n-b1, n-b2 in zone b, n-x without a zone label; n-gone is unknown to the daemon.
const ZONES: Record<string, string> = { 'n-a1': 'a', 'n-a2': 'a', 'n-b1': 'b', 'n-b2': 'b' };
const zoneOf: ZoneOf = (name) => ZONES[name];

const on = (nodeName: string, name: string, extra: Partial<PodInfo> = {}): PodInfo =>
  pod('shop', name, LONG_AGO, { nodeName, ...extra });

const spreadCases: readonly { title: string; pods: PodInfo[]; keep: number; ready: Record<string, number>; binds: number }[] = [
  { title: 'one zone: the rule does not bind', pods: [on('n-a1', 'p1'), on('n-a2', 'p2')], keep: 1, ready: { a: 2 }, binds: 0 },
  {
    title: 'uneven: 1 in a, 2 in b',
    pods: [on('n-a1', 'p1'), on('n-b1', 'p2'), on('n-b2', 'p3')],
    keep: 1,
    ready: { a: 1, b: 2 },
    binds: 1,
  },
  {
    title: 'a node without a zone label and an unknown node are one unknown zone',
    pods: [on('n-a1', 'p1'), on('n-x', 'p2'), on('n-gone', 'p3')],
    keep: 1,
    ready: { a: 1, [UNKNOWN_ZONE]: 2 },
    binds: 1,
  },
  {
    title: 'a zone with pods but none ready counts 0; terminating and unscheduled pods count nowhere',
    pods: [
      on('n-a1', 'p1'),
      on('n-b1', 'p2', { ready: false }),
      on('n-b2', 'p3', { terminating: true }),
      pod('shop', 'p4', LONG_AGO),
    ],
    keep: 2,
    ready: { a: 1, b: 0 },
    binds: 2,
  },
  {
    title: 'keepReadyPerZone 0 turns the rule off',
    pods: [on('n-a1', 'p1'), on('n-b1', 'p2')],
    keep: 0,
    ready: { a: 1, b: 1 },
    binds: 0,
  },
];

for (const c of spreadCases) {
  test(`zoneSpread: ${c.title}`, (t) => {
    const spread = zoneSpread(c.pods, zoneOf, c.keep);
    t.deepEqual(Object.fromEntries(spread.ready), c.ready);
    t.is(spread.keep, c.binds);
  });
}

const victimCases: readonly { title: string; pods: PodInfo[]; count: number; keep: number; victims: string[] }[] = [
  {
    title: '1 in a, 2 in b, keep 1: only b may lose one',
    pods: [on('n-a1', 'a1'), on('n-b1', 'b1'), on('n-b2', 'b2')],
    count: 3,
    keep: 1,
    victims: ['b1'],
  },
  {
    title: 'the fullest zone goes first, then the next fullest',
    pods: [on('n-a1', 'a1'), on('n-a2', 'a2'), on('n-b1', 'b1'), on('n-b1', 'b2'), on('n-b2', 'b3')],
    count: 2,
    keep: 1,
    victims: ['b1', 'a1'],
  },
  {
    title: 'among equally full zones the shuffled order decides',
    pods: [on('n-b1', 'b1'), on('n-a1', 'a1'), on('n-b2', 'b2'), on('n-a2', 'a2')],
    count: 1,
    keep: 1,
    victims: ['b1'],
  },
  {
    title: 'one ready in each zone, keep 1: none may go',
    pods: [on('n-a1', 'a1'), on('n-b1', 'b1'), on('n-x', 'x1')],
    count: 1,
    keep: 1,
    victims: [],
  },
  {
    title: 'one zone: the order given, as many as asked',
    pods: [on('n-a1', 'a2'), on('n-a1', 'a1'), on('n-a2', 'a3')],
    count: 2,
    keep: 1,
    victims: ['a2', 'a1'],
  },
  {
    title: 'keep 2 of 3 in b and 2 of 2 in a: one from b',
    pods: [on('n-a1', 'a1'), on('n-a2', 'a2'), on('n-b1', 'b1'), on('n-b2', 'b2'), on('n-b2', 'b3')],
    count: 3,
    keep: 2,
    victims: ['b1'],
  },
];

for (const c of victimCases) {
  test(`chooseVictims: ${c.title}`, (t) => {
    const spread = zoneSpread(c.pods, zoneOf, c.keep);
    t.deepEqual(
      chooseVictims(c.pods, spread, c.count, zoneOf).map((p) => p.name),
      c.victims,
    );
  });
}

test('filterByZoneKeep: taking the last ready replica of a zone is refused with the spread', (t) => {
  const spread = zoneSpread([on('n-a1', 'a1'), on('n-b1', 'b1'), on('n-b2', 'b2')], zoneOf, 1);
  t.is(filterByZoneKeep(spread, 'b', 1), undefined);
  t.is(filterByZoneKeep(spread, 'a', 1), 'zone a would keep 0 ready replica(s), keepReadyPerZone 1 (ready by zone: a 1, b 2)');
  t.regex(filterByZoneKeep(spread, 'b', 2) ?? '', /zone b would keep 0/);
  t.is(filterByZoneKeep(zoneSpread([on('n-a1', 'a1')], zoneOf, 1), 'a', 1), undefined, 'one zone: no rule');
});

const zoned = (name: string, zone?: string, over: Partial<NodeInfo> = {}): NodeInfo =>
  node(name, { labels: { 'havoc/enabled': 'true', ...(zone === undefined ? {} : { [ZONE_LABEL]: zone }) }, ...over });

const lastNodeCases: readonly { title: string; nodes: NodeInfo[]; keep: number; out: Record<string, string> }[] = [
  {
    title: 'the only Ready node of zone a is out, zone b has two',
    nodes: [zoned('a1', 'a'), zoned('b1', 'b'), zoned('b2', 'b')],
    keep: 1,
    out: { a1: 'the last Ready node of zone a' },
  },
  {
    title: 'a cordoned neighbour does not count',
    nodes: [zoned('a1', 'a'), zoned('a2', 'a', { unschedulable: true }), zoned('b1', 'b'), zoned('b2', 'b')],
    keep: 1,
    out: { a1: 'the last Ready node of zone a', a2: 'cordoned' },
  },
  {
    title: 'unlabelled nodes are one unknown zone',
    nodes: [zoned('a1', 'a'), zoned('a2', 'a'), zoned('x1')],
    keep: 1,
    out: { x1: `the last Ready node of zone ${UNKNOWN_ZONE}` },
  },
  { title: 'one zone: the node floor alone decides', nodes: [zoned('a1', 'a'), zoned('a2', 'a')], keep: 1, out: {} },
  { title: 'keepReadyPerZone 0: no zone rule', nodes: [zoned('a1', 'a'), zoned('b1', 'b')], keep: 0, out: {} },
];

for (const c of lastNodeCases) {
  test(`judgeNodes: ${c.title}`, (t) => {
    const settings = testSettings({
      HAVOC_NODES_ENABLED: 'true',
      HAVOC_NODES_MIN_READY_NODES: '1',
      HAVOC_NODES_MIN_READY_PERCENT: '1',
    });
    const out = judgeNodes(c.nodes, settings.nodes, c.keep).flatMap((v) => (v.excluded ? [[v.node.name, v.excluded]] : []));
    t.deepEqual(Object.fromEntries(out), c.out);
    t.is(filterByZoneLastNode(c.nodes[0] as NodeInfo, c.nodes, c.keep) !== undefined, 'a1' in c.out);
  });
}

/** checkout: one ready replica in zone a (node n-a1), two in zone b (n-b1, n-b2). */
function twoZones() {
  const base = deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO);
  const nodes = ['n-a1', 'n-b1', 'n-b2'];
  const checkout = { ...base, pods: base.pods.map((p, i) => ({ ...p, nodeName: nodes[i] })) };
  const cluster = fakeCluster([checkout]);
  cluster.nodes = [zoned('n-a1', 'a'), zoned('n-a2', 'a'), zoned('n-b1', 'b'), zoned('n-b2', 'b')];
  return cluster;
}

test('a kill of a workload with 1 ready in zone a and 2 in zone b always hits zone b', async (t) => {
  for (let seed = 0; seed < 20; seed++) {
    const cluster = twoZones();
    const { deps } = roundDeps({
      cluster,
      heals: false,
      seed,
      env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '3', HAVOC_BLAST_RADIUS_MAX_UNAVAILABLE_PERCENT: '100' },
    });
    cluster.workloads[0] = {
      ...(cluster.workloads[0] as (typeof cluster.workloads)[0]),
      labels: { ...alwaysHit, 'havoc/kill-mode': 'all' },
    };
    await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
    // kill-mode all, 100% unavailable allowed: the zones still let only one of b's two go.
    t.is(cluster.kills.length, 1, `seed ${seed}`);
    t.regex(cluster.kills[0]?.pod ?? '', /^shop\/checkout-[12]$/, `seed ${seed}: in zone b, never zone a's only replica`);
  }
});

test('a workload with one ready replica in each zone is skipped as zone-last-ready', async (t) => {
  const base = deployment('shop', 'checkout', 2, alwaysHit, LONG_AGO);
  const cluster = fakeCluster([{ ...base, pods: base.pods.map((p, i) => ({ ...p, nodeName: ['n-a1', 'n-b1'][i] })) }]);
  cluster.nodes = [zoned('n-a1', 'a'), zoned('n-b1', 'b')];
  const { deps, events } = roundDeps({ cluster, heals: false });
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
  t.is(cluster.kills.length, 0);
  t.like(events.of('skip')[0], {
    reason: 'zone-last-ready',
    detail: 'no zone may lose a ready replica: keepReadyPerZone 1 (ready by zone: a 1, b 1)',
  });
});

test('with keepReadyPerZone 0 the last ready replica of a zone may go', async (t) => {
  const base = deployment('shop', 'checkout', 2, alwaysHit, LONG_AGO);
  const cluster = fakeCluster([{ ...base, pods: base.pods.map((p, i) => ({ ...p, nodeName: ['n-a1', 'n-b1'][i] })) }]);
  cluster.nodes = [zoned('n-a1', 'a'), zoned('n-b1', 'b')];
  const { deps } = roundDeps({ cluster, heals: false, env: { HAVOC_BLAST_RADIUS_KEEP_READY_PER_ZONE: '0' } });
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
  t.is(cluster.kills.length, 1);
});

test("a drain that would take a workload's last ready replica in its zone is refused with the reason", async (t) => {
  const cluster = twoZones();
  // Only n-a1 is opted in; n-a2 keeps zone a served, so the node rule allows it and the workload rule decides.
  cluster.nodes = cluster.nodes.map((n) =>
    n.name === 'n-a1' ? n : { ...n, labels: { [ZONE_LABEL]: n.labels[ZONE_LABEL] ?? '' } },
  );
  cluster.workloads[0] = {
    ...(cluster.workloads[0] as (typeof cluster.workloads)[0]),
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '1000d' },
  };
  const drainer = fakeDrainer(cluster);
  const store = memoryStateStore();
  const { deps, events } = roundDeps({
    cluster,
    store,
    heals: false,
    drainer,
    env: { HAVOC_NODES_ENABLED: 'true', HAVOC_NODES_MTBF: '1m', HAVOC_NODES_MIN_READY_NODES: '1' },
  });
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
  t.deepEqual(drainer.drained, [], 'not drained');
  t.is(events.of('drain-started').length, 0);
  t.deepEqual(store.state.kills, [], 'nothing reserved');
  t.like(events.of('skip')[0], {
    reason: 'zone-last-ready',
    workload: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
    detail: 'draining node n-a1: zone a would keep 0 ready replica(s), keepReadyPerZone 1 (ready by zone: a 1, b 2)',
  });
});

test('a drain that leaves every zone a ready replica goes ahead', async (t) => {
  const cluster = twoZones();
  cluster.nodes = cluster.nodes.map((n) =>
    n.name === 'n-b1' ? n : { ...n, labels: { [ZONE_LABEL]: n.labels[ZONE_LABEL] ?? '' } },
  );
  cluster.workloads[0] = {
    ...(cluster.workloads[0] as (typeof cluster.workloads)[0]),
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '1000d' },
  };
  const drainer = fakeDrainer(cluster);
  const { deps } = roundDeps({
    cluster,
    heals: false,
    drainer,
    env: { HAVOC_NODES_ENABLED: 'true', HAVOC_NODES_MTBF: '1m', HAVOC_NODES_MIN_READY_NODES: '1' },
  });
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
  t.deepEqual(drainer.drained, ['n-b1']);
});

/** A permit of a tick on Friday morning over `cluster`: what a drain's pass asks. */
function tickPermit(settings: ReturnType<typeof testSettings>, cluster: ReturnType<typeof fakeCluster>) {
  const deps = {
    settings,
    cluster,
    state: memoryStateStore(),
    clock: fakeClock(FRIDAY),
    report: () => undefined,
    probe: { check: async () => ({ ok: true }) },
  };
  return createTickPermit(deps, { at: FRIDAY, history: [], recovering: () => new Set() });
}

test('each drain pass holds the pods whose zone could not spare them, read fresh: as many go as the zone can spare', async (t) => {
  const base = deployment('shop', 'checkout', 4, alwaysHit, LONG_AGO);
  const placed = ['n-a1', 'n-a1', 'n-a2', 'n-b1'];
  const checkout = { ...base, pods: base.pods.map((p, i) => ({ ...p, nodeName: placed[i] })) };
  const cluster = fakeCluster([checkout]);
  cluster.nodes = [zoned('n-a1', 'a'), zoned('n-a2', 'a'), zoned('n-b1', 'b')];
  const permit = tickPermit(testSettings(), cluster);
  const drained = cluster.nodes[0] as NodeInfo;
  const onNode = [
    { key: 'shop/checkout-0', workload: checkout.ref, terminating: false },
    { key: 'shop/checkout-1', workload: checkout.ref, terminating: false },
    { key: 'other/bare', workload: { kind: 'Pod' as const, namespace: 'other', name: 'bare' }, terminating: false },
  ];
  // Zone a has 3 ready, two of them on the node: both may go, one stays in a.
  const calm = await permit.drainZones(drained, onNode);
  t.deepEqual([...calm.hold.keys()], []);
  t.is(calm.refused, undefined);
  t.is(cluster.reads, 1, 'one fresh read of the one opted-in workload on the node');
  // Meanwhile the replica on n-a2 went unready: only one of the node's two may go now.
  cluster.workloads = [{ ...checkout, pods: checkout.pods.map((p) => (p.nodeName === 'n-a2' ? { ...p, ready: false } : p)) }];
  const tight = await permit.drainZones(drained, onNode);
  t.deepEqual([...tight.hold.keys()], ['shop/checkout-1']);
  t.like(tight.refused, { refusal: { reason: 'zone-last-ready' }, workload: { ref: checkout.ref } });
  t.regex(
    tight.hold.get('shop/checkout-1') ?? '',
    /draining node n-a1: zone a would keep 0 ready replica\(s\), keepReadyPerZone 1 \(ready by zone: a 2, b 1\)/,
  );
  // keepReadyPerZone 0: nothing held, nothing read.
  const off = tickPermit(testSettings({ HAVOC_BLAST_RADIUS_KEEP_READY_PER_ZONE: '0' }), cluster);
  const reads = cluster.reads;
  t.deepEqual([...(await off.drainZones(drained, onNode)).hold.keys()], []);
  t.is(cluster.reads, reads);
});
