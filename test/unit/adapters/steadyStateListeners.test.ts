// Every listener handles the steady-state occurrences: the blocker streak and
// the hypothesis verdict on a recovery reach Slack, the log, the metrics and
// the Events in their own words, with bounded metric labels.

import test from 'ava';
import { Registry } from 'prom-client';
import { havocEvents } from '../../../src/adapters/kubernetes/havocEvents.ts';
import { createLogListener } from '../../../src/adapters/log/logListener.ts';
import { createHavocMetrics } from '../../../src/adapters/metrics/havocMetrics.ts';
import { notificationFor } from '../../../src/adapters/notify/notificationFor.ts';
import type { Occurrence } from '../../../src/domain/occurrence.ts';
import type { HypothesisVerdict } from '../../../src/domain/steadyState/verdict.ts';
import { recordingLog } from '../fakes/recordingListener.ts';

const at = new Date('2026-03-04T10:00:00Z');
const blockerOn: Occurrence = {
  type: 'blocker',
  at,
  firing: true,
  alerts: ['EtcdNoLeader', 'KubeAPIDown'],
  detail: 'alerts firing: EtcdNoLeader, KubeAPIDown',
};
const blockerOff: Occurrence = {
  type: 'blocker',
  at,
  firing: false,
  alerts: [],
  detail: 'no blocking alert fires any more; chaos resumes',
};
const recovery = (hypothesis?: HypothesisVerdict): Occurrence => ({
  type: 'recovery',
  at,
  victims: 1,
  action: 'pod-evict',
  dryRun: false,
  verdict: { recovered: true, seconds: 12 },
  target: {
    kind: 'Pod',
    namespace: 'shop',
    name: 'web-1',
    uid: 'p1',
    workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    workloadUid: 'w1',
  },
  ...(hypothesis ? { hypothesis } : {}),
});
const violated: HypothesisVerdict = {
  verdict: 'violated',
  expr: 'ratio < 0.01',
  value: '0.2',
  detail: 'ratio < 0.01 returned no result; value seen: 0.2',
};
const fields = (o: Occurrence) =>
  Object.fromEntries((notificationFor(o, { clusterName: 'prod' })?.fields ?? []).map((f) => [f.label, f.value]));

test('Slack: a blocker streak says which alerts block, and its end says chaos resumes', (t) => {
  t.like(notificationFor(blockerOn, { clusterName: 'prod' }), {
    topic: 'blocker',
    tone: 'warning',
    title: 'Chaos blocked',
    summary: 'Chaos blocked in prod: alerts firing: EtcdNoLeader, KubeAPIDown',
  });
  t.is(fields(blockerOn)['Blocking alerts'], 'EtcdNoLeader, KubeAPIDown');
  t.like(notificationFor(blockerOff, { clusterName: 'prod' }), { topic: 'blocker', tone: 'good', title: 'Chaos unblocked' });
});

test('Slack: the recovery follow-up carries the hypothesis verdict; a violated one is the title', (t) => {
  t.like(notificationFor(recovery(violated), { clusterName: 'prod' }), {
    tone: 'danger',
    title: 'Hypothesis VIOLATED: Deployment shop/web',
  });
  t.is(fields(recovery(violated))['Steady-state hypothesis'], 'VIOLATED: ratio < 0.01 returned no result; value seen: 0.2');
  t.is(fields(recovery({ verdict: 'held', expr: 'x', value: '0.001' }))['Steady-state hypothesis'], 'held (0.001)');
  t.like(notificationFor(recovery(), { clusterName: 'prod' }), { tone: 'good', title: 'Recovered: Deployment shop/web' });
  t.false('Steady-state hypothesis' in fields(recovery()), 'no Prometheus, no line');
});

test('log: the blocker streak is a warning naming the alerts; a recovery line carries the verdict', (t) => {
  const log = recordingLog();
  const listener = createLogListener({ log });
  void listener.on(blockerOn);
  void listener.on(recovery({ verdict: 'not-checked', expr: 'x', detail: 'Prometheus unreachable: timeout' }));
  void listener.on(recovery(violated));
  t.like(log.lines[0], {
    level: 'warn',
    msg: 'no chaos: alerts firing: EtcdNoLeader, KubeAPIDown',
    obj: { event: 'blocker', alerts: ['EtcdNoLeader', 'KubeAPIDown'] },
  });
  t.like(log.lines[1], { level: 'info', obj: { hypothesis: 'not-checked' } });
  t.regex(log.lines[1]?.msg ?? '', /steady-state hypothesis not checked: Prometheus unreachable: timeout/);
  t.like(log.lines[2], { level: 'warn', obj: { hypothesis: 'violated', expr: 'ratio < 0.01' } });
});

test('metrics: blocked gauge and the blocking alerts follow the streak; verdicts count by bounded labels; blocked ticks count', async (t) => {
  const metrics = createHavocMetrics({ registry: new Registry(), defaultMetrics: false });
  void metrics.listener.on(blockerOn);
  t.is((await metrics.blocked.get()).values[0]?.value, 1);
  t.deepEqual((await metrics.blockingAlerts.get()).values.map((v) => v.labels['alertname']).sort(), [
    'EtcdNoLeader',
    'KubeAPIDown',
  ]);
  void metrics.listener.on({ type: 'blocker', at, firing: true, alerts: [], detail: 'cannot ask Prometheus' });
  t.deepEqual(
    (await metrics.blockingAlerts.get()).values.map((v) => v.labels['alertname']),
    [''],
    'unreachable: one series with an empty name',
  );
  void metrics.listener.on(blockerOff);
  t.is((await metrics.blocked.get()).values[0]?.value, 0);
  t.deepEqual((await metrics.blockingAlerts.get()).values, []);
  void metrics.listener.on({ type: 'tick', at, outcome: 'blocked', eligible: 0, killed: 0, durationMs: 3, dryRun: false });
  t.is((await metrics.ticks.get()).values.find((v) => v.labels['outcome'] === 'blocked')?.value, 1);
  void metrics.listener.on(recovery(violated));
  t.deepEqual(
    (await metrics.hypothesisVerdicts.get()).values.map((v) => v.labels),
    [{ namespace: 'shop', kind: 'Deployment', workload: 'web', verdict: 'violated', dry_run: 'false' }],
  );
});

test('Events: skips for the hypothesis name it; a blocker has no object to put an Event on', (t) => {
  const options = { reportingInstance: 'r', nextSuffix: () => 'x' };
  const skip = (reason: 'hypothesis-failed' | 'steady-state-unknown' | 'hypothesis-invalid' | 'blocker-firing'): Occurrence => ({
    type: 'skip',
    at,
    workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    workloadUid: 'w1',
    reason,
    detail: 'DETAIL',
    dryRun: false,
  });
  t.like(havocEvents(skip('hypothesis-failed'), options)[0], {
    reason: 'HavocSkipped',
    type: 'Warning',
    note: 'No chaos for Deployment web this time because its steady-state hypothesis does not hold: DETAIL.',
  });
  t.like(havocEvents(skip('steady-state-unknown'), options)[0], { type: 'Warning' });
  t.like(havocEvents(skip('blocker-firing'), options)[0], { type: 'Normal' });
  t.deepEqual(
    havocEvents(skip('hypothesis-invalid'), options),
    [],
    'its warning is the invalid-label Event, once per bad expression',
  );
  t.deepEqual(havocEvents(blockerOn, options), []);
});
