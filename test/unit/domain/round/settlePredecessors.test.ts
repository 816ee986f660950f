// A leader that stops between reserving and recording leaves a reservation;
// the next leader settles it from what the cluster shows (pods gone by UID),
// and each real kill is recorded and announced exactly once, none invented.

import test from 'ava';
import { leftOver, reserve } from '../../../../src/domain/budget/reservation.ts';
import { createChaosRound, type ChaosRoundDeps } from '../../../../src/domain/round/chaosRound.ts';
import type { StateStore } from '../../../../src/domain/ports.ts';
import type { KillRecord } from '../../../../src/domain/state.ts';
import { deployment, fakeCluster, type FakeCluster } from '../../fakes/fakeCluster.ts';
import { memoryStateStore } from '../../fakes/memoryStateStore.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

// Friday 2026-11-20 10:00 in Berlin; the window is 09:00-17:00 there.
const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
const NEXT = new Date(FRIDAY.getTime() + 600_000);
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };

class Crash extends Error {}

/** A daemon replica named `owner` on the shared cluster and state; `crashAt` stops it there, as a SIGKILL would. */
function replica(
  cluster: FakeCluster,
  store: StateStore,
  owner: string,
  options: { crashAt?: 'reserved' | 'killed'; leadership?: ChaosRoundDeps['leadership'] } = {},
) {
  const { crashAt, leadership } = options;
  const { deps, events } = roundDeps({
    at: FRIDAY,
    heals: false,
    cluster,
    store,
    owner,
    leadership,
    checkpoint:
      crashAt === undefined
        ? undefined
        : async (point) => {
            if (point === crashAt) throw new Crash(`stopped at ${point}`);
          },
  });
  return { events, round: createChaosRound(deps) };
}

function setup() {
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]);
  return { cluster, store: memoryStateStore() };
}

const podsOf = (cluster: FakeCluster) => cluster.workloads[0]!.pods.map((p) => p.uid);

test('stopped after the eviction, before the record: the successor records the kill once and watches the recovery', async (t) => {
  const { cluster, store } = setup();
  const first = replica(cluster, store, 'pod-a/1', { crashAt: 'killed' });
  await first.round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 1, 'the eviction happened');
  t.like(store.state.kills[0], { result: 'reserved', owner: 'pod-a/1', count: 1 });
  t.is(first.events.of('kill').length, 0, 'nothing was announced before the record');

  const second = replica(cluster, store, 'pod-b/1');
  await second.round.settleLeftovers();
  await second.round.settle();
  t.like(store.state.kills[0], { result: 'killed', count: 1 });
  const kills = second.events.of('kill');
  t.is(kills.length, 1);
  t.like(kills[0], {
    action: 'pod-evict',
    outcome: { result: 'killed' },
    target: { kind: 'Pod', namespace: 'shop', workload: { name: 'checkout' } },
  });
  t.regex(
    kills[0]!.outcome.detail ?? '',
    /evicted through the Eviction API \(DisruptionTarget: EvictionByEvictionAPI\).*reserved by pod-a\/1/,
  );
  t.false(podsOf(cluster).includes((kills[0]!.target as { uid: string }).uid), 'the announced victim is really gone');
  t.is(second.events.of('recovery').length, 1, 'the recovery is still watched');

  const third = replica(cluster, store, 'pod-c/1');
  await third.round.settleLeftovers();
  t.is(third.events.of('kill').length, 0, 'a later leader announces it no more');
});

test("the successor's recovery check asks the workload's probe, read from the workload now, as the owner's would have", async (t) => {
  const probed = { 'havoc/probe-url': 'http://checkout.shop.svc:8080/healthz' };
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO, probed)]);
  const store = memoryStateStore();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  const asked: string[] = [];
  const { deps, events } = roundDeps({
    at: FRIDAY,
    cluster,
    store,
    probe: {
      check: async (workload) => {
        asked.push(workload.annotations['havoc/probe-url'] ?? '');
        return { ok: false, detail: 'HTTP 503' };
      },
    },
    owner: 'pod-b/1',
  });
  const second = createChaosRound(deps);
  await second.settleLeftovers();
  await second.settle();
  t.true(asked.length > 0, 'the probe was asked');
  t.true(asked.every((url) => url === probed['havoc/probe-url']));
  const verdict = events.of('recovery')[0]?.verdict;
  t.like(verdict, { recovered: false });
  t.regex(verdict && !verdict.recovered ? verdict.detail : '', /probe failed: HTTP 503/);
});

test('stopped after reserving, before the eviction: no phantom kill, the budget stays charged', async (t) => {
  const { cluster, store } = setup();
  const first = replica(cluster, store, 'pod-a/1', { crashAt: 'reserved' });
  await first.round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 0);

  const second = replica(cluster, store, 'pod-b/1');
  await second.round.settleLeftovers();
  t.like(store.state.kills[0], { result: 'not-attempted', count: 1 });
  t.is(second.events.of('kill').length, 0, 'nothing is reported that did not happen');
  t.is(podsOf(cluster).length, 3);
});

test('the first tick of a new leader settles before it acts, and the settled record keeps counting against the caps', async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  cluster.heal(FRIDAY);
  const second = replica(cluster, store, 'pod-b/1');
  const summary = await second.round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(summary.eligible, 0, 'the workload is within its minimum gap: the settled kill counts');
  t.is(second.events.of('kill').length, 1);
  t.like(second.events.of('tick')[0], { budget: { hour: 2, day: 9 } });
});

test('a replica leaves its own reservations to its own tick', async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  const same = replica(cluster, store, 'pod-a/1');
  await same.round.settleLeftovers();
  t.is(store.state.kills[0]!.result, 'reserved');
  t.is(same.events.of('kill').length, 0);
});

test('a successor that cannot read the pods leaves the reservation for the next try and says why', async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  cluster.fate = async () => {
    throw Object.assign(new Error('no answer from the API server within 10s'), { kind: 'api-unreachable' });
  };
  const second = replica(cluster, store, 'pod-b/1');
  await second.round.settleLeftovers();
  t.is(store.state.kills[0]!.result, 'reserved');
  t.like(second.events.of('error')[0], { kind: 'api-unreachable' });
  t.regex(second.events.of('error')[0]!.message, /settling reservation .* of pod-a\/1 failed/);
});

const reservedRecord: Omit<KillRecord, 'result'> = {
  id: 'r1',
  at: FRIDAY.toISOString(),
  target: 'shop/Deployment/checkout',
  action: 'pod-evict',
  dryRun: false,
  count: 1,
  owner: 'pod-a/1',
};
// These cases are about the settling: the permit's check lets every reservation through.
const rules = () => undefined;

test('the owner settling after a successor announced the kill does not announce it again', async (t) => {
  const store = memoryStateStore();
  const mine = await reserve(store, reservedRecord, rules);
  t.is((await leftOver(store, store.state.kills[0]!, 'pod-b/1').settle({ result: 'killed', count: 1 })).answer, 'recorded');
  t.is((await mine.settle({ result: 'killed', count: 1 })).answer, 'settled-before');
});

test('a successor retrying finds its own settlement as recorded; another successor, or another result, as settled before', async (t) => {
  const store = memoryStateStore();
  await reserve(store, reservedRecord, rules);
  const record = store.state.kills[0]!;
  t.is((await leftOver(store, record, 'pod-b/1').settle({ result: 'unknown', count: 1 })).answer, 'recorded');
  t.is(store.state.kills[0]!.settledBy, 'pod-b/1');
  t.is((await leftOver(store, record, 'pod-b/1').settle({ result: 'unknown', count: 1 })).answer, 'recorded');
  t.is((await leftOver(store, record, 'pod-c/1').settle({ result: 'unknown', count: 1 })).answer, 'settled-before');
  t.is((await leftOver(store, record, 'pod-b/1').settle({ result: 'killed', count: 1 })).answer, 'settled-before');
  t.like(store.state.kills[0], { result: 'unknown', settledBy: 'pod-b/1' });
});

test('the owner, still running, corrects a successor that found nothing done yet', async (t) => {
  const store = memoryStateStore();
  const mine = await reserve(store, reservedRecord, rules);
  t.is(
    (await leftOver(store, store.state.kills[0]!, 'pod-b/1').settle({ result: 'not-attempted', count: 1 })).answer,
    'recorded',
  );
  t.is((await mine.settle({ result: 'killed', count: 1 })).answer, 'recorded');
  t.is(store.state.kills[0]!.result, 'killed');
  t.is(
    (await leftOver(store, store.state.kills[0]!, 'pod-b/1').settle({ result: 'not-attempted', count: 1 })).answer,
    'settled-before',
    'a successor never overwrites a settlement',
  );
});

test('reserving and settling hand back the history their write left, so nobody reads the state again to see them', async (t) => {
  const store = memoryStateStore();
  const mine = await reserve(store, reservedRecord, rules);
  t.deepEqual(mine.history, store.state.kills);
  t.like(mine.history?.[0], { id: reservedRecord.id, result: 'reserved' });
  const settled = await mine.settle({ result: 'blocked', count: 0 });
  t.is(settled.answer, 'recorded');
  t.deepEqual(settled.answer === 'not-stored' ? undefined : settled.history, store.state.kills);
  t.like(store.state.kills[0], { result: 'blocked', count: 0 });
});

test('a reservation is stored as reserved, never as a kill that has not happened; a lost write is said', async (t) => {
  const store = memoryStateStore();
  const mine = await reserve(store, reservedRecord, rules);
  t.like(store.state.kills[0], { result: 'reserved', count: 1 });
  store.failWrites = new Error('no answer from the API server within 10s');
  t.is((await mine.settle({ result: 'killed', count: 1 })).answer, 'not-stored');
  t.is(store.state.kills[0]!.result, 'reserved');
});

test('a kill whose record cannot be written is still announced, and the error says the reservation stays', async (t) => {
  const { cluster, store } = setup();
  // The API server takes the reservation, then stops answering before the outcome is written.
  const flaky: StateStore = {
    load: () => store.load(),
    update: async (change) => {
      const next = change(store.state);
      if (next.kills.some((k) => k.result !== 'reserved')) throw new Error('no answer from the API server within 10s');
      return store.update(() => next);
    },
  };
  const { events, round } = replica(cluster, flaky, 'pod-a/1');
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(events.of('kill').length, 1, 'the kill happened and is told');
  t.regex(events.of('error')[0]!.message, /the reservation stays and the next leader settles it/);
  t.is(store.state.kills[0]!.result, 'reserved');
});

test('an outcome whose write failed is written at the next tick, and not announced again', async (t) => {
  const { cluster, store } = setup();
  let down = true;
  const flaky: StateStore = {
    load: () => store.load(),
    update: async (change) => {
      const next = change(store.state);
      if (down && next.kills.some((k) => k.result !== 'reserved')) throw new Error('no answer from the API server within 10s');
      return store.update(() => next);
    },
  };
  const { events, round } = replica(cluster, flaky, 'pod-a/1');
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(store.state.kills[0]!.result, 'reserved');
  down = false;
  await round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.like(store.state.kills[0], { result: 'killed', count: 1 });
  t.is(events.of('kill').length, 1, 'told once, when it happened');
});

test('a replica that loses the lease and takes it back settles what was left meanwhile', async (t) => {
  const { cluster, store } = setup();
  let leader = true;
  const { events, round } = replica(cluster, store, 'pod-b/1', { leadership: { isLeader: () => leader } });
  // Leader before the window opens: it settles (nothing yet) and kills nothing.
  t.is((await round.tick({ at: new Date(FRIDAY.getTime() - 7_200_000), nextTick: FRIDAY })).outcome, 'outside-window');
  leader = false;
  t.is((await round.tick({ at: FRIDAY, nextTick: NEXT })).outcome, 'not-leader');
  // Meanwhile another leader evicted and died before recording it.
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(store.state.kills.at(-1)!.result, 'reserved');
  leader = true;
  await round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(store.state.kills.at(-1)!.result, 'killed');
  t.is(events.of('kill').length, 1);
});

test('a settle that failed is tried again at the next tick, until the kill that really happened is recorded and announced', async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  const read = cluster.fate.bind(cluster);
  let timeouts = 1;
  cluster.fate = async (victim) => {
    if (timeouts-- > 0) throw Object.assign(new Error('no answer from the API server within 10s'), { kind: 'api-unreachable' });
    return read(victim);
  };
  const second = replica(cluster, store, 'pod-b/1');
  await second.round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(store.state.kills[0]!.result, 'reserved', 'the first read timed out: nothing is known yet');
  t.is(second.events.of('kill').length, 0);
  await second.round.tick({ at: new Date(NEXT.getTime() + 600_000), nextTick: new Date(NEXT.getTime() + 1_200_000) });
  t.like(store.state.kills[0], { result: 'killed', count: 1 });
  t.is(second.events.of('kill').length, 1, 'announced at the next tick');
  t.like(second.events.of('kill')[0], { outcome: { result: 'killed' } });
  await second.round.tick({ at: new Date(NEXT.getTime() + 1_200_000), nextTick: new Date(NEXT.getTime() + 1_800_000) });
  t.is(second.events.of('kill').length, 1, 'and once only');
});

// The cluster tells an eviction apart only while the pod terminates with the
// API server's DisruptionTarget mark; a pod already gone, or taken by another
// cause, was not necessarily killed by the predecessor.
test('a victim already gone when the successor looks is recorded unknown, never killed, and stays charged', async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  cluster.terminating.clear(); // its grace period ended: the API server holds no trace of why it left
  const second = replica(cluster, store, 'pod-b/1');
  await second.round.settleLeftovers();
  await second.round.settle();
  t.like(store.state.kills[0], { result: 'unknown', count: 1 });
  const kills = second.events.of('kill');
  t.is(kills.length, 1, 'told, as what it is');
  t.like(kills[0], { outcome: { result: 'unknown' } });
  t.regex(kills[0]!.outcome.detail ?? '', /the pod is gone; what removed it cannot be told/);
  t.is(second.events.of('recovery').length, 0, 'no recovery of a kill nobody knows happened');
});

test('a victim a rollout removed while the leader was down is not announced as a kill', async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'reserved' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 0, 'the predecessor never evicted');
  const victim = store.state.kills[0]!.victims![0]!;
  const w = cluster.workloads[0]!;
  cluster.workloads[0] = { ...w, pods: w.pods.filter((p) => p.uid !== victim.uid) };
  const second = replica(cluster, store, 'pod-b/1');
  await second.round.settleLeftovers();
  t.like(store.state.kills[0], { result: 'unknown', count: 1 });
  t.deepEqual(
    second.events.of('kill').map((k) => k.outcome.result),
    ['unknown'],
  );
});

test('a victim terminating for another cause (the taint manager) is unknown, and the Event says which', async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'reserved' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  const victim = store.state.kills[0]!.victims![0]!;
  cluster.terminating.set(victim.uid, {
    seen: 'terminating',
    disruption: { reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' },
  });
  const second = replica(cluster, store, 'pod-b/1');
  await second.round.settleLeftovers();
  t.like(store.state.kills[0], { result: 'unknown', count: 1 });
  t.regex(second.events.of('kill')[0]!.outcome.detail ?? '', /another cause \(DisruptionTarget: DeletionByTaintManager\)/);
});

test('a plain delete leaves no mark: a successor of a pod-delete leader says unknown, not killed', async (t) => {
  const { cluster, store } = setup();
  const first = roundDeps({
    at: FRIDAY,
    heals: false,
    cluster,
    store,
    owner: 'pod-a/1',
    podMethod: 'delete',
    checkpoint: async (point) => {
      if (point === 'killed') throw new Crash(point);
    },
  });
  await createChaosRound(first.deps).tick({ at: FRIDAY, nextTick: NEXT });
  const victim = store.state.kills[0]!.victims![0]!;
  cluster.terminating.set(victim.uid, { seen: 'terminating' });
  const second = replica(cluster, store, 'pod-b/1');
  await second.round.settleLeftovers();
  t.like(store.state.kills[0], { action: 'pod-delete', result: 'unknown' });
  t.regex(second.events.of('kill')[0]!.outcome.detail ?? '', /no disruption recorded/);
});

test("a successor's settlement whose write found no answer is tried again at the next tick, and announced once", async (t) => {
  const { cluster, store } = setup();
  await replica(cluster, store, 'pod-a/1', { crashAt: 'killed' }).round.tick({ at: FRIDAY, nextTick: NEXT });
  let down = true;
  const flaky: StateStore = {
    load: () => store.load(),
    update: async (change) => {
      const next = change(store.state);
      if (down && next.kills.some((k) => k.result === 'killed')) throw new Error('no answer from the API server within 10s');
      return store.update(() => next);
    },
  };
  const second = replica(cluster, flaky, 'pod-b/1');
  await second.round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(store.state.kills[0]!.result, 'reserved');
  t.is(second.events.of('kill').length, 0, 'nothing announced that is not recorded');
  t.regex(second.events.of('error')[0]?.message ?? '', /recording the settlement of .* failed; held, written again/);
  down = false;
  await second.round.tick({ at: new Date(NEXT.getTime() + 600_000), nextTick: new Date(NEXT.getTime() + 1_200_000) });
  t.like(store.state.kills[0], { result: 'killed', count: 1 });
  t.is(second.events.of('kill').length, 1);
});
