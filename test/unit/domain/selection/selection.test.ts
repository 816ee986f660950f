import test from 'ava';
import { available, budgetLeft, lastAttempt } from '../../../../src/domain/budget/budget.ts';
import { eligiblePods, filterByMinGap, filterBySteadyState, namespaceVerdict } from '../../../../src/domain/selection/filters.ts';
import { blastRadiusAllowance, killCount } from '../../../../src/domain/selection/killCount.ts';
import { parseLabelSelector, type LabelSelector } from '../../../../src/domain/selection/labelSelector.ts';
import { hitProbability } from '../../../../src/domain/selection/candidates.ts';
import { seededRandom } from '../../../../src/domain/random.ts';
import type { KillRecord } from '../../../../src/domain/state.ts';
import { pod, rolloutDone } from '../../fakes/fakeCluster.ts';

const NOW = new Date('2026-11-20T10:00:00Z');
const selector = (text: string): LabelSelector => {
  const parsed = parseLabelSelector(text);
  if (parsed instanceof Error) throw parsed;
  return parsed;
};
const rules = (over: { include?: string[]; exclude?: string[]; selector?: string; protected?: string[] } = {}) => ({
  include: new Set(over.include ?? []),
  exclude: new Set(over.exclude ?? []),
  selector: selector(over.selector ?? ''),
  protected: new Set(over.protected ?? ['kube-system', 'kube-havoc']),
});

const nsCases: [string, ReturnType<typeof rules>, string, Record<string, string>, boolean][] = [
  ['empty criteria pass everything', rules(), 'shop', {}, true],
  ['protected wins over include', rules({ include: ['kube-system'] }), 'kube-system', {}, false],
  ['include list', rules({ include: ['shop'] }), 'billing', {}, false],
  ['exclude list', rules({ exclude: ['billing'] }), 'billing', {}, false],
  ['selector matches', rules({ selector: 'chaos=allowed,env notin (prod)' }), 'shop', { chaos: 'allowed', env: 'staging' }, true],
  ['selector rejects', rules({ selector: 'chaos=allowed,env notin (prod)' }), 'shop', { chaos: 'allowed', env: 'prod' }, false],
  ['selector with absence', rules({ selector: '!frozen' }), 'shop', { frozen: 'yes' }, false],
];
for (const [name, r, ns, labels, allowed] of nsCases) {
  test(`namespace filter: ${name}`, (t) => {
    t.is(namespaceVerdict(r, ns, { name: ns, labels }) === undefined, allowed);
  });
}

test('label selector syntax errors name the term', (t) => {
  const parsed = parseLabelSelector('team in (a,b');
  t.true(parsed instanceof Error && parsed.message.includes('"team in (a,b"'));
  t.true(parseLabelSelector('a=b,c!=d,e in (f, g),h,!i') instanceof Error === false);
});

test('steady state means every desired replica ready', (t) => {
  const old = new Date('2026-11-20T09:00:00Z');
  const pods = [pod('a', 'b-0', old), pod('a', 'b-1', old), pod('a', 'b-2', old)];
  const base = {
    ref: { kind: 'Deployment' as const, namespace: 'a', name: 'b' },
    uid: 'u',
    labels: {},
    annotations: {},
    rollout: rolloutDone(3),
    pods,
  };
  t.is(filterBySteadyState({ ...base, desired: 3, ready: 3 }), undefined);
  t.is(filterBySteadyState({ ...base, desired: 3, ready: 2 }), '2/3 replicas ready');
  t.is(filterBySteadyState({ ...base, desired: 0, ready: 0 }), 'scaled to zero');
  // The controller's status lags: the fresh pod list says one pod is going.
  const lagging = { ...base, desired: 3, ready: 3, pods: [pods[0]!, pods[1]!, { ...pods[2]!, terminating: true }] };
  t.is(filterBySteadyState(lagging), '2/3 replicas ready');
});

test('minimum gap between attempts', (t) => {
  t.is(filterByMinGap(undefined, NOW, 3600), undefined);
  t.is(filterByMinGap(new Date(NOW.getTime() - 3_600_000), NOW, 3600), undefined);
  t.truthy(filterByMinGap(new Date(NOW.getTime() - 3_599_000), NOW, 3600));
});

test('eligible pods: running, not terminating, old enough, not the daemon itself', (t) => {
  const old = new Date(NOW.getTime() - 3_600_000);
  const pods = [
    pod('shop', 'ok', old),
    pod('shop', 'pending', old, { phase: 'Pending' }),
    pod('shop', 'unready', old, { ready: false }),
    pod('shop', 'leaving', old, { terminating: true }),
    pod('shop', 'young', new Date(NOW.getTime() - 60_000)),
    pod('shop', 'havoc-self', old),
    pod('shop', 'unstarted', old, { startedAt: undefined }),
  ];
  const names = eligiblePods(pods, { now: NOW, minAgeSeconds: 300, self: { namespace: 'shop', podName: 'havoc-self' } }).map(
    (p) => p.name,
  );
  t.deepEqual(names, ['ok']);
});

const modeCases: [string, Parameters<typeof killCount>[0]['mode'], number | undefined, number, number][] = [
  ['one', 'one', undefined, 5, 1],
  ['all', 'all', undefined, 5, 5],
  ['fixed', 'fixed', 2, 5, 2],
  ['fixed more than there are', 'fixed', 9, 5, 5],
  ['fixed-percent rounds down', 'fixed-percent', 50, 5, 2],
  ['fixed-percent takes at least one', 'fixed-percent', 10, 5, 1],
  ['no pods, no kill', 'all', undefined, 0, 0],
];
for (const [name, mode, value, pods, expected] of modeCases) {
  test(`kill count: ${name}`, (t) => {
    t.is(killCount({ mode, value }, pods, seededRandom(1)), expected);
  });
}

test('kill count: random-max-percent stays between one and the percentage', (t) => {
  const random = seededRandom(5);
  const seen = new Set(Array.from({ length: 200 }, () => killCount({ mode: 'random-max-percent', value: 50 }, 10, random)));
  t.deepEqual([...seen].sort(), [1, 2, 3, 4, 5]);
});

const radiusCases: [number, number, number, number][] = [
  // desired, ready, percent, allowance
  [4, 4, 50, 2],
  [4, 3, 50, 1],
  [4, 2, 50, 0],
  [1, 1, 50, 1],
  [10, 10, 25, 2],
  [3, 3, 100, 3],
];
for (const [desired, ready, percent, allowance] of radiusCases) {
  test(`blast radius: ${ready}/${desired} ready at ${percent}% allows ${allowance}`, (t) => {
    t.is(blastRadiusAllowance({ desired, ready, maxUnavailablePercent: percent }), allowance);
  });
}

const record = (minutesAgo: number, over: Partial<KillRecord> = {}): KillRecord => ({
  id: `${minutesAgo}`,
  at: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
  target: 'shop/Deployment/a',
  action: 'pod-evict',
  result: 'killed',
  dryRun: false,
  count: 1,
  ...over,
});

test('budgets: rolling hour and day, dry run counted apart, blocked attempts free', (t) => {
  const history = [
    record(10),
    record(50, { count: 2 }),
    record(70),
    record(23 * 60),
    record(25 * 60),
    record(5, { dryRun: true }),
    record(6, { result: 'blocked', count: 0 }),
  ];
  const caps = { perTick: 2, perHour: 4, perDay: 6 };
  t.deepEqual(budgetLeft({ history, now: NOW, caps, dryRun: false, spentThisTick: 1 }), { tick: 1, hour: 1, day: 1 });
  t.deepEqual(budgetLeft({ history, now: NOW, caps, dryRun: true }), { tick: 2, hour: 3, day: 5 });
  t.is(available(budgetLeft({ history, now: NOW, caps, dryRun: false, spentThisTick: 2 })), 0);
  t.is(lastAttempt(history, 'shop/Deployment/a', false)?.toISOString(), new Date(NOW.getTime() - 6 * 60_000).toISOString());
});

test("hit probability is the tick's business span over the MTBF, capped at one", (t) => {
  t.is(hitProbability(3600, 600), 1 / 6);
  t.is(hitProbability(300, 600), 1);
  t.is(hitProbability(3600, 0), 0);
});
