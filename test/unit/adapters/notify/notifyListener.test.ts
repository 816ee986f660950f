import test from 'ava';
import type { KillResult } from '../../../../src/domain/model.ts';
import { createReporter } from '../../../../src/domain/reporter.ts';
import type { Occurrence, TickOutcome } from '../../../../src/domain/occurrence.ts';
import { notificationFor } from '../../../../src/adapters/notify/notificationFor.ts';
import type { Notification, Notifier } from '../../../../src/adapters/notify/notifier.ts';
import { createNotifyListener, type DeliveryResult } from '../../../../src/adapters/notify/notifyListener.ts';
import { recordingLog } from '../../fakes/recordingListener.ts';
import {
  AT,
  killOccurrence,
  type KillOccurrence,
  NODE,
  POD,
  recoveryOccurrence,
  skipOccurrence,
  tickOccurrence,
} from '../../fakes/occurrences.ts';

const REASON = 'opted in (havoc), mtbf 8.0h business time, mode one, chance this tick 2.1%';

const kill = (result: KillResult, extra: Partial<KillOccurrence> = {}) =>
  killOccurrence(result, {
    outcome: { result, detail: result === 'killed' ? undefined : `detail of ${result}` },
    reason: REASON,
    ...extra,
  });
const tick = (outcome: TickOutcome, detail?: string) => tickOccurrence(outcome, detail === undefined ? {} : { detail });

/** A notifier that records, and fails or waits when told to. */
function fakeNotifier() {
  const sent: Notification[] = [];
  const gates: (() => void)[] = [];
  const state = { fail: false, hold: false };
  let called = (): void => undefined;
  const firstCall = new Promise<void>((resolve) => {
    called = resolve;
  });
  const notifier: Notifier = {
    name: 'fake',
    async send(n) {
      called();
      if (state.hold) await new Promise<void>((resolve) => gates.push(resolve));
      if (state.fail) throw new Error('channel down');
      sent.push(n);
    },
  };
  return {
    notifier,
    sent,
    state,
    firstCall,
    release: () => {
      state.hold = false;
      for (const open of gates.splice(0)) open();
    },
  };
}

const fields = (n: Notification | undefined) => Object.fromEntries((n?.fields ?? []).map((f) => [f.label, f.value]));

test('a kill says what, where, which action, live or dry run, why it was eligible and the budget left', (t) => {
  const live = notificationFor(kill('killed'), { clusterName: 'prod-eu' });
  t.like(live, { topic: 'kill', title: 'Evicted pod shop/checkout-7d9f-abcde', dryRun: false, cluster: 'prod-eu' });
  t.deepEqual(fields(live), {
    Target: 'pod shop/checkout-7d9f-abcde',
    Workload: 'Deployment shop/checkout',
    Action: 'pod-evict',
    Outcome: 'killed',
    Mode: 'live',
    'Budget left': 'tick 0 · hour 2 · day 9',
    'Why eligible': REASON,
  });
  const dry = notificationFor(kill('killed', { dryRun: true }), { clusterName: 'prod-eu' });
  t.is(dry?.title, 'Would evict pod shop/checkout-7d9f-abcde');
  t.true(dry?.dryRun);
  t.is(fields(dry)['Mode'], 'DRY RUN: nothing was changed');
});

test('each kill result and the other announced occurrences get their own words', (t) => {
  const cases: [Occurrence, Partial<Notification>][] = [
    [kill('blocked'), { title: 'Eviction blocked: pod shop/checkout-7d9f-abcde', tone: 'warning' }],
    [kill('already-gone'), { title: 'Already gone: pod shop/checkout-7d9f-abcde', tone: 'info' }],
    [kill('failed'), { title: 'Kill failed: pod shop/checkout-7d9f-abcde', tone: 'danger' }],
    [
      recoveryOccurrence({ recovered: true, seconds: 42 }),
      { topic: 'recovery', title: 'Recovered: Deployment shop/checkout', tone: 'good' },
    ],
    [
      recoveryOccurrence({ recovered: false, seconds: 300, detail: '1/3 pods ready' }, { victims: 2 }),
      { title: 'NOT recovered: Deployment shop/checkout', tone: 'danger' },
    ],
    [
      { type: 'paused', at: AT, by: 'alice', reason: 'incident 42' },
      { title: 'Chaos paused', summary: 'Chaos paused in c1 by alice: incident 42' },
    ],
    [
      { type: 'resumed', at: AT, by: 'bob' },
      { title: 'Chaos resumed', tone: 'good' },
    ],
    [
      {
        type: 'drain-started',
        at: AT,
        node: NODE,
        dryRun: false,
        until: new Date('2026-11-20T10:10:00Z'),
        reason: 'opted-in node',
      },
      { topic: 'drain', title: 'Draining node worker-3', tone: 'warning' },
    ],
    [
      {
        type: 'drain-started',
        at: AT,
        node: NODE,
        dryRun: true,
        until: new Date('2026-11-20T10:10:00Z'),
        reason: 'opted-in node',
      },
      { title: 'Would drain node worker-3', dryRun: true },
    ],
    [
      kill('killed', { target: NODE, action: 'node-drain', outcome: { result: 'killed', detail: '4 pod(s) evicted' } }),
      { title: 'Drained node worker-3' },
    ],
    [
      {
        type: 'node-released',
        at: AT,
        node: NODE,
        dryRun: false,
        detail: 'drain duration over, node uncordoned',
      },
      { topic: 'drain', title: 'Node worker-3 given back', tone: 'good' },
    ],
    [kill('unknown'), { title: 'Kill outcome unknown: pod shop/checkout-7d9f-abcde', tone: 'warning' }],
  ];
  for (const [occurrence, expected] of cases) t.like(notificationFor(occurrence, { clusterName: 'c1' }), expected);
  t.is(
    fields(notificationFor(cases[4]![0], { clusterName: 'c1' }))['Verdict'],
    'not back at steady state after 5m: 1/3 pods ready',
  );
});

test('ticks, skips, label warnings and leadership stay out of the channel', (t) => {
  const quiet: Occurrence[] = [
    tick('idle'),
    skipOccurrence('not-steady', { detail: '2/3 ready' }),
    {
      type: 'invalid-label',
      at: AT,
      workload: POD.workload,
      workloadUid: 'w1',
      field: 'havoc/mtbf',
      value: 'often',
      message: 'bad',
    },
    { type: 'leader', at: AT, leader: true, identity: 'pod-a' },
    { type: 'error', at: AT, kind: 'tick', message: 'boom' },
  ];
  for (const o of quiet) t.is(notificationFor(o, { clusterName: 'c1' }), undefined, o.type);
});

test('the day plan lists the workloads most likely to be hit, at most ten', (t) => {
  const workloads = Array.from({ length: 12 }, (_, i) => ({
    workload: { kind: 'Deployment' as const, namespace: 'shop', name: `w${i}` },
    expectedKills: i / 10,
  }));
  const n = notificationFor(
    {
      type: 'day-plan',
      at: AT,
      plan: {
        windowOpens: AT,
        windowCloses: new Date('2026-11-20T16:00:00Z'),
        eligible: 12,
        expectedKills: 6.6,
        workloads,
        dryRun: true,
      },
    },
    { clusterName: 'c1' },
  );
  t.like(n, { title: "Today's chaos plan", dryRun: true });
  const lines = n?.body?.split('\n') ?? [];
  t.is(lines[0], '• Deployment shop/w11: ~1.1');
  t.is(lines.length, 11);
  t.is(lines[10], '…and 2 more');
});

test('on() only queues: it returns before the notifier answers, and deliveries keep their order', async (t) => {
  const fake = fakeNotifier();
  fake.state.hold = true;
  const listener = createNotifyListener({ notifier: fake.notifier, log: recordingLog(), clusterName: 'c1' });
  const pending = listener.on(kill('killed'));
  listener.on(recoveryOccurrence({ recovered: true, seconds: 3 }));
  t.true(pending instanceof Promise);
  t.is(fake.sent.length, 0, 'nothing delivered while the notifier is still busy');
  fake.release();
  await listener.flush();
  t.deepEqual(
    fake.sent.map((n) => n.topic),
    ['kill', 'recovery'],
  );
});

test('a failing notifier is a warning: on() never throws, the promise never rejects, the result is counted', async (t) => {
  const fake = fakeNotifier();
  fake.state.fail = true;
  const log = recordingLog();
  const results: DeliveryResult[] = [];
  const listener = createNotifyListener({ notifier: fake.notifier, log, clusterName: 'c1', onDelivery: (r) => results.push(r) });
  const reporter = createReporter({ listeners: [listener], log });
  reporter.report(kill('killed'));
  await reporter.flush();
  t.deepEqual(results, ['failed']);
  const warning = log.lines.find((l) => l.level === 'warn');
  t.is(warning?.msg, 'fake notification not delivered');
  t.like(warning?.obj, { topic: 'kill', title: 'Evicted pod shop/checkout-7d9f-abcde' });
  t.false(
    log.lines.some((l) => l.msg?.includes('failed to handle')),
    'the reporter never saw a rejection',
  );
});

test('the queue is bounded: beyond maxQueued notifications are dropped and counted', async (t) => {
  const fake = fakeNotifier();
  fake.state.hold = true;
  const results: DeliveryResult[] = [];
  const listener = createNotifyListener({
    notifier: fake.notifier,
    log: recordingLog(),
    clusterName: 'c1',
    maxQueued: 2,
    onDelivery: (r) => results.push(r),
  });
  for (let i = 0; i < 4; i++) listener.on(kill('killed'));
  t.deepEqual(results, ['dropped', 'dropped']);
  fake.release();
  await listener.flush();
  t.deepEqual(results, ['dropped', 'dropped', 'sent', 'sent']);
});

test('repeated failures: three failed ticks in a row give one message, the next good tick one all-clear', async (t) => {
  const fake = fakeNotifier();
  const listener = createNotifyListener({ notifier: fake.notifier, log: recordingLog(), clusterName: 'c1' });
  const sequence = [
    tick('failed', 'api down'),
    tick('failed', 'api down'),
    tick('not-leader'),
    tick('failed', 'api still down'),
    tick('failed', 'api still down'),
    tick('failed', 'api still down'),
    tick('idle'),
    tick('idle'),
  ];
  for (const o of sequence) listener.on(o);
  await listener.flush();
  t.deepEqual(
    fake.sent.map((n) => n.title),
    ['Repeated failures: 3 ticks in a row failed', 'Failures cleared: ticks succeed again'],
  );
  t.is(fields(fake.sent[0])['Last error'], 'api still down');
});

test('repeated failures: failed kills count on their own streak', async (t) => {
  const fake = fakeNotifier();
  const listener = createNotifyListener({ notifier: fake.notifier, log: recordingLog(), clusterName: 'c1', failureThreshold: 2 });
  for (const o of [kill('failed'), tick('acted'), kill('failed'), kill('blocked')]) listener.on(o);
  await listener.flush();
  t.deepEqual(
    fake.sent.map((n) => n.topic),
    ['kill', 'kill', 'failing', 'kill', 'failures-cleared'],
  );
});

test('the daily plan can be switched off', async (t) => {
  const fake = fakeNotifier();
  const listener = createNotifyListener({ notifier: fake.notifier, log: recordingLog(), clusterName: 'c1', dailyPlan: false });
  const plan: Occurrence = {
    type: 'day-plan',
    at: AT,
    plan: { windowOpens: AT, windowCloses: AT, eligible: 0, expectedKills: 0, workloads: [], dryRun: false },
  };
  t.is(listener.on(plan), undefined);
  listener.on({ type: 'paused', at: AT, by: 'alice', reason: 'incident' });
  await listener.flush();
  t.deepEqual(
    fake.sent.map((n) => n.topic),
    ['paused'],
  );
});

test('close() drops what is still waiting and lets the message in flight finish', async (t) => {
  const fake = fakeNotifier();
  fake.state.hold = true;
  const results: DeliveryResult[] = [];
  const log = recordingLog();
  const listener = createNotifyListener({ notifier: fake.notifier, log, clusterName: 'c1', onDelivery: (r) => results.push(r) });
  listener.on(kill('killed'));
  listener.on(kill('blocked'));
  await fake.firstCall;
  const closing = listener.close();
  listener.on(kill('failed'));
  fake.release();
  await closing;
  t.deepEqual(
    fake.sent.map((n) => n.title),
    ['Evicted pod shop/checkout-7d9f-abcde'],
  );
  t.deepEqual(results.toSorted(), ['dropped', 'dropped', 'sent']);
  t.is(log.lines.filter((l) => l.msg === 'fake notification dropped: shutting down').length, 2);
});
