// The steady-state domain on a hand-written MetricsSource: which hypothesis a
// workload has, how a check reads, alert matchers, the blocker streak, the
// verdict after recovery, and the round's three hooks.

import test from 'ava';
import type { Occurrence } from '../../../../src/domain/occurrence.ts';
import type { Clock, MetricsSource, QueryAnswer } from '../../../../src/domain/ports.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { blockerQuery, matcherProblem } from '../../../../src/domain/steadyState/blockers.ts';
import { checkHypothesis, hypothesisFor, leftSide, templateProblems } from '../../../../src/domain/steadyState/hypothesis.ts';
import { createSteadyStateGate } from '../../../../src/domain/steadyState/steadyStateGate.ts';
import { confirmHypothesis } from '../../../../src/domain/steadyState/confirmHypothesis.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { recorder } from '../../fakes/recordingListener.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

const T0 = new Date('2026-03-04T10:00:00Z');
const vector = (...values: string[]): QueryAnswer => ({ ok: true, samples: values.map((value) => ({ labels: {}, value })) });
const EMPTY = vector();
const DOWN: QueryAnswer = { ok: false, problem: 'unreachable', detail: 'http://prom:9090: connect ECONNREFUSED' };

/** Answers by exact expression; `answers` can be changed between calls. Unknown queries fail the test loudly. */
function fakeSource(answers: Record<string, QueryAnswer | QueryAnswer[]>): MetricsSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async query(expr) {
      asked.push(expr);
      const answer = answers[expr];
      if (answer === undefined) throw new Error(`unexpected query ${expr}`);
      // A list is a sequence: one answer per call, the last one repeats.
      return Array.isArray(answer) ? (answer.length > 1 ? (answer.shift() as QueryAnswer) : (answer[0] as QueryAnswer)) : answer;
    },
  };
}

const web = (annotations: Record<string, string> = {}) =>
  deployment('shop', 'web', 3, { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' }, new Date(T0.getTime() - 3_600_000), annotations);

test('the annotation wins over the default template; the template gets namespace, name and kind', (t) => {
  const options = { prefix: 'havoc', defaultTemplate: 'up{namespace="{{namespace}}",job="{{ name }}",kind="{{kind}}"} == 1' };
  t.deepEqual(hypothesisFor(web({ 'havoc/steady-state': ' x < 1 ' }), options), { expr: 'x < 1', source: 'havoc/steady-state' });
  t.deepEqual(hypothesisFor(web(), options), {
    expr: 'up{namespace="shop",job="web",kind="Deployment"} == 1',
    source: 'steadyState.defaultHypothesis',
  });
  t.is(hypothesisFor(web(), { prefix: 'havoc', defaultTemplate: '' }), undefined);
  t.is(
    hypothesisFor(web({ 'chaos/steady-state': 'x' }), { prefix: 'havoc', defaultTemplate: '' }),
    undefined,
    'another prefix is not ours',
  );
  t.deepEqual(templateProblems('x{a="{{namespace}}",b="{{pod}}"}'), [
    '{{pod}} is not a template variable (use {{namespace}}, {{name}}, {{kind}})',
  ]);
});

const sides: [string, string | undefined][] = [
  ['rate(errors[5m]) / rate(requests[5m]) < 0.01', 'rate(errors[5m]) / rate(requests[5m])'],
  ['histogram_quantile(0.99, sum by (le) (rate(b[5m]))) <= bool 0.25', 'histogram_quantile(0.99, sum by (le) (rate(b[5m])))'],
  ['up >= 1e3', 'up'],
  ['a >= b', undefined],
  ['up', undefined],
  ['max(x < 3)', undefined],
];
for (const [expr, lhs] of sides) {
  test(`the value shown for a failed hypothesis comes from the left side: ${expr}`, (t) => {
    t.is(leftSide(expr), lhs);
  });
}

test('a check: holds with the value, fails with the value of the left side, unknown or invalid with the reason', async (t) => {
  const source = fakeSource({
    'ok < 1': vector('0.5'),
    'bad < 1': EMPTY,
    bad: vector('7'),
    'down < 1': DOWN,
    nolhs: EMPTY,
    'broken(': { ok: false, problem: 'invalid-query', detail: '1:7: parse error' },
  });
  const check = (expr: string) => checkHypothesis(source, { expr, source: 'havoc/steady-state' });
  t.deepEqual(await check('ok < 1'), { state: 'holds', value: '0.5' });
  t.deepEqual(await check('bad < 1'), { state: 'fails', value: '7', detail: 'bad < 1 returned no result; value seen: 7' });
  t.deepEqual(await check('nolhs'), { state: 'fails', detail: 'nolhs returned no result' });
  t.deepEqual(await check('down < 1'), {
    state: 'unknown',
    detail: 'Prometheus unreachable: http://prom:9090: connect ECONNREFUSED',
  });
  t.deepEqual(await check('broken('), { state: 'invalid', detail: '1:7: parse error' });
});

const matchers: [string, string | undefined][] = [
  ['severity="critical"', undefined],
  ['alertname=~"KubeAPIDown|EtcdNoLeader", severity!="info"', undefined],
  ['namespace="{{namespace}}",severity="warning"', undefined],
  ['{severity="critical"}', 'must be label matchers without braces'],
  ['severity=critical', 'is not a label matcher'],
  ['alertname=~"(unclosed"', 'is not a regular expression'],
  ['team="{{team}}"', '{{team}} is not a template variable of a blocker'],
  ['', 'is empty'],
];
for (const [text, problem] of matchers) {
  test(`alert matcher ${JSON.stringify(text)}: ${problem ?? 'accepted'}`, (t) => {
    const found = matcherProblem(text);
    if (problem === undefined) t.is(found, undefined);
    else t.true(found?.includes(problem), found);
  });
}

test('blockers become one ALERTS query (an OR), per-namespace ones with the namespace filled in', (t) => {
  t.is(
    blockerQuery(['severity="critical"', 'alertname="X"']),
    'ALERTS{alertstate="firing",severity="critical"} or ALERTS{alertstate="firing",alertname="X"}',
  );
  t.is(blockerQuery(['namespace="{{namespace}}"'], 'shop'), 'ALERTS{alertstate="firing",namespace="shop"}');
  t.is(blockerQuery([]), undefined);
});

/** The gate with no default hypothesis, as most cases want it: the blockers and the source are what they vary. */
const gateOn = (options: { source: MetricsSource; blockers: string[]; clock: Clock; report: (o: Occurrence) => void }) =>
  createSteadyStateGate({ ...options, prefix: 'havoc', defaultHypothesis: '' });

const CRITICAL = 'ALERTS{alertstate="firing",severity="critical"}';
const firing = (...names: string[]): QueryAnswer => ({
  ok: true,
  samples: names.map((alertname) => ({ labels: { alertname }, value: '1' })),
});

test('the blocker streak is reported when it starts, when its alerts change and when it ends, not every tick', async (t) => {
  const source = fakeSource({ [CRITICAL]: [firing('A'), firing('A'), firing('A', 'B'), DOWN, DOWN, EMPTY, EMPTY] });
  const seen = recorder();
  const gate = gateOn({ source, blockers: ['severity="critical"'], clock: fakeClock(T0), report: seen.report });
  const results = [];
  for (let i = 0; i < 7; i += 1) results.push(await gate.blocked(T0));
  t.deepEqual(
    results.map((r) => r !== undefined),
    [true, true, true, true, true, false, false],
  );
  t.regex(results[3] ?? '', /cannot ask Prometheus for firing alerts \(unreachable\).*fail closed/);
  t.deepEqual(
    seen.of('blocker').map((o) => [o.firing, o.alerts.join(',')]),
    [
      [true, 'A'],
      [true, 'A,B'],
      [true, ''],
      [false, ''],
    ],
  );
});

test('before a kill: a per-namespace blocker, then the hypothesis; an invalid one warns once per expression', async (t) => {
  const nsQuery = 'ALERTS{alertstate="firing",namespace="shop"}';
  const source = fakeSource({
    [nsQuery]: [firing('ShopDown'), EMPTY],
    'ok < 1': vector('0'),
    'broken(': { ok: false, problem: 'invalid-query', detail: 'parse error' },
  });
  const seen = recorder();
  const gate = gateOn({ source, blockers: ['namespace="{{namespace}}"'], clock: fakeClock(T0), report: seen.report });
  t.deepEqual(await gate.beforeKill(web({ 'havoc/steady-state': 'ok < 1' }), T0), {
    reason: 'blocker-firing',
    detail: 'blocking alert firing in namespace shop: ShopDown',
  });
  t.is(await gate.beforeKill(web({ 'havoc/steady-state': 'ok < 1' }), T0), undefined);
  t.is(await gate.blocked(T0), undefined, 'a per-namespace matcher never blocks the whole tick');
  for (let i = 0; i < 3; i += 1)
    t.like(await gate.beforeKill(web({ 'havoc/steady-state': 'broken(' }), T0), { reason: 'hypothesis-invalid' });
  t.deepEqual(
    seen.of('invalid-label').map((o) => [o.field, o.value, o.message]),
    [['havoc/steady-state', 'broken(', 'is not valid PromQL: parse error']],
  );
});

test('after recovery the hypothesis is asked again until it holds, within the recovery timeout', async (t) => {
  const clock = fakeClock(T0);
  const source = fakeSource({ 'x < 1': [EMPTY, EMPTY, vector('0.5')], x: vector('3') });
  const verdict = await confirmHypothesis({
    source,
    clock,
    hypothesis: { expr: 'x < 1', source: 'a' },
    deadline: new Date(T0.getTime() + 60_000),
    pollSeconds: 5,
    signal: new AbortController().signal,
  });
  t.deepEqual(verdict, { verdict: 'held', expr: 'x < 1', value: '0.5' });
  t.is(clock.now().getTime() - T0.getTime(), 10_000, 'two polls of 5 s');
});

test('after recovery: violated with the value at the deadline; not checked when Prometheus is down or there is no hypothesis', async (t) => {
  const clock = fakeClock(T0);
  const watch = { clock, deadline: new Date(T0.getTime() + 20_000), pollSeconds: 5, signal: new AbortController().signal };
  t.deepEqual(
    await confirmHypothesis({
      ...watch,
      source: fakeSource({ 'x < 1': EMPTY, x: vector('3') }),
      hypothesis: { expr: 'x < 1', source: 'a' },
    }),
    { verdict: 'violated', expr: 'x < 1', value: '3', detail: 'x < 1 returned no result; value seen: 3' },
  );
  t.is(clock.now().getTime(), watch.deadline.getTime(), 'it kept asking until the timeout');
  t.deepEqual(
    await confirmHypothesis({ ...watch, source: fakeSource({ 'x < 1': DOWN }), hypothesis: { expr: 'x < 1', source: 'a' } }),
    { verdict: 'not-checked', expr: 'x < 1', detail: 'Prometheus unreachable: http://prom:9090: connect ECONNREFUSED' },
  );
  t.deepEqual(await confirmHypothesis({ ...watch, source: fakeSource({}), hypothesis: undefined }), {
    verdict: 'not-checked',
    detail: 'the workload has no steady-state hypothesis',
  });
});

test('the round: a firing blocker stops the whole tick; a failing hypothesis skips the kill; a kill ends with a verdict', async (t) => {
  const answers: Record<string, QueryAnswer | QueryAnswer[]> = {
    [CRITICAL]: firing('Down'),
    'ok < 1': vector('0'),
    'x < 1': EMPTY,
    x: vector('9'),
  };
  const source = fakeSource(answers);
  const cluster = fakeCluster([web({ 'havoc/steady-state': 'ok < 1' })]);
  const clock = fakeClock(T0, { onSleep: (c) => cluster.heal(c.now()) });
  const seen = recorder();
  const steadyState = gateOn({ source, blockers: ['severity="critical"'], clock, report: seen.report });
  const { deps, store } = roundDeps({
    clock,
    cluster,
    env: { HAVOC_SCHEDULE_WEEKDAYS: 'sun,mon,tue,wed,thu,fri,sat', HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s' },
    seed: 1,
    report: seen.report,
    steadyState,
  });
  const round = createChaosRound(deps);
  const tick = async () => {
    clock.advance(60_000);
    const summary = await round.tick({ at: clock.now(), nextTick: new Date(clock.now().getTime() + 600_000) });
    await round.settle();
    return summary;
  };
  t.like(await tick(), { outcome: 'blocked', killed: 0 });
  answers[CRITICAL] = EMPTY;
  t.like(await tick(), { outcome: 'acted', killed: 1 });
  t.like(seen.of('recovery')[0], { verdict: { recovered: true }, hypothesis: { verdict: 'held', expr: 'ok < 1', value: '0' } });
  // The verdict is kept with the kill, so the recent kills and `status` show it after a restart.
  t.like(store.state.kills.find((k) => k.result === 'killed')?.recovery, {
    recovered: true,
    hypothesis: { verdict: 'held', detail: 'held (0)' },
  });

  cluster.workloads = [web({ 'havoc/steady-state': 'x < 1' })];
  t.like(await tick(), { killed: 0 });
  t.like(seen.of('skip')[0], {
    reason: 'hypothesis-failed',
    detail: 'steady-state hypothesis does not hold: x < 1 returned no result; value seen: 9',
  });
  t.is(cluster.kills.length, 1);
  t.deepEqual(
    seen.occurrences.filter((o: Occurrence) => o.type === 'blocker').map((o) => (o as { firing: boolean }).firing),
    [true, false],
  );
});

test('Prometheus queries per tick grow with the workloads hit, not with those opted in (invariant 12)', async (t) => {
  const source = fakeSource({ [CRITICAL]: EMPTY, 'ok < 1': vector('0') });
  const many = Array.from({ length: 200 }, (_, i) =>
    deployment('shop', `svc-${i}`, 2, { 'havoc/enabled': 'true', 'havoc/mtbf': '1000d' }, new Date(T0.getTime() - 3_600_000), {
      'havoc/steady-state': 'ok < 1',
    }),
  );
  const cluster = fakeCluster([...many, web({ 'havoc/steady-state': 'ok < 1' })]);
  const clock = fakeClock(T0, { onSleep: (c) => cluster.heal(c.now()) });
  const steadyState = gateOn({ source, blockers: ['severity="critical"'], clock, report: () => undefined });
  const round = createChaosRound(
    roundDeps({
      clock,
      cluster,
      env: { HAVOC_SCHEDULE_WEEKDAYS: 'sun,mon,tue,wed,thu,fri,sat' },
      seed: 3,
      report: () => undefined,
      steadyState,
    }).deps,
  );
  await round.tick({ at: clock.now(), nextTick: new Date(clock.now().getTime() + 600_000) });
  await round.settle();
  t.is(cluster.kills.length, 1, 'only web (mtbf 1m) is hit');
  // One blocker query for the tick, one hypothesis check before the kill, one after recovery.
  t.deepEqual(source.asked, [CRITICAL, 'ok < 1', 'ok < 1']);
});
