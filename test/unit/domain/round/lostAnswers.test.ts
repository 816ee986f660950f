// Reservations are idempotent across lost answers. A reservation whose write
// timed out may still be committed by the API server (etcd stopped, then
// back): its run settles it at a later tick on what it knows it sent (nothing,
// when the write had no answer), a successor on what the cluster shows, and no
// settlement (its own or a successor's) records or announces a second time a
// pod that a settled record already holds.

import test, { type ExecutionContext } from 'ava';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { createHeldReservations } from '../../../../src/domain/round/heldReservations.ts';
import type { KillRecord } from '../../../../src/domain/state.ts';
import { deployment, evictionMark, fakeCluster } from '../../fakes/fakeCluster.ts';
import { fakeDrainer, node } from '../../fakes/fakeDrainer.ts';
import { lostAnswerStore } from '../../fakes/lostAnswerStore.ts';
import { memoryStateStore } from '../../fakes/memoryStateStore.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

// Friday 2026-11-20 10:00 in Berlin; the window is 09:00-17:00 there.
const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
const MINUTE = 60_000;
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };
const after = (ms: number) => new Date(FRIDAY.getTime() + ms);

/** One daemon run (`owner`) on a shared cluster and state, ticking at the times the test says. */
function daemon(owner: string, shared: Parameters<typeof roundDeps>[0] = {}) {
  const fakes = roundDeps({ at: FRIDAY, heals: false, owner, ...shared });
  const round = createChaosRound(fakes.deps);
  const tickAt = (ms: number) => {
    fakes.clock.set(after(ms));
    return round.tick({ at: after(ms), nextTick: after(ms + MINUTE) });
  };
  return { ...fakes, round, tickAt };
}

/** pod-a/1's first tick, whose reservation write is applied but answered by a timeout. */
async function lostAtFirstTick(t: ExecutionContext) {
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]);
  const store = memoryStateStore();
  const lossy = lostAnswerStore(store);
  const a = daemon('pod-a/1', { cluster, store: lossy });
  lossy.loseNextReservation('now');
  t.is((await a.tickAt(0)).outcome, 'failed', 'the reservation write timed out');
  return { cluster, store, a };
}

test('a reservation whose answer was lost is settled by its own run once it is older than a write timeout and a tick', async (t) => {
  const { cluster, store, a } = await lostAtFirstTick(t);
  t.is(cluster.kills.length, 0, 'nothing is killed without a reservation the daemon knows of');
  t.like(store.state.kills[0], { result: 'reserved', owner: 'pod-a/1', count: 1 });

  // 4 minutes on: younger than kubernetes.writeTimeout + schedule.tickDeadline (10 s + 5 m), so left alone.
  await a.tickAt(4 * MINUTE);
  t.is(store.state.kills[0]!.result, 'reserved');

  await a.tickAt(6 * MINUTE);
  t.like(store.state.kills[0], { result: 'not-attempted', count: 1 }, 'settled, and still charged');
  t.is(a.events.of('kill').length, 0, 'nothing happened, so nothing is announced');
  t.like(a.events.of('tick').at(-1), { budget: { hour: 2, day: 9 } });

  await a.tickAt(7 * MINUTE);
  t.like(store.state.kills[0], { result: 'not-attempted', count: 1 });
  t.is(a.events.of('kill').length, 0);
});

// What the run knows it sent is what it judges: a victim it never sent an
// eviction for is not its kill, whatever happened to the pod meanwhile.
for (const [title, fate] of [
  ['replaced by a rollout meanwhile', { seen: 'gone' }],
  ['evicted meanwhile by someone else (a drain of its node)', { seen: 'terminating', disruption: evictionMark }],
] as const) {
  test(`a reservation whose write had no answer sent nothing: its victim ${title} is not announced as a kill`, async (t) => {
    const { cluster, store, a } = await lostAtFirstTick(t);
    const victim = store.state.kills[0]!.victims![0]!;
    cluster.terminating.set(victim.uid, fate);

    await a.tickAt(6 * MINUTE);
    t.like(store.state.kills[0], { result: 'not-attempted', count: 1 }, 'settled without a look at the cluster, still charged');
    t.is(a.events.of('kill').length, 0, 'no Event, metric, Slack message or history entry for a kill that did not happen');
  });
}

test('a tick that failed after reserving judges only the victims it sent an eviction for', async (t) => {
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]);
  const store = memoryStateStore();
  let fail = true;
  const checkpoint = async (point: 'reserved' | 'killed') => {
    if (point === 'reserved' && fail) throw new Error('the read of the next victim timed out');
  };
  const a = daemon('pod-a/1', { cluster, store, checkpoint });
  t.is((await a.tickAt(0)).outcome, 'failed');
  t.is(cluster.kills.length, 0, 'the tick failed before its first eviction');
  fail = false;
  const victim = store.state.kills[0]!.victims![0]!;
  cluster.terminating.set(victim.uid, { seen: 'terminating', disruption: evictionMark });

  await a.tickAt(6 * MINUTE);
  const lost = store.state.kills[0]!;
  t.like(lost, { result: 'not-attempted', count: 1 });
  t.false(
    a.events.of('kill').some((k) => (k.target as { uid: string }).uid === victim.uid && k.outcome.result === 'killed'),
    "the pod someone else evicted is not announced as kube-havoc's kill",
  );
});

test('what a run knows it sent ends with the record: settled in the read, or absent and older than the history', (t) => {
  const held = createHeldReservations();
  const at = (minutes: number) => after(minutes * MINUTE).toISOString();
  for (const [id, minutes] of [
    ['settled', 0],
    ['reserved', 0],
    ['absent-old', -2000],
    ['absent-young', -10],
  ] as const)
    held.sending({ id, at: at(minutes) }, `uid-${id}`);
  held.sending({ id: 'nothing-sent', at: at(0) });
  const record = (id: string, result: KillRecord['result']) => ({ ...leftover(id, after(0)), result });
  held.retain(
    [record('settled', 'killed'), record('reserved', 'reserved'), record('nothing-sent', 'reserved')],
    after(-1440 * MINUTE),
  );
  t.deepEqual(
    ['settled', 'reserved', 'absent-old', 'absent-young', 'nothing-sent'].map((id) => held.sent(id)?.size),
    [undefined, 1, undefined, 1, 0],
  );
});

test('a lost reservation whose victim this run really evicted is recorded and announced once, by its own run', async (t) => {
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]);
  const store = memoryStateStore();
  const a = daemon('pod-a/1', { cluster, store });
  // The tick evicted, then failed before recording (the state read of its next victim timed out).
  await a.tickAt(0);
  const record = store.state.kills[0]!;
  const victim = record.victims![0]!;
  store.state = { ...store.state, kills: [{ ...record, result: 'reserved' }] };
  a.events.occurrences.length = 0;
  cluster.terminating.set(victim.uid, { seen: 'terminating', disruption: evictionMark });

  await a.tickAt(6 * MINUTE);
  t.like(store.state.kills[0], { result: 'killed', count: 1 });
  t.deepEqual(
    a.events.of('kill').map((k) => [k.outcome.result, (k.target as { uid: string }).uid]),
    [['killed', victim.uid]],
  );
  t.regex(a.events.of('kill')[0]!.outcome.detail ?? '', /reserved by this run/);
  await a.tickAt(7 * MINUTE);
  t.is(a.events.of('kill').length, 1, 'and once only');
});

test('a drain still running in the background is never settled under it, however old its reservation', async (t) => {
  const cluster = fakeCluster([]);
  cluster.nodes = [node('a'), node('b'), node('c')];
  const drainer = fakeDrainer(cluster);
  drainer.hang = true;
  const env = {
    HAVOC_NODES_ENABLED: 'true',
    HAVOC_NODES_MTBF: '1m',
    HAVOC_NODES_MIN_READY_NODES: '1',
    HAVOC_NODES_DRAIN_DURATION: '1h',
  };
  const store = memoryStateStore();
  const a = daemon('pod-a/1', { cluster, store, drainer, env, seed: 11 });
  await a.tickAt(0);
  t.is(drainer.drained.length, 1);
  await a.tickAt(20 * MINUTE);
  t.is(store.state.kills[0]!.result, 'reserved', 'the drain is still running');
  t.is(a.events.of('kill').length, 0);
  await a.round.stop();
  t.like(store.state.kills[0], { action: 'node-drain', result: 'failed' });
  t.is(a.events.of('kill').length, 1, 'announced by the drain itself, once');
});

/**
 * The finding, replayed: etcd stops while pod-a/1 reserves, so its PUT times
 * out; the next tick sees no reservation, picks checkout-0 again (one replica)
 * and kills it under a record of its own; then etcd is back and commits the
 * first reservation, dated before the kill.
 */
async function replay(t: ExecutionContext) {
  const cluster = fakeCluster([deployment('shop', 'checkout', 1, alwaysHit, LONG_AGO)]);
  const store = memoryStateStore();
  const lossy = lostAnswerStore(store);
  const a = daemon('pod-a/1', { cluster, store: lossy });
  lossy.loseNextReservation('later');
  t.is((await a.tickAt(0)).outcome, 'failed');
  t.deepEqual(store.state.kills, [], 'etcd is stopped: nothing is stored yet');
  await a.tickAt(MINUTE);
  t.is(cluster.kills.length, 1);
  t.is(a.events.of('kill').length, 1);
  lossy.commit();
  const killed = store.state.kills.find((k) => k.result === 'killed')!;
  const phantom = store.state.kills.find((k) => k.result === 'reserved')!;
  t.deepEqual(phantom.victims, killed.victims, 'both records name the same pod');
  const settled = () => store.state.kills.find((k) => k.id === phantom.id);
  return { cluster, store, a, killed, settled };
}

test('the replay: a reservation committed after its timeout is never a second kill of the pod killed under another record', async (t) => {
  const { store, a, killed, settled } = await replay(t);
  await a.tickAt(7 * MINUTE);
  t.like(settled(), { result: 'not-attempted', count: 1 });
  t.regex(settled()?.detail ?? '', /this run sent no disruption under it/, 'its own run knows it sent nothing');
  t.like(
    store.state.kills.find((k) => k.id === killed.id),
    { result: 'killed' },
  );
  t.is(a.events.of('kill').length, 1, 'one pod, one announcement');
});

test('a successor never settles as killed a pod that a settled record already holds: one record, one Event per pod', async (t) => {
  const { cluster, store, killed, settled } = await replay(t);
  // pod-a/1 is gone; the next leader settles what it left.
  const b = daemon('pod-b/1', { cluster, store });
  await b.round.settleLeftovers();
  await b.round.settle();
  t.like(settled(), { result: 'not-attempted', count: 1 });
  t.regex(settled()?.detail ?? '', /pod shop\/checkout-0 .*killed by/);
  t.like(
    store.state.kills.find((k) => k.id === killed.id),
    { result: 'killed' },
  );
  t.is(b.events.of('kill').length, 0, 'no second HavocKilled Event, metric or Slack message');
  t.is(b.events.of('recovery').length, 0);
});

// Leftovers of a crashed run, as the state may hold them; `victims` by UID.
const leftover = (id: string, at: Date, over: Partial<KillRecord> = {}): KillRecord => ({
  id,
  at: at.toISOString(),
  target: 'shop/Deployment/checkout',
  action: 'pod-evict',
  result: 'reserved',
  dryRun: false,
  count: 1,
  owner: 'pod-a/1',
  workload: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
  workloadUid: 'uid-shop-checkout',
  victims: [{ namespace: 'shop', name: 'checkout-0', uid: 'uid-checkout-0' }],
  ...over,
});

for (const [title, fate] of [
  ['terminating with the eviction mark', { seen: 'terminating', disruption: evictionMark }],
  ['already gone', { seen: 'gone' }],
] as const) {
  test(`two leftovers naming one pod ${title}: one settlement tells it, the other names the record that holds it`, async (t) => {
    const cluster = fakeCluster([deployment('shop', 'checkout', 1, alwaysHit, LONG_AGO)]);
    cluster.terminating.set('uid-checkout-0', fate);
    const first = leftover('first', after(-10 * MINUTE));
    const second = leftover('second', after(-9 * MINUTE));
    const store = memoryStateStore({ kills: [first, second] });
    const b = daemon('pod-b/1', { cluster, store });
    await b.round.settleLeftovers();
    const results = store.state.kills.map((k) => k.result);
    const told = results[0];
    t.true(told === 'killed' || told === 'unknown', `the first tells what the pod shows (${told})`);
    t.deepEqual(results[1], 'not-attempted');
    t.regex(store.state.kills[1]!.detail ?? '', /pod shop\/checkout-0 \(uid-checkout-0\) is recorded as .* by first/);
    t.deepEqual(
      store.state.kills.map((k) => k.count),
      [1, 1],
      'both stay charged',
    );
    t.is(b.events.of('kill').length, 1);
  });
}

test('a leftover drain of a node whose later drain is already recorded is not a second drain', async (t) => {
  const cluster = fakeCluster([]);
  cluster.nodes = [node('a', { unschedulable: true, annotations: { 'havoc/drained-by': 'kube-havoc' } })];
  const drain = (id: string, at: Date, result: KillRecord['result']): KillRecord => ({
    id,
    at: at.toISOString(),
    target: 'node/a',
    action: 'node-drain',
    result,
    dryRun: false,
    count: 1,
    owner: 'pod-a/1',
    nodeUid: 'uid-a',
  });
  const store = memoryStateStore({
    kills: [drain('lost', after(-10 * MINUTE), 'reserved'), drain('later', after(-9 * MINUTE), 'killed')],
  });
  const b = daemon('pod-b/1', { cluster, store, drainer: fakeDrainer(cluster), env: { HAVOC_NODES_ENABLED: 'true' } });
  await b.round.settleLeftovers();
  t.like(store.state.kills[0], { result: 'not-attempted', count: 1 });
  t.regex(store.state.kills[0]!.detail ?? '', /node a's cordon is recorded as killed by later/);
  t.is(b.events.of('kill').length, 0);
});

// A leftover's settlement whose answer is lost but committed: the record is no
// longer `reserved`, so no sweep finds it again; the run holds what it decided
// and what it must tell, and tells it once its write is known to be there.
test('a leftover settlement whose answer was lost is announced once, at the next tick', async (t) => {
  const cluster = fakeCluster([deployment('shop', 'checkout', 1, alwaysHit, LONG_AGO)]);
  cluster.terminating.set('uid-checkout-0', { seen: 'terminating', disruption: evictionMark });
  const store = memoryStateStore({ kills: [leftover('first', after(-10 * MINUTE))] });
  const lossy = lostAnswerStore(store);
  const b = daemon('pod-b/1', { cluster, store: lossy });
  lossy.loseNextSettlement();
  await b.round.settleLeftovers();
  t.like(store.state.kills[0], { result: 'killed', settledBy: 'pod-b/1' }, 'the write was committed');
  t.is(b.events.of('kill').length, 0, 'not told before its write is known to be there');

  await b.tickAt(MINUTE);
  t.deepEqual(
    b.events.of('kill').map((k) => [k.outcome.result, (k.target as { uid: string }).uid]),
    [['killed', 'uid-checkout-0']],
  );
  await b.tickAt(2 * MINUTE);
  t.is(b.events.of('kill').length, 1, 'and once only');
  t.like(store.state.kills[0], { result: 'killed', count: 1 });
});

test("a run's own lost reservation whose settlement answer was lost is announced once", async (t) => {
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]);
  const store = memoryStateStore();
  const lossy = lostAnswerStore(store);
  const a = daemon('pod-a/1', { cluster, store: lossy });
  await a.tickAt(0);
  const record = store.state.kills[0]!;
  // The tick evicted, then failed before recording: the record stays reserved.
  store.state = { ...store.state, kills: [{ ...record, result: 'reserved' }] };
  a.events.occurrences.length = 0;
  lossy.loseNextSettlement();
  await a.tickAt(6 * MINUTE);
  t.like(store.state.kills[0], { result: 'killed' });
  await a.tickAt(7 * MINUTE);
  await a.tickAt(8 * MINUTE);
  t.deepEqual(
    a.events.of('kill').map((k) => [k.outcome.result, (k.target as { uid: string }).uid]),
    [['killed', record.victims![0]!.uid]],
  );
});
