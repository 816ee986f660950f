// What the round keeps per workload across ticks stays bounded by the
// workloads that exist now, whatever the churn (preview namespaces made and
// deleted all day): the warning dedup of bad labels and of bad steady-state
// expressions forgets the workloads it no longer finds.

import test from 'ava';
import type { MetricsSource, QueryAnswer } from '../../../../src/domain/ports.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { createSteadyStateGate } from '../../../../src/domain/steadyState/steadyStateGate.ts';
import { deployment, fakeCluster, type FakeCluster } from '../../fakes/fakeCluster.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

const T0 = new Date('2026-03-04T10:00:00Z');
const TEN_MINUTES = 600_000;
const ALWAYS = {
  HAVOC_SCHEDULE_WEEKDAYS: 'sun,mon,tue,wed,thu,fri,sat',
  HAVOC_SCHEDULE_START: '00:00',
  HAVOC_SCHEDULE_END: '24:00',
};
const badLabel = { 'havoc/enabled': 'true', 'havoc/mtbf': 'banana' };
const longAgo = new Date(T0.getTime() - 3_600_000);

function churningRound(cluster: FakeCluster, source?: MetricsSource) {
  const clock = fakeClock(T0, { onSleep: (c) => cluster.heal(c.now()) });
  const fakes = roundDeps({ clock, cluster, env: ALWAYS, seed: 5 });
  const steadyState = source
    ? createSteadyStateGate({
        source,
        clock,
        report: fakes.events.report,
        prefix: 'havoc',
        defaultHypothesis: '',
        blockers: [],
      })
    : undefined;
  const round = createChaosRound({ ...fakes.deps, ...(steadyState ? { steadyState } : {}) });
  const tick = async () => {
    clock.advance(TEN_MINUTES);
    await round.tick({ at: clock.now(), nextTick: new Date(clock.now().getTime() + TEN_MINUTES) });
    await round.settle();
  };
  return { round, tick, events: fakes.events };
}

test('10,000 workloads with bad labels made and deleted over 100 ticks: each warned once, and the round keeps only the bad ones that exist', async (t) => {
  const cluster = fakeCluster([]);
  const { round, tick, events } = churningRound(cluster);
  let most = 0;
  for (let batch = 0; batch < 100; batch += 1) {
    // The previous preview namespace is deleted, a new one made with 100 workloads.
    cluster.workloads = Array.from({ length: 100 }, (_, i) => deployment(`preview-${batch}`, `svc-${i}`, 1, badLabel, longAgo));
    await tick();
    await tick();
    most = Math.max(most, round.held().labelWarnings);
  }
  t.is(events.of('invalid-label').length, 10_000, 'every bad workload warned once, none twice');
  t.is(most, 100, 'never more entries than bad workloads existing at once');
  cluster.workloads = [];
  await tick();
  t.deepEqual(round.held(), { labelWarnings: 0, hypothesisWarnings: 0, recovering: 0 });
});

test('a bad label fixed and then broken again with the same value is warned again, and so is one that opted out and back in', async (t) => {
  const cart = (labels: Record<string, string>) => deployment('shop', 'cart', 1, labels, longAgo);
  const cluster = fakeCluster([cart(badLabel)]);
  const { tick, events } = churningRound(cluster);
  await tick();
  await tick();
  cluster.workloads = [cart({ 'havoc/enabled': 'true', 'havoc/mtbf': '1000d' })];
  await tick();
  cluster.workloads = [cart(badLabel)];
  await tick();
  // Opting out (the label removed) and back in: the owner acts on it again, and the first warning's Event is long gone.
  cluster.workloads = [cart({ 'havoc/mtbf': 'banana' })];
  await tick();
  cluster.workloads = [cart(badLabel)];
  await tick();
  t.is(events.of('invalid-label').length, 3);
});

test('a workload deleted and made again under its name with the same bad label is a new object, warned again', async (t) => {
  const cluster = fakeCluster([deployment('shop', 'cart', 1, badLabel, longAgo)]);
  const { tick, events } = churningRound(cluster);
  await tick();
  cluster.workloads = [{ ...deployment('shop', 'cart', 1, badLabel, longAgo), uid: 'uid-shop-cart-2' }];
  await tick();
  t.deepEqual(
    events.of('invalid-label').map((o) => o.workloadUid),
    ['uid-shop-cart', 'uid-shop-cart-2'],
  );
});

test('10,000 workloads with a bad steady-state expression made and deleted: warned once each, the gate keeps only those opted in now', async (t) => {
  const invalid: QueryAnswer = { ok: false, problem: 'invalid-query', detail: 'parse error' };
  const source: MetricsSource = { query: async () => invalid };
  const cluster = fakeCluster([]);
  const { round, tick, events } = churningRound(cluster, source);
  let most = 0;
  for (let batch = 0; batch < 100; batch += 1) {
    cluster.workloads = Array.from({ length: 100 }, (_, i) =>
      deployment(`preview-${batch}`, `svc-${i}`, 2, { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' }, longAgo, {
        'havoc/steady-state': 'broken(',
      }),
    );
    await tick();
    most = Math.max(most, round.held().hypothesisWarnings);
  }
  t.is(events.of('invalid-label').length, 10_000);
  t.is(events.of('kill').length, 0, 'an invalid hypothesis never lets a kill through');
  t.is(most, 100);
  cluster.workloads = [];
  await tick();
  t.is(round.held().hypothesisWarnings, 0);
});
