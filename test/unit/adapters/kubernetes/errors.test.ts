import { createServer } from 'node:net';
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
import { statusError } from './fakeApiServer.ts';

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
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
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
// the pod, read by UID, is the witness; it is never evicted a second time.
const lost = Object.assign(
  new Error('no answer from the API server within 10s (POST /api/v1/namespaces/shop/pods/web-1/eviction)'),
  { name: 'TimeoutError' },
);
const lostAnswerCases: { title: string; found: V1Pod | Error; result: KillResult; detail: RegExp }[] = [
  {
    title: 'pod gone (404)',
    found: new ApiException(404, 'Not Found', '{"reason":"NotFound"}', {}),
    result: 'killed',
    detail: /answer was lost .*pod is gone/,
  },
  {
    title: 'name taken by a new pod',
    found: { metadata: { name: 'web-1', uid: 'uid-2' } },
    result: 'killed',
    detail: /pod is gone/,
  },
  {
    title: 'pod terminating',
    found: { metadata: { name: 'web-1', uid: 'uid-1', deletionTimestamp: new Date() } },
    result: 'killed',
    detail: /pod is terminating/,
  },
  {
    title: 'pod untouched',
    found: { metadata: { name: 'web-1', uid: 'uid-1' } },
    result: 'failed',
    detail: /within 10s.*still there, untouched/,
  },
  { title: 'pod unreadable too', found: lost, result: 'failed', detail: /could not be checked either/ },
];
for (const c of lostAnswerCases) {
  test(`a lost eviction answer is settled by reading the pod: ${c.title}`, async (t) => {
    const { api, calls } = recordingApi(lost, c.found);
    const outcome = await createPodKiller({ coreApi: api, method: 'evict' }).kill(victim, ref, { dryRun: false });
    t.is(outcome.result, c.result);
    t.regex(outcome.detail ?? '', c.detail);
    t.deepEqual(
      calls.map((x) => x.method),
      ['evict', 'read'],
      'one eviction, then one read; never a second eviction',
    );
  });
}

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
