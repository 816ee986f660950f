import test from 'ava';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { giveBackNodes } from '../../../../src/domain/round/nodeChaos.ts';
import { judgeNodes } from '../../../../src/domain/nodes/nodeFilters.ts';
import type { NodeInfo } from '../../../../src/domain/model.ts';
import type { DrainOptions } from '../../../../src/domain/ports.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { fakeDrainer, node } from '../../fakes/fakeDrainer.ts';
import { memoryStateStore, type MemoryStateStore } from '../../fakes/memoryStateStore.ts';
import { recorder } from '../../fakes/recordingListener.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';
import { testSettings } from '../../fakes/settings.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const TEN = 600_000;
const NODE_ENV = {
  HAVOC_NODES_ENABLED: 'true',
  HAVOC_NODES_MTBF: '1m',
  HAVOC_NODES_MIN_READY_NODES: '1',
  HAVOC_NODES_DRAIN_DURATION: '15m',
};

function setup(nodes: NodeInfo[], env: Record<string, string> = {}, store: MemoryStateStore = memoryStateStore()) {
  const cluster = fakeCluster([]);
  cluster.nodes = nodes;
  const drainer = fakeDrainer(cluster);
  const events = recorder();
  const nodeEnv = { ...NODE_ENV, ...env };
  const round = (at: Date) =>
    createChaosRound(
      roundDeps({ at, heals: false, cluster, store, env: nodeEnv, seed: 11, report: events.report, drainer }).deps,
    );
  return { cluster, drainer, events, store, round };
}

const judged = (nodes: NodeInfo[], env: Record<string, string> = {}) =>
  judgeNodes(nodes, testSettings({ ...NODE_ENV, ...env }).nodes, testSettings({ ...NODE_ENV, ...env }).keepReadyPerZone).map(
    (v) => [v.node.name, v.excluded ?? 'candidate'],
  );

test('candidate nodes: opted in, Ready, schedulable, never control plane (label or taint)', (t) => {
  t.deepEqual(
    judged([
      node('worker-1'),
      node('cp-label', { labels: { 'havoc/enabled': 'true', 'node-role.kubernetes.io/control-plane': '' } }),
      node('cp-taint', { taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] }),
      node('not-ready', { ready: false }),
      node('cordoned-by-admin', { unschedulable: true }),
      node('not-opted-in', { labels: {} }),
      node('worker-2'),
    ]),
    [
      ['worker-1', 'candidate'],
      ['cp-label', 'control-plane node'],
      ['cp-taint', 'control-plane node'],
      ['not-ready', 'not Ready'],
      ['cordoned-by-admin', 'cordoned'],
      ['not-opted-in', 'does not match "havoc/enabled=true"'],
      ['worker-2', 'candidate'],
    ],
  );
});

test('never below the minimum of Ready nodes, by count or share', (t) => {
  const three = [node('a'), node('b'), node('c')];
  t.deepEqual(
    judged(three, { HAVOC_NODES_MIN_READY_NODES: '3' }).map((x) => x[1]),
    Array(3).fill('only 2 Ready nodes would remain (minimum 3)'),
  );
  t.deepEqual(
    judged(three, { HAVOC_NODES_MIN_READY_PERCENT: '80' }).map((x) => x[1]),
    Array(3).fill('only 67% of nodes would stay Ready (minimum 80%)'),
  );
  t.deepEqual(
    judged(three).map((x) => x[1]),
    Array(3).fill('candidate'),
  );
});

test('node chaos is off by default', async (t) => {
  const { drainer, round } = setup([node('a'), node('b'), node('c')], { HAVOC_NODES_ENABLED: 'false' });
  await round(FRIDAY).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  t.deepEqual(drainer.drained, []);
});

test('a drain: announced, counted in the budget, and the node given back after the duration', async (t) => {
  const { cluster, drainer, events, store, round } = setup([node('a'), node('b'), node('c')]);
  const r = round(FRIDAY);
  const summary = await r.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  await r.settle();
  t.is(drainer.drained.length, 1);
  t.is(summary.killed, 1);
  const name = drainer.drained[0];
  t.like(events.of('drain-started')[0], { node: { kind: 'Node', name }, dryRun: false });
  t.like(events.of('kill')[0], { action: 'node-drain', outcome: { result: 'killed' } });
  t.like(store.state.kills[0], { target: `node/${name}`, action: 'node-drain', count: 1 });
  t.true(cluster.nodes.find((n) => n.name === name)?.unschedulable);
  // One at a time: while it is drained, the next tick drains nothing else.
  const later = new Date(FRIDAY.getTime() + TEN);
  await r.tick({ at: later, nextTick: new Date(later.getTime() + TEN) });
  t.is(drainer.drained.length, 1);
  // After the drain duration, the next tick gives it back.
  const after = new Date(FRIDAY.getTime() + 20 * 60_000);
  await r.tick({ at: after, nextTick: new Date(after.getTime() + TEN) });
  t.false(cluster.nodes.find((n) => n.name === name)?.unschedulable);
  t.like(events.of('node-released')[0], { node: { name } });
});

test("after a drain the budget left counts it: in the tick summary and in the drain's own kill report", async (t) => {
  const { events, round } = setup([node('a'), node('b'), node('c')], {
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '3',
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '10',
  });
  const r = round(FRIDAY);
  await r.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  await r.settle();
  t.is(events.of('kill').length, 1);
  t.deepEqual(events.of('tick')[0]?.budget, { tick: 0, hour: 2, day: 9 });
  t.deepEqual(events.of('kill')[0]?.budget, { tick: 0, hour: 2, day: 9 });
});

test('a give-back in a dry-run daemon of a node a live run drained is reported as real: the uncordon really happens', async (t) => {
  const until = new Date(FRIDAY.getTime() - 60_000).toISOString();
  const marked = node('a', {
    unschedulable: true,
    annotations: { 'havoc/drained-by': 'kube-havoc', 'havoc/drained-until': until },
  });
  const { cluster, events, round } = setup([marked, node('b'), node('c')], { HAVOC_DRY_RUN: 'true' });
  await round(FRIDAY).giveBack(FRIDAY);
  t.false(cluster.nodes.find((n) => n.name === 'a')?.unschedulable);
  t.like(events.of('node-released')[0], { node: { name: 'a' }, dryRun: false });
});

test('a crash mid-drain followed by a restart still gives the node back, even when paused or outside the window', async (t) => {
  const { cluster, drainer, round, store } = setup([node('a'), node('b'), node('c')]);
  drainer.hang = true;
  const first = round(FRIDAY);
  await first.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  // The process dies mid-drain (nothing of it runs again, not even its stop); only the mark on the node remains.
  const name = drainer.drained[0];
  t.true(cluster.nodes.find((n) => n.name === name)?.unschedulable);
  store.state = { ...store.state, paused: { reason: 'incident', by: 'oncall', at: FRIDAY.toISOString() } };
  const saturday = new Date('2026-11-21T09:00:00Z');
  await round(saturday).tick({ at: saturday, nextTick: new Date(saturday.getTime() + TEN) });
  t.false(cluster.nodes.find((n) => n.name === name)?.unschedulable);
});

test('a round stopped mid-drain (SIGTERM) resolves only after the node is given back and the drain recorded', async (t) => {
  const { cluster, drainer, events, store, round } = setup([node('a'), node('b'), node('c')]);
  drainer.hang = true;
  const r = round(FRIDAY);
  await r.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  const name = drainer.drained[0];
  t.true(cluster.nodes.find((n) => n.name === name)?.unschedulable);
  await r.stop();
  t.false(cluster.nodes.find((n) => n.name === name)?.unschedulable);
  t.like(store.state.kills[0], { target: `node/${name}`, result: 'failed' }, 'the reservation is settled');
  t.like(events.of('kill')[0], { action: 'node-drain', outcome: { result: 'failed' } });
});

test('node chaos switched off: a node drained before is still given back at its time, and nothing new is drained', async (t) => {
  const until = new Date(FRIDAY.getTime() + 5 * 60_000).toISOString();
  const marked = node('a', {
    unschedulable: true,
    annotations: { 'havoc/drained-by': 'kube-havoc', 'havoc/drained-until': until },
  });
  const { cluster, drainer, round } = setup([marked, node('b'), node('c')], { HAVOC_NODES_ENABLED: 'false' });
  const r = round(FRIDAY);
  await r.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  t.true(cluster.nodes.find((n) => n.name === 'a')?.unschedulable, 'not before its time');
  const after = new Date(FRIDAY.getTime() + TEN);
  await r.tick({ at: after, nextTick: new Date(after.getTime() + TEN) });
  t.false(cluster.nodes.find((n) => n.name === 'a')?.unschedulable);
  t.deepEqual(drainer.drained, []);
});

test('a node cordoned by an administrator is never drained nor uncordoned by the daemon', async (t) => {
  const { cluster, drainer, round } = setup([node('a', { unschedulable: true }), node('b'), node('c')]);
  for (let i = 0; i < 6; i++) {
    const at = new Date(FRIDAY.getTime() + i * 20 * 60_000);
    const r = round(at);
    await r.tick({ at, nextTick: new Date(at.getTime() + TEN) });
    await r.settle();
  }
  t.false(drainer.drained.includes('a'));
  t.true(cluster.nodes.find((n) => n.name === 'a')?.unschedulable);
});

test('no drain while an opted-in workload is degraded', async (t) => {
  const { cluster, drainer, round } = setup([node('a'), node('b'), node('c')]);
  const w = deployment(
    'shop',
    'checkout',
    3,
    { 'havoc/enabled': 'true', 'havoc/mtbf': '100d' },
    new Date('2026-11-01T00:00:00Z'),
  );
  cluster.workloads = [{ ...w, ready: 2 }];
  await round(FRIDAY).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  t.deepEqual(drainer.drained, []);
});

test('a drain that ends blocked by a PDB is reported as blocked and still costs budget (the node was cordoned)', async (t) => {
  const { drainer, events, store, round } = setup([node('a'), node('b'), node('c')]);
  drainer.outcome = {
    result: 'blocked',
    detail: 'pod shop/checkout-1: PodDisruptionBudget checkout-pdb allows no disruption (timed out after 5m)',
  };
  const r = round(FRIDAY);
  await r.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  await r.settle();
  t.like(events.of('kill')[0], { outcome: { result: 'blocked' } });
  t.like(store.state.kills[0], { result: 'blocked', count: 1 });
});

test('dry-run drains touch nothing and say so', async (t) => {
  const { cluster, drainer, events, round } = setup([node('a'), node('b'), node('c')], { HAVOC_DRY_RUN: 'true' });
  const r = round(FRIDAY);
  await r.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  await r.settle();
  t.is(drainer.drained.length, 1);
  t.true(cluster.nodes.every((n) => !n.unschedulable));
  t.like(events.of('drain-started')[0], { dryRun: true });
});

test('a running drain is told to stop when chaos is paused; each pass reads the kill switch alone, never the whole state', async (t) => {
  const { drainer, store, round } = setup([node('a'), node('b'), node('c')]);
  let pass: DrainOptions['pass'];
  drainer.drain = async (_n, options) => {
    pass = options.pass;
    return { result: 'killed' };
  };
  const r = round(FRIDAY);
  await r.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + TEN) });
  await r.settle();
  const before = { loads: store.loads, switchReads: store.switchReads };
  for (let i = 0; i < 30; i += 1) t.deepEqual(await pass?.([]), { hold: new Map() });
  store.state = { ...store.state, paused: { reason: 'incident', by: 'oncall', at: FRIDAY.toISOString() } };
  t.deepEqual(await pass?.([]), { stop: 'chaos was paused by oncall: incident' }, 'the pass right after the pause');
  t.deepEqual(
    { loads: store.loads - before.loads, switchReads: store.switchReads - before.switchReads },
    { loads: 0, switchReads: 31 },
    '31 passes: one fresh kill-switch read each, no read of the whole state',
  );
});

test('give-back of a node an administrator keeps cordoned says so, and the node stays cordoned', async (t) => {
  const cluster = fakeCluster([]);
  cluster.nodes = [
    node('worker-1', {
      unschedulable: true,
      annotations: {
        'havoc/drained-by': 'kube-havoc',
        'havoc/drained-until': '2026-11-20T08:00:00Z',
        'havoc/keep-cordoned': 'true',
      },
    }),
  ];
  const events = recorder();
  await giveBackNodes({
    settings: testSettings({ HAVOC_NODES_ENABLED: 'true' }),
    drainer: fakeDrainer(cluster),
    state: memoryStateStore(),
    clock: fakeClock(new Date('2026-11-20T09:00:00Z')),
    report: events.report,
    now: new Date('2026-11-20T09:00:00Z'),
  });
  t.like(events.of('node-released')[0], { node: { name: 'worker-1' }, keptCordoned: true });
  t.regex(events.of('node-released')[0]!.detail, /left cordoned as an administrator asked \(havoc\/keep-cordoned\)/);
  t.true(cluster.nodes[0]!.unschedulable);
});
