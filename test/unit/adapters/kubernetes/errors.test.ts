import test from 'ava';
import { ApiException, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import {
  apiMessage,
  KubernetesError,
  toKubernetesError,
  type KubernetesErrorKind,
} from '../../../../src/adapters/kubernetes/errors.ts';
import { createPodKiller, outcomeOf, type PodTerminationApi } from '../../../../src/adapters/kubernetes/podKiller.ts';
import type { KillResult, PodInfo } from '../../../../src/domain/model.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { statusError } from './fakeApiServer.ts';
import { closedPort } from '../../../e2e/harness/freePort.ts';

const pdbRefusal = statusError(429, "Cannot evict pod as it would violate the pod's disruption budget.", {
  reason: 'TooManyRequests',
  details: {
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 3 healthy pods and has 3 currently' }],
  },
});

const kinds: [string, unknown, KubernetesErrorKind][] = [
  [
    '403 from RBAC',
    statusError(403, 'pods is forbidden: User "system:serviceaccount:havoc:kube-havoc" cannot list resource "pods"'),
    'forbidden',
  ],
  ['401 bad credentials', statusError(401, 'Unauthorized'), 'forbidden'],
  ['404', statusError(404, 'pods "web-1" not found'), 'not-found'],
  ['409', statusError(409, 'the object has been modified'), 'conflict'],
  ['500', statusError(500, 'etcdserver: request timed out'), 'api-error'],
  ['watch error with statusCode', Object.assign(new Error('Forbidden'), { statusCode: 403 }), 'forbidden'],
  [
    'refused socket, nested like undici does',
    new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
    }),
    'api-unreachable',
  ],
  [
    'AggregateError of sockets',
    new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })]) }),
    'api-unreachable',
  ],
  [
    'untrusted certificate',
    new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) }),
    'api-unreachable',
  ],
  ['anything else', new Error('boom'), 'api-error'],
];
for (const [title, error, kind] of kinds) {
  test(`error kind: ${title} -> ${kind}`, (t) => {
    const mapped = toKubernetesError(error, 'list pods');
    t.is(mapped.kind, kind);
    t.is(mapped.cause, error);
    t.true(mapped.message.startsWith('list pods: '));
  });
}

test("the message carries the API server's own words, not the SDK dump", (t) => {
  const mapped = toKubernetesError(
    statusError(403, 'pods is forbidden: User "u" cannot list resource "pods"'),
    'list pods of Deployment shop/web',
  );
  t.is(
    mapped.message,
    'list pods of Deployment shop/web: forbidden (403), RBAC does not allow it: pods is forbidden: User "u" cannot list resource "pods"',
  );
  t.is(mapped.status, 403);
  t.is(
    apiMessage(pdbRefusal),
    "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web-pdb needs 3 healthy pods and has 3 currently",
  );
});

test('a domain error passes through unchanged', (t) => {
  const original = new KubernetesError('conflict', 'x');
  t.is(toKubernetesError(original, 'again'), original);
});

test('a real SDK call to a closed port is "api-unreachable"', async (t) => {
  const port = await closedPort();
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }, { name: 'u' });
  const error = await t.throwsAsync(kc.makeApiClient(CoreV1Api).listNamespace());
  const mapped = toKubernetesError(error, 'list namespaces');
  t.is(mapped.kind, 'api-unreachable');
  t.regex(mapped.message, /ECONNREFUSED/);
});

const outcomes: [string, unknown, { result: KillResult; detail?: RegExp }][] = [
  ['429 with a DisruptionBudget cause is blocked, naming the PDB', pdbRefusal, { result: 'blocked', detail: /web-pdb/ }],
  [
    '429 from throttling is no PDB verdict',
    statusError(429, 'Too many requests, please try again later.'),
    { result: 'failed', detail: /throttled/ },
  ],
  ['404: the pod vanished meanwhile', statusError(404, 'pods "web-1" not found'), { result: 'already-gone' }],
  [
    '409 on the UID precondition: replaced by a namesake',
    statusError(409, 'Precondition failed: UID in precondition: a, UID in object meta: b', { reason: 'Conflict' }),
    { result: 'already-gone', detail: /replaced/ },
  ],
  [
    '403',
    statusError(403, 'pods "web-1" is forbidden: cannot create resource "pods/eviction"'),
    { result: 'failed', detail: /forbidden \(403\)/ },
  ],
  [
    'unreachable',
    new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
    { result: 'failed', detail: /unreachable/ },
  ],
];
for (const [title, error, expected] of outcomes) {
  test(`kill outcome: ${title}`, (t) => {
    const outcome = outcomeOf(error, 'evict pod shop/web-1');
    t.is(outcome.result, expected.result);
    if (expected.detail) t.regex(outcome.detail ?? '', expected.detail);
  });
}

const victim: PodInfo = { namespace: 'shop', name: 'web-1', uid: 'uid-1', phase: 'Running', ready: true, terminating: false };
const ref = { kind: 'Deployment' as const, namespace: 'shop', name: 'web' };

/** `found`: what a GET of the victim answers afterwards (a pod, or an error to throw). */
function recordingApi(fail?: unknown, found: V1Pod | Error = new ApiException(404, 'Not Found', '{"reason":"NotFound"}', {})) {
  const calls: { method: string; param: Record<string, unknown> }[] = [];
  const api: PodTerminationApi = {
    readNamespacedPod: async (param) => {
      calls.push({ method: 'read', param: param as unknown as Record<string, unknown> });
      if (found instanceof Error) throw found;
      return found;
    },
    createNamespacedPodEviction: async (param) => {
      calls.push({ method: 'evict', param: param as unknown as Record<string, unknown> });
      if (fail) throw fail;
      return param.body;
    },
    deleteNamespacedPod: async (param) => {
      calls.push({ method: 'delete', param: param as unknown as Record<string, unknown> });
      if (fail) throw fail;
      return {};
    },
  };
  return { api, calls };
}

test("evict: a policy/v1 Eviction with the UID precondition; a dry run is the server's own", async (t) => {
  const { api, calls } = recordingApi();
  const killer = createPodKiller({ coreApi: api, method: 'evict', gracePeriodSeconds: 10 });
  t.deepEqual(await killer.kill(victim, ref, { dryRun: true }), { result: 'killed' });
  t.deepEqual(calls[0], {
    method: 'evict',
    param: {
      namespace: 'shop',
      name: 'web-1',
      dryRun: 'All',
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'web-1', namespace: 'shop' },
        deleteOptions: { preconditions: { uid: 'uid-1' }, gracePeriodSeconds: 10, dryRun: ['All'] },
      },
    },
  });
  await killer.kill(victim, ref, { dryRun: false });
  t.false('dryRun' in calls[1]!.param);
});

test("delete: grace period and UID precondition; null grace uses the pod's own", async (t) => {
  const { api, calls } = recordingApi();
  await createPodKiller({ coreApi: api, method: 'delete', gracePeriodSeconds: 0 }).kill(victim, ref, { dryRun: false });
  t.like(calls[0], {
    method: 'delete',
    param: {
      namespace: 'shop',
      name: 'web-1',
      gracePeriodSeconds: 0,
      body: { preconditions: { uid: 'uid-1' }, gracePeriodSeconds: 0 },
    },
  });
  await createPodKiller({ coreApi: api, method: 'delete', gracePeriodSeconds: null }).kill(victim, ref, { dryRun: true });
  t.false('gracePeriodSeconds' in calls[1]!.param);
  t.is(calls[1]!.param.dryRun, 'All');
});

// The answer of an eviction the API server performed never arrived (a timeout, a reset connection):
// the pod, read by UID, is the witness; it is never evicted a second time. The API server may still be
// at it when the client gives up, so the pod is followed (on a fake clock here) before "failed" is said.
const lost = Object.assign(
  new Error('no answer from the API server within 10s (POST /api/v1/namespaces/shop/pods/web-1/eviction)'),
  { name: 'TimeoutError' },
);
const deleting = { name: 'web-1', uid: 'uid-1', deletionTimestamp: new Date() };
const marked = (reason: string, message: string) => ({
  conditions: [
    { type: 'Ready', status: 'True' },
    { type: 'DisruptionTarget', status: 'True', reason, message },
  ],
});
const lostAnswerCases: { title: string; found: V1Pod | Error; result: KillResult; detail: RegExp; reads: number }[] = [
  {
    title: 'pod terminating, marked by the Eviction API',
    found: { metadata: deleting, status: marked('EvictionByEvictionAPI', 'Eviction API: evicting') },
    result: 'killed',
    detail:
      /answer was lost .*but the pod is terminating, evicted through the Eviction API \(DisruptionTarget: EvictionByEvictionAPI\)/,
    reads: 1,
  },
  {
    title: 'pod gone (404): what removed it cannot be told',
    found: new ApiException(404, 'Not Found', '{"reason":"NotFound"}', {}),
    result: 'unknown',
    detail: /answer was lost .*but the pod is gone; what removed it cannot be told/,
    reads: 1,
  },
  {
    title: 'name taken by a new pod',
    found: { metadata: { name: 'web-1', uid: 'uid-2' } },
    result: 'unknown',
    detail: /pod is gone/,
    reads: 1,
  },
  {
    title: 'pod terminating without the mark (deleted by someone)',
    found: { metadata: deleting },
    result: 'unknown',
    detail: /terminating with no disruption recorded: deleted, not evicted/,
    reads: 1,
  },
  {
    title: 'pod terminating for another cause',
    found: {
      metadata: deleting,
      status: marked('PreemptionByScheduler', 'kube-scheduler: preempting to accommodate a higher priority pod'),
    },
    result: 'unknown',
    detail: /another cause \(DisruptionTarget: PreemptionByScheduler\)/,
    reads: 1,
  },
  {
    // Reads at 0, 0.5, 1.5, 3.5, 7.5 and 10 s.
    title: 'pod untouched for the whole follow',
    found: { metadata: { name: 'web-1', uid: 'uid-1' } },
    result: 'failed',
    detail: /within 10s.*still there, untouched \(followed for 10s\)/,
    reads: 6,
  },
  {
    title: 'pod unreadable too',
    found: lost,
    result: 'failed',
    detail: /could not be checked either \(followed for 10s\)/,
    reads: 6,
  },
];
for (const c of lostAnswerCases) {
  test(`a lost eviction answer is settled by following the pod: ${c.title}`, async (t) => {
    const { api, calls } = recordingApi(lost, c.found);
    const clock = fakeClock(new Date('2026-11-20T09:00:00Z'));
    const outcome = await createPodKiller({ coreApi: api, method: 'evict', clock, lostAnswerSeconds: 10 }).kill(victim, ref, {
      dryRun: false,
    });
    t.is(outcome.result, c.result);
    t.regex(outcome.detail ?? '', c.detail);
    t.deepEqual(
      calls.map((x) => x.method),
      ['evict', ...Array.from({ length: c.reads }, () => 'read')],
      'one eviction, then reads; never a second eviction',
    );
  });
}

test('an eviction the API server completes 2 s after the answer was lost is recorded as killed', async (t) => {
  const clock = fakeClock(new Date('2026-11-20T09:00:00Z'));
  const evictedAt = clock.now().getTime() + 2000;
  const reads: number[] = [];
  const api: PodTerminationApi = {
    createNamespacedPodEviction: async () => {
      throw lost;
    },
    deleteNamespacedPod: async () => {
      throw new Error('not called');
    },
    readNamespacedPod: async () => {
      reads.push(clock.now().getTime() - evictedAt + 2000);
      if (clock.now().getTime() < evictedAt) return { metadata: { name: 'web-1', uid: 'uid-1' } };
      return { metadata: deleting, status: marked('EvictionByEvictionAPI', 'Eviction API: evicting') };
    },
  };
  const outcome = await createPodKiller({ coreApi: api, method: 'evict', clock, lostAnswerSeconds: 10 }).kill(victim, ref, {
    dryRun: false,
  });
  t.is(outcome.result, 'killed');
  t.regex(outcome.detail ?? '', /answer was lost .*evicted through the Eviction API/);
  t.deepEqual(reads, [0, 500, 1500, 3500], 'untouched at first, then seen going: no verdict before');
});

test('a lost delete answer: a plain delete leaves no mark, so a terminating pod is unknown, not killed', async (t) => {
  const { api } = recordingApi(lost, { metadata: deleting });
  const clock = fakeClock(new Date('2026-11-20T09:00:00Z'));
  const outcome = await createPodKiller({ coreApi: api, method: 'delete', clock }).kill(victim, ref, { dryRun: false });
  t.is(outcome.result, 'unknown');
  t.regex(outcome.detail ?? '', /a plain delete leaves no mark/);
});

test('an answered refusal is not re-checked: the API server said what happened', async (t) => {
  const { api, calls } = recordingApi(pdbRefusal);
  await createPodKiller({ coreApi: api, method: 'evict' }).kill(victim, ref, { dryRun: false });
  t.deepEqual(
    calls.map((x) => x.method),
    ['evict'],
  );
});

test('the killer never throws for a refusal: blocked is an outcome', async (t) => {
  const { api } = recordingApi(pdbRefusal);
  const outcome = await createPodKiller({ coreApi: api, method: 'evict' }).kill(victim, ref, { dryRun: false });
  t.is(outcome.result, 'blocked');
  t.regex(outcome.detail ?? '', /The disruption budget web-pdb needs 3 healthy pods/);
});
