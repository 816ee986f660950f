import test from 'ava';
import type { EventsV1Event } from '@kubernetes/client-node';
import { createEventListener, type EventsApi } from '../../../../src/adapters/kubernetes/eventRecorder.ts';
import { havocEvents, truncateBytes } from '../../../../src/adapters/kubernetes/havocEvents.ts';
import type { KillResult } from '../../../../src/domain/model.ts';
import type { Occurrence, SkipReason, Target } from '../../../../src/domain/occurrence.ts';
import { silentLog, statusError } from './fakeApiServer.ts';
import { killOccurrence, recoveryOccurrence, skipOccurrence, tickOccurrence } from '../../fakes/occurrences.ts';

// Its own pod, and a time with milliseconds: the Event's MicroTime and names are checked to the letter.
const at = new Date('2025-03-07T10:15:30.123Z');
const workload = { kind: 'Deployment' as const, namespace: 'shop', name: 'web' };
const target: Target = {
  kind: 'Pod',
  namespace: 'shop',
  name: 'web-7d9f-abcde',
  uid: 'pod-uid',
  workload,
  workloadUid: 'deploy-uid',
};
const kill = (result: KillResult, dryRun = false, detail?: string) =>
  killOccurrence(result, {
    at,
    target,
    dryRun,
    reason: 'opted in (havoc), mtbf 6.0h',
    outcome: { result, ...(detail === undefined ? {} : { detail }) },
  });

function build(o: Occurrence): EventsV1Event[] {
  let n = 0;
  return havocEvents(o, {
    reportingInstance: 'kube-havoc-5d8c-xyz',
    nextSuffix: () => `18f1a2b3c4d${(n++).toString(16).padStart(4, '0')}`,
  });
}

/** The checks kube-apiserver applies when an events.k8s.io/v1 Event is created. */
function assertValid(t: import('ava').ExecutionContext, event: EventsV1Event): void {
  const wire = JSON.parse(JSON.stringify(event)) as Record<string, any>;
  t.is(wire.apiVersion, 'events.k8s.io/v1');
  t.regex(wire.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'eventTime is a MicroTime');
  t.is(wire.reportingController, 'kube-havoc');
  t.true(wire.reportingInstance.length > 0 && wire.reportingInstance.length <= 128);
  t.true(wire.action.length > 0 && wire.action.length <= 128);
  t.true(wire.reason.length > 0 && wire.reason.length <= 128);
  t.true(['Normal', 'Warning'].includes(wire.type));
  t.true(Buffer.byteLength(wire.note) <= 1024);
  t.regex(wire.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  t.true(wire.metadata.name.length <= 253);
  t.is(wire.metadata.namespace, wire.regarding.namespace ?? 'default');
  for (const legacy of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount', 'deprecatedSource', 'series'])
    t.false(legacy in wire);
}

test('a kill: one Event on the victim pod, one on its Deployment, each naming the other', (t) => {
  const events = build(kill('killed'));
  t.is(events.length, 2);
  events.forEach((e) => assertValid(t, e));
  const [onPod, onWorkload] = events;
  t.deepEqual(onPod?.regarding, { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-7d9f-abcde', uid: 'pod-uid' });
  t.deepEqual(onWorkload?.regarding, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'shop',
    name: 'web',
    uid: 'deploy-uid',
  });
  t.deepEqual(onPod?.related, onWorkload?.regarding);
  t.like(onPod, { action: 'Evict', reason: 'HavocKilled', type: 'Normal', reportingInstance: 'kube-havoc-5d8c-xyz' });
  t.is(onPod?.metadata?.name, 'web-7d9f-abcde.18f1a2b3c4d0000');
  t.is(onWorkload?.metadata?.name, 'web.18f1a2b3c4d0001');
  t.regex(onPod?.note ?? '', /^Evicted pod shop\/web-7d9f-abcde of Deployment web\. Why: opted in/);
  t.regex(onPod?.note ?? '', /Budget left: tick 0, hour 2, day 9/);
  t.is(JSON.parse(JSON.stringify(onPod)).eventTime, '2025-03-07T10:15:30.123000Z');
});

const kinds: [string, Occurrence, { reason: string; type: string; note: RegExp }][] = [
  [
    'dry run says so',
    kill('killed', true),
    { reason: 'HavocKilled', type: 'Normal', note: /^\[dry-run\] Would evict pod shop\/web-7d9f-abcde/ },
  ],
  [
    'blocked eviction names the PDB',
    kill('blocked', false, 'The disruption budget web-pdb needs 3 healthy pods and has 3 currently'),
    { reason: 'HavocBlockedByPDB', type: 'Warning', note: /blocked by a PodDisruptionBudget: The disruption budget web-pdb/ },
  ],
  [
    'blocked dry run',
    kill('blocked', true, 'web-pdb'),
    { reason: 'HavocBlockedByPDB', type: 'Warning', note: /^\[dry-run\] Evicting/ },
  ],
  [
    'already gone',
    kill('already-gone', false, 'the pod no longer exists'),
    { reason: 'HavocAlreadyGone', type: 'Normal', note: /was already gone/ },
  ],
  [
    'failed',
    kill('failed', false, 'forbidden (403)'),
    { reason: 'HavocKillFailed', type: 'Warning', note: /Evicting pod .* failed: forbidden/ },
  ],
  [
    'unknown: the pod went, nothing shows it was this eviction',
    kill('unknown', false, 'the pod is gone; what removed it cannot be told'),
    { reason: 'HavocKillUnknown', type: 'Warning', note: /Evicting pod .*: whether it happened cannot be told: the pod is gone/ },
  ],
  [
    'recovered',
    recoveryOccurrence({ recovered: true, seconds: 12.34 }, { at, target }),
    { reason: 'HavocRecovered', type: 'Normal', note: /Deployment web is back at steady state 12\.3s after evicting one victim/ },
  ],
  [
    'not recovered',
    recoveryOccurrence(
      { recovered: false, seconds: 300, detail: '2/3 pods ready' },
      { at, target, victims: 2, action: 'pod-delete', dryRun: true },
    ),
    {
      reason: 'HavocNotRecovered',
      type: 'Warning',
      note: /^\[dry-run\] Deployment web did not recover within 300\.0s after deleting 2 victims: 2\/3 pods ready/,
    },
  ],
];
for (const [title, occurrence, expected] of kinds) {
  test(`kill and recovery Events: ${title}`, (t) => {
    const events = build(occurrence);
    t.is(events.length, 2, 'on the pod and on the workload');
    for (const event of events) {
      assertValid(t, event);
      t.like(event, { reason: expected.reason, type: expected.type });
      t.regex(event.note ?? '', expected.note);
    }
  });
}

test('skips: only a workload not at steady state or failing its probe gets an Event', (t) => {
  const skip = (reason: SkipReason) =>
    skipOccurrence(reason, { at, workload, workloadUid: 'deploy-uid', detail: '2/3 replicas ready' });
  const [notSteady] = build(skip('not-steady'));
  assertValid(t, notSteady!);
  t.like(notSteady, {
    reason: 'HavocSkipped',
    action: 'CheckSteadyState',
    type: 'Normal',
    regarding: { kind: 'Deployment', name: 'web' },
  });
  t.like(build(skip('probe-failed'))[0], { type: 'Warning' });
  for (const quiet of ['budget-spent', 'min-gap', 'blast-radius', 'no-pods'] as const) t.deepEqual(build(skip(quiet)), []);
});

test('an invalid label: a Warning on the workload with field and value', (t) => {
  const [event, ...rest] = build({
    type: 'invalid-label',
    at,
    workload,
    workloadUid: 'deploy-uid',
    field: 'havoc/mtbf',
    value: '2x',
    message: 'must be a duration',
  });
  t.deepEqual(rest, []);
  assertValid(t, event!);
  t.like(event, { reason: 'HavocInvalidLabel', type: 'Warning', action: 'ValidateLabels' });
  t.is(event?.note, 'havoc/mtbf="2x" must be a duration; kube-havoc skips Deployment web until it is fixed.');
});

test('a bare pod is its own workload: one Event; a node Event lives in "default"', (t) => {
  const bare: Target = {
    kind: 'Pod',
    namespace: 'shop',
    name: 'solo',
    uid: 'solo-uid',
    workload: { kind: 'Pod', namespace: 'shop', name: 'solo' },
    workloadUid: 'solo-uid',
  };
  t.is(build({ ...kill('killed'), target: bare } as Occurrence).length, 1);
  const [drain] = build({
    ...kill('killed'),
    action: 'node-drain',
    target: { kind: 'Node', name: 'node-a', uid: 'n-uid' },
  } as Occurrence);
  assertValid(t, drain!);
  t.like(drain, { action: 'Drain', metadata: { namespace: 'default' }, regarding: { kind: 'Node', name: 'node-a' } });
});

test('a drain start and a give-back are Events on the Node, in "default"', (t) => {
  const node = { kind: 'Node' as const, name: 'node-a', uid: 'n-uid' };
  const [started] = build({
    type: 'drain-started',
    at,
    node,
    dryRun: true,
    until: new Date('2025-03-07T10:25:30.123Z'),
    reason: 'opted-in node',
  });
  assertValid(t, started!);
  t.like(started, {
    action: 'Cordon',
    reason: 'HavocDrainStarted',
    metadata: { namespace: 'default' },
    regarding: { kind: 'Node', name: 'node-a' },
  });
  t.regex(started?.note ?? '', /^\[dry-run\] Cordoned node node-a .* given back at 2025-03-07T10:25:30.123Z/);
  const [released] = build({ type: 'node-released', at, node, dryRun: false, detail: 'drain duration over, node uncordoned' });
  assertValid(t, released!);
  t.like(released, { action: 'Uncordon', reason: 'HavocNodeReleased', regarding: { kind: 'Node', name: 'node-a' } });
});

test("an overlap of installs: a Warning on this install's Lease, in its namespace, naming the other and what happens", (t) => {
  const overlap = (resolution: 'refused' | 'ended') =>
    build({
      type: 'install-overlap',
      at,
      install: 'havoc-b/kube-havoc-state',
      other: 'havoc-a/kube-havoc-state',
      namespaces: resolution === 'ended' ? [] : ['shared'],
      resolution,
      object: { kind: 'Lease', namespace: 'havoc-b', name: 'kube-havoc' },
    });
  const [refused] = overlap('refused');
  assertValid(t, refused!);
  t.like(refused, {
    action: 'Refuse',
    reason: 'HavocInstallOverlap',
    type: 'Warning',
    metadata: { namespace: 'havoc-b' },
    regarding: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'havoc-b', name: 'kube-havoc' },
  });
  t.regex(refused?.note ?? '', /overlaps install havoc-a\/kube-havoc-state in namespace\(s\) shared: .* refuses them/);
  const [ended] = overlap('ended');
  assertValid(t, ended!);
  t.like(ended, { reason: 'HavocInstallOverlapEnded', type: 'Normal' });
});

test('other occurrences make no Event', (t) => {
  t.deepEqual(build({ type: 'paused', at, by: 'sam', reason: 'incident' }), []);
  t.deepEqual(build(tickOccurrence('idle', { at })), []);
});

test('long notes and names stay within the API limits', (t) => {
  const long = kill('failed', false, 'é'.repeat(2000));
  const longName: Target = { ...target, name: 'p'.repeat(253) };
  for (const event of build({ ...long, target: longName } as Occurrence)) assertValid(t, event);
  t.is(truncateBytes('short', 1024), 'short');
  const cut = truncateBytes('€'.repeat(500), 1024);
  t.true(Buffer.byteLength(cut) <= 1024);
  t.true(cut.endsWith('…'));
});

test('the listener posts every Event in its namespace and throws when the API refuses one', async (t) => {
  const posted: { namespace: string; name: string }[] = [];
  let refuse = false;
  const api: EventsApi = {
    createNamespacedEvent: async ({ namespace, body }) => {
      if (refuse && body.regarding?.kind === 'Deployment') throw statusError(422, 'Event "x" is invalid: action: Required value');
      posted.push({ namespace, name: body.metadata?.name ?? '' });
      return body;
    },
  };
  const listener = createEventListener({ eventsApi: api, reportingInstance: 'kube-havoc-0', log: silentLog });
  await listener.on(kill('killed'));
  t.is(posted.length, 2);
  t.true(posted.every((p) => p.namespace === 'shop'));
  t.not(posted[0]?.name, posted[1]?.name);
  refuse = true;
  const error = await t.throwsAsync(Promise.resolve(listener.on(kill('killed'))));
  t.regex(error.message, /create Event HavocKilled about Deployment web: API server answered 422/);
  t.is(posted.length, 3, 'the pod Event still went out');
});
