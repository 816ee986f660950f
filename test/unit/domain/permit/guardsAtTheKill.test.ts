// Issue 20's findings 1-4: every guard holds at the moment of the mutation,
// not only at the start of the tick. Each case changes the world after the
// tick began (the clock, the kill switch, the labels, this tick's own kills)
// and checks that the mutation that follows is refused with its reason.

import test from 'ava';
import { pauseChaos } from '../../../../src/domain/killSwitch.ts';
import type { WorkloadRef } from '../../../../src/domain/model.ts';
import type { DrainOptions } from '../../../../src/domain/ports.ts';
import { createTickPermit } from '../../../../src/domain/permit/permit.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { fakeDrainer, node } from '../../fakes/fakeDrainer.ts';
import { memoryStateStore } from '../../fakes/memoryStateStore.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';
import { testSettings } from '../../fakes/settings.ts';

// Friday 2026-11-20 in Berlin (UTC+1); the window is 09:00-17:00 there.
const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };
const minutes = (n: number) => n * 60_000;

test('finding 1: a fresh read that ends after the window closed does not lead to a kill', async (t) => {
  const at = new Date('2026-11-20T15:59:00Z'); // 16:59 in Berlin
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]);
  const { deps, events, clock } = roundDeps({ at, cluster, heals: false });
  const read = cluster.workload.bind(cluster);
  cluster.workload = async (ref: WorkloadRef) => {
    clock.advance(minutes(2)); // a slow API server: the read answers at 17:01
    return read(ref);
  };
  const summary = await createChaosRound(deps).tick({ at, nextTick: new Date(at.getTime() + minutes(10)) });
  t.is(cluster.kills.length, 0, 'no eviction at 17:01');
  t.like(events.of('skip')[0], { reason: 'outside-window' });
  t.is(summary.killed, 0);
});

test('finding 1: a drain reserved after the window closed does not start', async (t) => {
  const at = new Date('2026-11-20T15:59:00Z');
  const cluster = fakeCluster([]);
  cluster.nodes = [node('worker-1'), node('worker-2')];
  const drainer = fakeDrainer(cluster);
  const store = memoryStateStore();
  const { deps, clock } = roundDeps({
    at,
    cluster,
    store,
    heals: false,
    drainer,
    env: { HAVOC_NODES_ENABLED: 'true', HAVOC_NODES_MTBF: '1m', HAVOC_NODES_MIN_READY_NODES: '1' },
  });
  const snapshot = cluster.snapshot.bind(cluster);
  cluster.snapshot = async () => {
    clock.advance(minutes(2));
    return snapshot();
  };
  await createChaosRound(deps).tick({ at, nextTick: new Date(at.getTime() + minutes(10)) });
  t.deepEqual(drainer.drained, []);
  t.deepEqual(store.state.kills, []);
});

test('finding 2: a pause written after the first eviction stops the other kills of the same tick', async (t) => {
  const workloads = ['cart', 'checkout', 'search'].map((name) => deployment('shop', name, 3, alwaysHit, LONG_AGO));
  const cluster = fakeCluster(workloads);
  const store = memoryStateStore();
  const { deps, events, clock } = roundDeps({ cluster, store, env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '3' } });
  const kill = cluster.kill.bind(cluster);
  cluster.kill = async (...args) => {
    const outcome = await kill(...args);
    if (cluster.kills.length === 1) await pauseChaos({ store, reason: 'incident', by: 'oncall', now: clock.now() });
    return outcome;
  };
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
  t.is(cluster.kills.length, 1, 'exactly one eviction');
  t.deepEqual(
    events.of('skip').map((s) => s.reason),
    ['paused', 'paused'],
  );
  t.regex(events.of('skip')[0]?.detail ?? '', /paused by oncall: incident/);
});

test('finding 2: a pause written between two victims of one hit stops the second', async (t) => {
  const labels = { ...alwaysHit, 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '2' };
  const cluster = fakeCluster([deployment('shop', 'checkout', 4, labels, LONG_AGO)]);
  const store = memoryStateStore();
  const { deps, events, clock } = roundDeps({ cluster, store, env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '3' } });
  const kill = cluster.kill.bind(cluster);
  cluster.kill = async (...args) => {
    const outcome = await kill(...args);
    await pauseChaos({ store, reason: 'incident', by: 'oncall', now: clock.now() });
    return outcome;
  };
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
  t.is(cluster.kills.length, 1);
  t.like(store.state.kills[0], { result: 'killed', count: 1 }, 'the record charges only what was killed');
  t.like(events.of('skip')[0], { reason: 'paused' });
});

test('finding 3: a workload whose opt-in label was removed after the snapshot is not killed', async (t) => {
  const snapshot = deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO);
  const relabelled: Record<string, string>[] = [{}, { 'havoc/enabled': 'false' }, { 'havoc/enabled': 'yes' }];
  for (const labels of relabelled) {
    const cluster = fakeCluster([snapshot]);
    const { deps, events } = roundDeps({ cluster });
    // The watch still holds the opted-in object; the fresh read right before the kill does not.
    cluster.workload = async () => ({ ...snapshot, labels });
    await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
    t.is(cluster.kills.length, 0, JSON.stringify(labels));
    t.like(events.of('skip')[0], { reason: 'opted-out' });
  }
});

test("finding 3: the fresh read's labels decide the mode: a workload that changed to kill-mode all is killed by its new policy", async (t) => {
  const snapshot = deployment('shop', 'checkout', 4, alwaysHit, LONG_AGO);
  const cluster = fakeCluster([snapshot]);
  const { deps } = roundDeps({
    cluster,
    env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '3', HAVOC_BLAST_RADIUS_MAX_UNAVAILABLE_PERCENT: '100' },
  });
  const fresh = { ...snapshot, labels: { ...alwaysHit, 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '2' } };
  cluster.workload = async () => fresh;
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
  t.is(cluster.kills.length, 2);
});

test('finding 3: a namespace that left namespaces.selector after the snapshot is not hit', async (t) => {
  const cluster = fakeCluster(
    [deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)],
    [{ name: 'shop', labels: { chaos: 'yes' } }],
  );
  const { deps, events } = roundDeps({ cluster, env: { HAVOC_NAMESPACES_SELECTOR: 'chaos=yes' } });
  // The snapshot saw the namespace labelled; relabelled before the kill, its fresh labels refuse it.
  const read = cluster.workload.bind(cluster);
  cluster.workload = async (ref) => {
    cluster.namespaces = [{ name: 'shop', labels: {} }];
    return read(ref);
  };
  await createChaosRound(deps).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
  t.is(cluster.kills.length, 0);
  t.like(events.of('skip')[0], { reason: 'opted-out' });
  t.regex(events.of('skip')[0]?.detail ?? '', /does not match "chaos=yes"/);
});

test("finding 4: no drain on top of this tick's pod kill of a workload whose pods are on the node", async (t) => {
  const checkout = deployment('shop', 'checkout', 2, alwaysHit, LONG_AGO);
  const cluster = fakeCluster([checkout]);
  cluster.nodes = [node('worker-1'), node('worker-2')];
  const drainer = fakeDrainer(cluster);
  const { deps, events } = roundDeps({
    cluster,
    heals: false,
    drainer,
    env: {
      HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '2',
      HAVOC_NODES_ENABLED: 'true',
      HAVOC_NODES_MTBF: '1m',
      HAVOC_NODES_MIN_READY_NODES: '1',
    },
  });
  // The watch has not seen the eviction yet: it still says 2/2 ready.
  cluster.watched = () => checkout;
  const round = createChaosRound(deps);
  await round.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
  t.is(cluster.kills.length, 1, 'the pod kill happened');
  t.deepEqual(drainer.drained, [], 'no drain stacked on it');
  t.is(events.of('drain-started').length, 0);
});

test('finding 4: a drain pass holds back the pods a workload may not lose, counting what already goes', (t) => {
  const settings = testSettings({ HAVOC_BLAST_RADIUS_MAX_UNAVAILABLE_PERCENT: '50' });
  const permit = createTickPermit(
    {
      settings,
      cluster: fakeCluster([]),
      state: memoryStateStore(),
      clock: fakeClock(FRIDAY),
      report: () => undefined,
      probe: { check: async () => ({ ok: true }) },
    },
    { at: FRIDAY, history: [], recovering: () => new Set() },
  );
  const checkout = { ...deployment('shop', 'checkout', 4, alwaysHit, LONG_AGO), pods: undefined };
  const ref = checkout.ref;
  const watched = (r: WorkloadRef) => (r.name === 'checkout' ? checkout : undefined);
  const pods = (terminating: number, running: number) => [
    ...Array.from({ length: terminating }, (_, i) => ({ key: `shop/checkout-t${i}`, workload: ref, terminating: true })),
    ...Array.from({ length: running }, (_, i) => ({ key: `shop/checkout-${i}`, workload: ref, terminating: false })),
    { key: 'other/bare', workload: { kind: 'Pod' as const, namespace: 'other', name: 'bare' }, terminating: false },
  ];
  // 4 desired, 50%: 2 may be unavailable. Three of its pods on the node: two go, one waits.
  t.deepEqual([...permit.drainHold(pods(0, 3), watched).keys()], ['shop/checkout-2']);
  // One already terminating (an earlier pass): one more may go.
  t.deepEqual([...permit.drainHold(pods(1, 2), watched).keys()], ['shop/checkout-1']);
  // The watch already shows one unready: the lower figure counts, not both.
  const degraded = { ...checkout, ready: 3 };
  t.deepEqual(
    [...permit.drainHold(pods(1, 2), (r) => (r.name === 'checkout' ? degraded : undefined)).keys()],
    ['shop/checkout-1'],
  );
  // A workload that is not opted in (unknown to the watches) is left to its PodDisruptionBudget.
  t.deepEqual([...permit.drainHold(pods(0, 3), () => undefined).keys()], []);
});

test('finding 4: the round hands the drain a pass check that holds pods by the blast radius and stops on a pause', async (t) => {
  const checkout = deployment('shop', 'checkout', 2, alwaysHit, LONG_AGO);
  const cluster = fakeCluster([checkout]);
  cluster.nodes = [node('worker-1'), node('worker-2')];
  const drainer = fakeDrainer(cluster);
  let pass: DrainOptions['pass'];
  drainer.drain = async (_n, options) => {
    pass = options.pass;
    return { result: 'killed' };
  };
  const store = memoryStateStore();
  const { deps, events } = roundDeps({
    cluster,
    store,
    heals: false,
    drainer,
    // No pod chaos this tick: only the node is drawn.
    env: { HAVOC_NODES_ENABLED: 'true', HAVOC_NODES_MTBF: '1m', HAVOC_NODES_MIN_READY_NODES: '1' },
  });
  cluster.workloads = [{ ...checkout, labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '10000d' } }];
  const round = createChaosRound(deps);
  await round.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
  await round.settle();
  t.is(events.of('drain-started').length, 1);
  const both = checkout.pods.map((p) => ({ key: `shop/${p.name}`, workload: checkout.ref, terminating: false }));
  const verdict = await pass?.(both);
  t.deepEqual(verdict && 'hold' in verdict ? [...verdict.hold.keys()] : verdict, ['shop/checkout-1']);
  await pauseChaos({ store, reason: 'bad drain', by: 'oncall', now: FRIDAY });
  t.deepEqual(await pass?.(both), { stop: 'chaos was paused by oncall: bad drain' });
});

test('the round hands the drain a local check before each eviction: leadership, window, no I/O', async (t) => {
  const cluster = fakeCluster([]);
  cluster.nodes = [node('worker-1'), node('worker-2')];
  const drainer = fakeDrainer(cluster);
  let stopNow: DrainOptions['stopNow'];
  drainer.drain = async (_n, options) => {
    stopNow = options.stopNow;
    return { result: 'killed' };
  };
  const store = memoryStateStore();
  let leader = true;
  const { deps, clock } = roundDeps({
    cluster,
    store,
    heals: false,
    drainer,
    leadership: { isLeader: () => leader },
    env: { HAVOC_NODES_ENABLED: 'true', HAVOC_NODES_MTBF: '1m', HAVOC_NODES_MIN_READY_NODES: '1' },
  });
  const round = createChaosRound(deps);
  await round.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + minutes(10)) });
  await round.settle();
  const reads = store.switchReads + store.loads;
  t.is(stopNow?.(), undefined, 'leader, inside the window: go on');
  leader = false;
  t.is(stopNow?.(), 'this replica does not hold the lease now');
  leader = true;
  clock.set(new Date('2026-11-20T16:30:00Z')); // 17:30 in Berlin
  t.regex(stopNow?.() ?? '', /outside the business window/);
  t.is(store.switchReads + store.loads, reads, 'no request');
});
