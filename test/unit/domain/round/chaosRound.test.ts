import test from 'ava';
import { pauseChaos, resumeChaos } from '../../../../src/domain/killSwitch.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import type { WorkloadWithPods } from '../../../../src/domain/model.ts';
import type { Occurrence } from '../../../../src/domain/occurrence.ts';
import type { SteadyStateProbe } from '../../../../src/domain/ports.ts';
import type { HavocState } from '../../../../src/domain/state.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { memoryStateStore, type MemoryStateStore } from '../../fakes/memoryStateStore.ts';
import { recorder } from '../../fakes/recordingListener.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

// Friday 2026-11-20 10:00 in Berlin; the window is 09:00-17:00 there.
const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
const NEXT = new Date(FRIDAY.getTime() + 600_000);
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };

function setup(
  options: {
    workloads?: WorkloadWithPods[];
    env?: Record<string, string>;
    state?: HavocState;
    probe?: SteadyStateProbe;
    healOnSleep?: boolean;
  } = {},
) {
  const fakes = roundDeps({
    at: FRIDAY,
    cluster: fakeCluster(options.workloads ?? [deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO)]),
    heals: options.healOnSleep !== false,
    store: memoryStateStore(options.state),
    env: options.env,
    probe: options.probe,
  });
  return { ...fakes, round: createChaosRound(fakes.deps) };
}

/** A fresh process (a restart, or another replica taking the lease) on the same persisted state, seeing no workloads. */
function restartedRound(store: MemoryStateStore, report: (o: Occurrence) => void, at: Date) {
  return createChaosRound(roundDeps({ at, heals: false, store, report, seed: 3 }).deps);
}

test('killed: one pod of an opted-in workload is evicted, recorded, and recovery is measured', async (t) => {
  const { cluster, store, events, round } = setup();
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  await round.settle();
  t.deepEqual(summary, { outcome: 'acted', eligible: 1, killed: 1 });
  t.is(cluster.kills.length, 1);
  t.like(events.of('kill')[0], {
    action: 'pod-evict',
    dryRun: false,
    outcome: { result: 'killed' },
    target: { kind: 'Pod', namespace: 'shop' },
  });
  t.like(store.state.kills[0], { target: 'shop/Deployment/checkout', result: 'killed', count: 1, dryRun: false });
  const recovery = events.of('recovery')[0];
  t.like(recovery, { verdict: { recovered: true }, victims: 1 });
  t.like(events.of('tick')[0], { outcome: 'acted', killed: 1, budget: { tick: 0, hour: 2, day: 9 } });
});

test('the targets are announced before any of them is hit, with the action and the last kill from history', async (t) => {
  const killedAt = new Date(LONG_AGO.getTime() + 60_000).toISOString();
  const { events, round } = setup({
    state: {
      kills: [
        {
          id: 'k',
          at: killedAt,
          target: 'shop/Deployment/checkout',
          action: 'pod-evict',
          result: 'killed',
          dryRun: false,
          count: 1,
        },
      ],
    },
  });
  await round.announceTargets(FRIDAY);
  t.deepEqual(events.of('targets')[0]?.targets, [
    { kind: 'Deployment', namespace: 'shop', name: 'checkout', action: 'pod-evict', lastKilled: new Date(killedAt) },
  ]);
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  const order = events.occurrences.map((o) => o.type).filter((type) => type === 'targets' || type === 'kill');
  t.deepEqual(order, ['targets', 'targets', 'kill']);
});

test('the recovery verdict is written onto the kill record, so the recent kills show it after a restart; a check cut short by shutdown writes none', async (t) => {
  const { store, round } = setup();
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  await round.settle();
  t.like(store.state.kills[0], { result: 'killed', recovery: { recovered: true } });
  t.true((store.state.kills[0]?.recovery?.seconds ?? 0) > 0);

  const stopped = setup({ healOnSleep: false });
  await stopped.round.tick({ at: FRIDAY, nextTick: NEXT });
  await stopped.round.stop();
  t.like(stopped.store.state.kills[0], { result: 'killed' });
  t.false('recovery' in (stopped.store.state.kills[0] ?? {}));
});

test('blocked by PDB: reported as blocked, nothing counted against the budget, the gap still applies', async (t) => {
  const { cluster, store, events, round } = setup();
  cluster.nextOutcome = {
    result: 'blocked',
    detail: 'Cannot evict pod as it would violate the pod\'s disruption budget "checkout-pdb"',
  };
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(summary.killed, 0);
  t.like(events.of('kill')[0], { outcome: { result: 'blocked' } });
  t.like(store.state.kills[0], { result: 'blocked', count: 0 });
  t.is(events.of('recovery').length, 0);
  const again = await round.tick({ at: new Date(NEXT), nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(again.eligible, 0, 'minimum gap between attempts holds after a blocked eviction');
  t.is(cluster.kills.length, 1);
});

test('already gone: the outcome says so and no recovery is awaited', async (t) => {
  const { cluster, events, round } = setup();
  cluster.nextOutcome = { result: 'already-gone' };
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.like(events.of('kill')[0], { outcome: { result: 'already-gone' } });
  t.is(events.of('recovery').length, 0);
});

test('skipped, not steady: a workload with fewer ready replicas than desired is never hit', async (t) => {
  const w = deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO);
  const { cluster, events, round } = setup({ workloads: [{ ...w, ready: 2 }] });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 0);
  t.like(events.of('skip')[0], { reason: 'not-steady', detail: '2/3 replicas ready' });
});

test('skipped, probe failed: the steady-state probe gates the kill', async (t) => {
  const w = deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO, { 'havoc/probe-url': 'http://checkout.shop.svc/healthz' });
  const { cluster, events, round } = setup({ workloads: [w], probe: { check: async () => ({ ok: false, detail: 'HTTP 503' }) } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 0);
  t.like(events.of('skip')[0], { reason: 'probe-failed' });
});

test('skipped, paused: the kill switch stops everything', async (t) => {
  const { cluster, events, round } = setup({
    state: { kills: [], paused: { reason: 'incident 42', by: 'alice', at: FRIDAY.toISOString() } },
  });
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(summary.outcome, 'paused');
  t.is(cluster.kills.length, 0);
  t.like(events.of('tick')[0], { outcome: 'paused', detail: 'incident 42' });
});

test('skipped, budget spent: the daily cap from persisted history holds after a restart', async (t) => {
  const kills = Array.from({ length: 10 }, (_, i) => ({
    id: `k${i}`,
    at: new Date(FRIDAY.getTime() - (i + 2) * 3_600_000).toISOString(),
    target: `other/Deployment/w${i}`,
    action: 'pod-evict' as const,
    result: 'killed' as const,
    dryRun: false,
    count: 1,
  }));
  const { cluster, events, round } = setup({ state: { kills } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 0);
  t.like(events.of('skip')[0], { reason: 'budget-spent' });
});

test('skipped, outside window: nothing is even listed', async (t) => {
  const { cluster, events, round } = setup();
  cluster.failSnapshot = new Error('must not be called');
  const saturday = new Date('2026-11-21T10:00:00Z');
  const summary = await round.tick({ at: saturday, nextTick: new Date(saturday.getTime() + 600_000) });
  t.is(summary.outcome, 'outside-window');
  t.is(events.of('error').length, 0);
});

test('dry run: every step but the mutation, and it says so', async (t) => {
  const { cluster, store, events, round } = setup({ env: { HAVOC_DRY_RUN: 'true' } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  await round.settle();
  t.deepEqual(
    cluster.kills.map((k) => k.dryRun),
    [true],
  );
  t.is(cluster.workloads[0]?.pods.length, 3);
  t.like(events.of('kill')[0], { dryRun: true, outcome: { result: 'killed' } });
  t.like(events.of('recovery')[0], { dryRun: true, verdict: { recovered: true } });
  t.like(store.state.kills[0], { dryRun: true });
});

test('not recovered: the verdict names what was missing after the timeout', async (t) => {
  const { events, round } = setup({ healOnSleep: false, env: { HAVOC_PODS_RECOVERY_TIMEOUT: '1m' } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  await round.settle();
  const verdict = events.of('recovery')[0]?.verdict;
  t.false(verdict?.recovered);
  t.true(verdict !== undefined && !verdict.recovered && verdict.detail.includes('2/3 pods ready'));
  t.true((verdict?.seconds ?? 0) >= 60);
});

test('a failed tick is reported and the next tick runs', async (t) => {
  const { cluster, events, round } = setup();
  cluster.failSnapshot = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { kind: 'api-unreachable' });
  const failed = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(failed.outcome, 'failed');
  t.like(events.of('error')[0], { kind: 'api-unreachable' });
  delete cluster.failSnapshot;
  const next = await round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(next.outcome, 'acted');
});

test('no kill when the budget reservation cannot be written (fail closed)', async (t) => {
  const { cluster, store, round } = setup();
  store.failWrites = new Error('ConfigMap update forbidden');
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(summary.outcome, 'failed');
  t.is(cluster.kills.length, 0);
});

test('ticks never overlap', async (t) => {
  const { round } = setup();
  const [a, b] = await Promise.all([round.tick({ at: FRIDAY, nextTick: NEXT }), round.tick({ at: FRIDAY, nextTick: NEXT })]);
  t.deepEqual([a.outcome, b.outcome].sort(), ['acted', 'overlap']);
});

test('only the leader acts', async (t) => {
  const { cluster, deps } = setup();
  const round = createChaosRound({ ...deps, leadership: { isLeader: () => false } });
  t.is((await round.tick({ at: FRIDAY, nextTick: NEXT })).outcome, 'not-leader');
  t.is(cluster.kills.length, 0);
});

test('protected and excluded namespaces are never touched, whatever their labels', async (t) => {
  const workloads = [
    deployment('kube-system', 'coredns', 3, alwaysHit, LONG_AGO),
    deployment('kube-havoc', 'kube-havoc', 2, alwaysHit, LONG_AGO),
    deployment('payments', 'ledger', 3, alwaysHit, LONG_AGO),
  ];
  const { cluster, round } = setup({ workloads, env: { HAVOC_NAMESPACES_EXCLUDE: 'payments' } });
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(summary.eligible, 0);
  t.is(cluster.kills.length, 0);
});

test("the daemon's own namespace is protected even when not configured", async (t) => {
  const w = deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO);
  const { cluster, round } = setup({ workloads: [w], env: { POD_NAMESPACE: 'shop', HAVOC_NAMESPACES_PROTECTED: '' } });
  t.is((await round.tick({ at: FRIDAY, nextTick: NEXT })).eligible, 0);
  t.is(cluster.kills.length, 0);
});

test('a bad label skips that workload only, with one warning per bad value', async (t) => {
  const workloads = [
    deployment('shop', 'cart', 3, { 'havoc/enabled': 'true', 'havoc/mtbf': 'banana' }, LONG_AGO),
    deployment('shop', 'checkout', 3, alwaysHit, LONG_AGO),
  ];
  const { cluster, events, round } = setup({ workloads, env: { HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s' } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  await round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.deepEqual(
    events.of('invalid-label').map((o) => [o.workload.name, o.field, o.value]),
    [['cart', 'havoc/mtbf', 'banana']],
  );
  t.true(cluster.kills.every((k) => k.pod.startsWith('shop/checkout')));
  t.true(cluster.kills.length >= 1);
});

test('kill modes are capped by the unavailability share', async (t) => {
  const w = deployment('shop', 'checkout', 4, { ...alwaysHit, 'havoc/kill-mode': 'all' }, LONG_AGO);
  const { cluster, round } = setup({
    workloads: [w],
    env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '10', HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '10' },
  });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 2, '50% of 4 replicas');
});

test('the daily plan is sent once per local day, also across restarts', async (t) => {
  const { store, events, round } = setup();
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  const restarted = restartedRound(store, events.report, NEXT);
  await restarted.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(events.of('day-plan').length, 1);
  t.like(events.of('day-plan')[0]?.plan, { eligible: 1, dryRun: false });
});

test('an overnight window sends its day plan once per night, not again after midnight', async (t) => {
  // Thursday 23:00 and Friday 01:00 in Berlin are one window of 22:00-06:00; Friday 23:00 is the next one.
  const env = { HAVOC_SCHEDULE_START: '22:00', HAVOC_SCHEDULE_END: '06:00', HAVOC_SCHEDULE_OVERNIGHT: 'true' };
  const { events, round, clock } = setup({ env });
  for (const at of ['2026-11-19T22:00:00Z', '2026-11-20T00:00:00Z', '2026-11-20T22:00:00Z']) {
    clock.set(new Date(at));
    await round.tick({ at: new Date(at), nextTick: new Date(Date.parse(at) + 600_000) });
    await round.settle();
  }
  t.deepEqual(
    events.of('day-plan').map((o) => o.at.toISOString()),
    ['2026-11-19T22:00:00.000Z', '2026-11-20T22:00:00.000Z'],
  );
});

test('the kill switch is announced once per pause and once per resume, across restarts and leader changes', async (t) => {
  const store = memoryStateStore({ kills: [] });
  const events = recorder();
  let at = FRIDAY;
  // Each call is a fresh process (a restart, or another replica taking the lease) on the same persisted state.
  const restartedTick = async () => {
    const round = restartedRound(store, events.report, at);
    await round.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
    at = new Date(at.getTime() + 600_000);
    return round;
  };
  await pauseChaos({ store, reason: 'incident 42', by: 'alice', now: FRIDAY });
  const first = await restartedTick();
  await first.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
  await restartedTick();
  await restartedTick();
  await resumeChaos({ store, by: 'bob', now: at });
  await restartedTick();
  await restartedTick();
  t.deepEqual(
    events.occurrences.filter((o) => o.type === 'paused' || o.type === 'resumed').map((o) => [o.type, o.by]),
    [
      ['paused', 'alice'],
      ['resumed', 'bob'],
    ],
  );
});

test('a failed kill keeps its budget: the effect on the server is unknown, so no second pod goes this tick', async (t) => {
  const workloads = [deployment('shop', 'a', 3, alwaysHit, LONG_AGO), deployment('shop', 'b', 3, alwaysHit, LONG_AGO)];
  const { cluster, store, round } = setup({ workloads });
  cluster.nextOutcome = { result: 'failed', detail: 'evict pod: headers timeout' };
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 1);
  t.like(store.state.kills[0], { result: 'failed', count: 1 });
});

test('the reservation re-checks the fresh state: budget spent by another replica meanwhile means no kill', async (t) => {
  const { cluster, store, events, round } = setup({ env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '1' } });
  const update = store.update.bind(store);
  let raced = false;
  store.update = async (change) => {
    // Just before our reservation (the write that adds a record), another replica writes first.
    if (!raced && change(store.state).kills.length > store.state.kills.length) {
      raced = true;
      store.state = {
        ...store.state,
        kills: [
          ...store.state.kills,
          {
            id: 'other',
            at: FRIDAY.toISOString(),
            target: 'x/Deployment/y',
            action: 'pod-evict',
            result: 'killed',
            dryRun: false,
            count: 1,
          },
        ],
      };
    }
    return update(change);
  };
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 0);
  t.like(events.of('skip')[0], { reason: 'budget-spent' });
  t.regex(events.of('skip')[0]?.detail ?? '', /budget spent meanwhile/);
});

test('a replica that loses the lease during the tick does not kill', async (t) => {
  const { cluster, events, deps } = setup();
  // The lease is lost while the drawn workload is read fresh, however often leadership was asked before.
  let leader = true;
  const fresh = cluster.workload.bind(cluster);
  cluster.workload = async (ref) => {
    leader = false;
    return fresh(ref);
  };
  const round = createChaosRound({ ...deps, leadership: { isLeader: () => leader } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 0);
  t.like(events.of('skip')[0], { reason: 'not-leader' });
});

test('a replica whose lease runs out while the reservation is written kills no victim', async (t) => {
  const { cluster, events, deps, store } = setup();
  // The reservation's check passed inside the write; the term ends before the write returns (a slow API server).
  let leader = true;
  const write = store.update.bind(store);
  store.update = async (change, options) => {
    const written = await write(change, options);
    if (written.kills.some((k) => k.result === 'reserved')) leader = false;
    return written;
  };
  const round = createChaosRound({ ...deps, leadership: { isLeader: () => leader } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.deepEqual(cluster.kills, [], 'no eviction after the term ended');
  t.like(events.of('skip')[0], { reason: 'not-leader' });
  t.like(store.state.kills[0], { count: 0 }, 'the reservation is settled with nothing spent');
});

test('a replica whose lease runs out while the kill switch is read before a further victim does not kill it', async (t) => {
  const labels = { ...alwaysHit, 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '2' };
  const { cluster, events, deps, store } = setup({
    workloads: [deployment('shop', 'checkout', 4, labels, LONG_AGO)],
    env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '3' },
  });
  let leader = true;
  const read = store.killSwitch.bind(store);
  store.killSwitch = async () => {
    const paused = await read();
    if (cluster.kills.length === 1) leader = false; // the read before the second victim outlasts the term
    return paused;
  };
  const round = createChaosRound({ ...deps, leadership: { isLeader: () => leader } });
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(cluster.kills.length, 1, 'the second victim is not evicted');
  t.like(events.of('skip')[0], { reason: 'not-leader' });
  t.like(store.state.kills[0], { result: 'killed', count: 1 });
});

test('a stale watch never leads to a kill: the fresh read right before it finds the workload degraded', async (t) => {
  const { cluster, events, round } = setup();
  const fresh = cluster.workload.bind(cluster);
  // The watch still says 3/3; the API server says one pod is not ready.
  cluster.workload = async (ref) => {
    const now = await fresh(ref);
    return now && { ...now, ready: 2, pods: now.pods.map((p, i) => (i === 0 ? { ...p, ready: false } : p)) };
  };
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(summary.killed, 0);
  t.deepEqual(cluster.kills, []);
  t.like(events.of('skip')[0], { reason: 'not-steady', detail: '2/3 replicas ready' });
});

test('pods are read only for the workloads drawn: a tick over many opted-in workloads reads one', async (t) => {
  const rare = { 'havoc/enabled': 'true', 'havoc/mtbf': '1000d' };
  const workloads = Array.from({ length: 50 }, (_, i) => deployment('shop', `w${i}`, 3, i === 7 ? alwaysHit : rare, LONG_AGO));
  const { cluster, round } = setup({ workloads, env: { HAVOC_DRY_RUN: 'true' } });
  const kill = cluster.kill.bind(cluster);
  let readsAtKill = -1;
  cluster.kill = (...args) => {
    readsAtKill = cluster.reads;
    return kill(...args);
  };
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(summary.eligible, 50);
  t.is(cluster.kills.length, 1);
  t.is(readsAtKill, 1, 'one fresh read, for the drawn workload');
  await round.settle();
  t.is(cluster.reads, 2, 'and one for its (dry-run) recovery verdict');
});

test('a kill says why with the MTBF in readable units: a 1m MTBF is "60s", not "0.0h"', async (t) => {
  const { events, round } = setup();
  await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(events.of('kill')[0]?.reason, 'opted in (havoc), mtbf 60s business time, mode one, chance this tick 100.0%');
});

test('a tick reads the state once, however many it kills: each write hands back the history the next kill decides on', async (t) => {
  const workloads = [deployment('shop', 'a', 3, alwaysHit, LONG_AGO), deployment('shop', 'b', 3, alwaysHit, LONG_AGO)];
  const { cluster, store, events, round } = setup({
    workloads,
    env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '2', HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '3' },
  });
  await round.tick({ at: LONG_AGO, nextTick: FRIDAY }); // the first tick of a leadership settles leftovers first
  const before = store.loads;
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT });
  t.is(summary.killed, 2);
  t.is(cluster.kills.length, 2);
  t.is(store.loads - before, 1);
  // The budget told after the second kill counts the first one, from the history the writes handed back.
  t.deepEqual(
    events.of('kill').map((k) => k.budget),
    [
      { tick: 1, hour: 2, day: 9 },
      { tick: 0, hour: 1, day: 8 },
    ],
  );
  t.deepEqual(events.of('tick').at(-1)?.budget, { tick: 0, hour: 1, day: 8 });
});
