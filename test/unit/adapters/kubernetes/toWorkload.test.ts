import test from 'ava';
import {
  isOwnWorkload,
  ownedPods,
  replicaCounts,
  rolloutStatus,
  selectorText,
  toNamespaceInfo,
  toNodeInfo,
  toPodInfo,
  toWorkload,
  toWorkloadWithPods,
  type RawPod,
  type RawWorkload,
} from '../../../../src/adapters/kubernetes/toWorkload.ts';

const owner = (kind: string, name: string, uid: string, controller = true) => ({
  apiVersion: kind === 'ReplicaSet' || kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  name,
  uid,
  controller,
});

// Shaped like a watch event's object: timestamps are strings there.
const pod = (
  name: string,
  extra: { owner?: ReturnType<typeof owner>; ready?: boolean; phase?: string; deleting?: boolean; hash?: string } = {},
): RawPod => ({
  metadata: {
    name,
    namespace: 'shop',
    uid: `uid-${name}`,
    labels: { app: 'web', ...(extra.hash ? { 'pod-template-hash': extra.hash } : {}) },
    ...(extra.owner ? { ownerReferences: [extra.owner] } : {}),
    ...(extra.deleting ? { deletionTimestamp: '2025-03-07T10:01:00Z' } : {}),
  },
  spec: { nodeName: 'node-a' },
  status: {
    phase: extra.phase ?? 'Running',
    startTime: '2025-03-07T09:00:00Z',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: extra.ready === false ? 'False' : 'True' },
    ],
  },
});

test('a pod becomes PodInfo: phase, Ready condition, terminating, start time, node', (t) => {
  t.deepEqual(toPodInfo(pod('web-1')), {
    namespace: 'shop',
    name: 'web-1',
    uid: 'uid-web-1',
    phase: 'Running',
    ready: true,
    terminating: false,
    startedAt: new Date('2025-03-07T09:00:00Z'),
    nodeName: 'node-a',
  });
  t.like(toPodInfo(pod('web-2', { ready: false, deleting: true })), { ready: false, terminating: true });
  // The typed client hands out Date objects instead of strings.
  t.deepEqual(toPodInfo({ status: { startTime: new Date('2025-03-07T09:00:00Z') } }).startedAt, new Date('2025-03-07T09:00:00Z'));
  t.like(toPodInfo({}), { phase: 'Unknown', ready: false, terminating: false, startedAt: undefined, nodeName: undefined });
});

const counts: [string, Parameters<typeof replicaCounts>[0], RawWorkload | RawPod, { desired: number; ready: number }][] = [
  [
    'Deployment: spec.replicas / status.readyReplicas',
    'Deployment',
    { spec: { replicas: 3 }, status: { readyReplicas: 2 } },
    { desired: 3, ready: 2 },
  ],
  ['Deployment with no ready pods yet', 'Deployment', { spec: { replicas: 3 }, status: {} }, { desired: 3, ready: 0 }],
  ['Deployment scaled to zero', 'Deployment', { spec: { replicas: 0 }, status: {} }, { desired: 0, ready: 0 }],
  ['StatefulSet', 'StatefulSet', { spec: { replicas: 2 }, status: { readyReplicas: 2 } }, { desired: 2, ready: 2 }],
  ['ReplicaSet', 'ReplicaSet', { spec: { replicas: 4 }, status: { readyReplicas: 1 } }, { desired: 4, ready: 1 }],
  [
    'DaemonSet: desiredNumberScheduled / numberReady',
    'DaemonSet',
    { status: { desiredNumberScheduled: 5, numberReady: 4 } },
    { desired: 5, ready: 4 },
  ],
  ['bare pod, ready', 'Pod', pod('solo'), { desired: 1, ready: 1 }],
  ['bare pod, not ready', 'Pod', pod('solo', { ready: false }), { desired: 1, ready: 0 }],
];
for (const [title, kind, object, expected] of counts) {
  test(`replica counts: ${title}`, (t) => t.deepEqual(replicaCounts(kind, object), expected));
}

// Where each controller writes whether its last change is done; the API omits zero counts.
const rollouts: [string, Parameters<typeof rolloutStatus>[0], RawWorkload | RawPod, ReturnType<typeof rolloutStatus>][] = [
  [
    'Deployment mid surge rollout',
    'Deployment',
    {
      metadata: { generation: 5 },
      spec: { replicas: 3 },
      status: { observedGeneration: 5, replicas: 4, readyReplicas: 3, updatedReplicas: 1, availableReplicas: 3 },
    },
    { generation: 5, observedGeneration: 5, updated: 1, total: 4, available: 3 },
  ],
  [
    'Deployment whose controller has not written a status yet',
    'Deployment',
    { metadata: { generation: 1 }, spec: { replicas: 3 } },
    { generation: 1, observedGeneration: 0, updated: 0, total: 0, available: 0 },
  ],
  [
    'StatefulSet rolling from one revision to the next',
    'StatefulSet',
    {
      metadata: { generation: 2 },
      spec: { replicas: 3 },
      status: {
        observedGeneration: 2,
        replicas: 3,
        readyReplicas: 3,
        updatedReplicas: 1,
        availableReplicas: 3,
        currentRevision: 'db-7f',
        updateRevision: 'db-9c',
      },
    },
    { generation: 2, observedGeneration: 2, updated: 1, available: 3, currentRevision: 'db-7f', updateRevision: 'db-9c' },
  ],
  [
    'DaemonSet: updatedNumberScheduled and numberAvailable',
    'DaemonSet',
    {
      metadata: { generation: 3 },
      status: { observedGeneration: 2, desiredNumberScheduled: 5, numberReady: 5, updatedNumberScheduled: 4, numberAvailable: 5 },
    },
    { generation: 3, observedGeneration: 2, updated: 4, available: 5 },
  ],
  [
    'ReplicaSet: no rollout of its own, the pods it still runs',
    'ReplicaSet',
    {
      metadata: { generation: 1 },
      spec: { replicas: 2 },
      status: { observedGeneration: 1, replicas: 3, readyReplicas: 2, availableReplicas: 2 },
    },
    { generation: 1, observedGeneration: 1, total: 3, available: 2 },
  ],
  ['bare pod: its readiness', 'Pod', pod('solo'), { generation: 0, observedGeneration: 0, available: 1 }],
  ['bare pod, not ready', 'Pod', pod('solo', { ready: false }), { generation: 0, observedGeneration: 0, available: 0 }],
];
for (const [title, kind, object, expected] of rollouts) {
  test(`rollout status: ${title}`, (t) => t.deepEqual(rolloutStatus(kind, object), expected));
}

test('a workload keeps ref, uid, labels, annotations, and the pods given when read fresh', (t) => {
  const deployment: RawWorkload = {
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'uid-web',
      labels: { 'havoc/enabled': 'true' },
      annotations: { 'havoc/probe-url': 'http://web/healthz' },
    },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
    status: { readyReplicas: 3 },
  };
  const pods = [toPodInfo(pod('web-1'))];
  const expected = {
    ref: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    uid: 'uid-web',
    labels: { 'havoc/enabled': 'true' },
    annotations: { 'havoc/probe-url': 'http://web/healthz' },
    desired: 3,
    ready: 3,
    rollout: { generation: 0, observedGeneration: 0, updated: 0, total: 0, available: 0 },
  } as const;
  t.deepEqual(toWorkload('Deployment', deployment), expected);
  t.deepEqual(toWorkloadWithPods('Deployment', deployment, pods), { ...expected, pods });
});

test('pods belong to a workload by ownerReferences; Deployment pods through a ReplicaSet named after it and their hash', (t) => {
  const web = { name: 'web', namespace: 'shop', uid: 'uid-web' };
  const pods = [
    pod('web-5d4f-1', { owner: owner('ReplicaSet', 'web-5d4f', 'rs-new'), hash: '5d4f' }),
    // An older ReplicaSet of the same Deployment, mid-rollout.
    pod('web-77aa-1', { owner: owner('ReplicaSet', 'web-77aa', 'rs-old'), hash: '77aa' }),
    // Same labels (an overlapping selector), another Deployment: never a victim of "web".
    pod('web-x-5d4f-1', { owner: owner('ReplicaSet', 'web-x-5d4f', 'rs-other'), hash: '5d4f' }),
    // A ReplicaSet named like one of web's but the pod's hash does not match it.
    pod('web-5d4f-2', { owner: owner('ReplicaSet', 'web-5d4f', 'rs-hand'), hash: 'beef' }),
    // Named right but no hash label: not made by a Deployment.
    pod('web-5d4f-3', { owner: owner('ReplicaSet', 'web-5d4f', 'rs-new') }),
    // Owned by something that is not a ReplicaSet.
    pod('web-5d4f-4', { owner: { ...owner('StatefulSet', 'web-5d4f', 'ss'), kind: 'StatefulSet' }, hash: '5d4f' }),
    pod('stray'),
  ];
  t.deepEqual(
    ownedPods('Deployment', web, pods).map((p) => p.metadata?.name),
    ['web-5d4f-1', 'web-77aa-1'],
  );
  t.deepEqual(
    ownedPods('ReplicaSet', { name: 'web-x-5d4f', uid: 'rs-other' }, pods).map((p) => p.metadata?.name),
    ['web-x-5d4f-1'],
  );
  t.deepEqual(
    ownedPods('StatefulSet', { name: 'db', uid: 'uid-db' }, [
      pod('db-0', { owner: owner('StatefulSet', 'db', 'uid-db') }),
      pod('x'),
    ]).map((p) => p.metadata?.name),
    ['db-0'],
  );
  t.deepEqual(
    ownedPods('DaemonSet', { name: 'db', uid: 'uid-db' }, [pod('db-0', { owner: owner('StatefulSet', 'db', 'uid-db') })]),
    [],
    'the owner kind must match too',
  );
  t.deepEqual(
    ownedPods('Pod', { name: 'stray', uid: 'uid-stray' }, pods).map((p) => p.metadata?.name),
    ['stray'],
  );
  // A non-controller owner reference does not make a pod part of a workload.
  t.deepEqual(
    ownedPods('StatefulSet', { name: 'db', uid: 'uid-db' }, [
      pod('db-0', { owner: owner('StatefulSet', 'db', 'uid-db', false) }),
    ]),
    [],
  );
  t.deepEqual(
    ownedPods('StatefulSet', {}, [pod('db-0', { owner: owner('StatefulSet', 'db', '') })]),
    [],
    'an owner without uid owns nothing',
  );
});

test('ReplicaSets run by a Deployment and pods run by a controller are not workloads of their own', (t) => {
  t.true(isOwnWorkload('Deployment', {}));
  t.true(isOwnWorkload('ReplicaSet', { ownerReferences: [] }));
  t.false(isOwnWorkload('ReplicaSet', { ownerReferences: [owner('Deployment', 'web', 'uid-web')] }));
  t.true(isOwnWorkload('Pod', {}));
  t.false(isOwnWorkload('Pod', { ownerReferences: [owner('ReplicaSet', 'web-1', 'rs')] }));
  t.true(isOwnWorkload('Pod', { ownerReferences: [owner('ConfigMap', 'x', 'cm', false)] }));
});

const selectors: [string, Parameters<typeof selectorText>[0], string | undefined][] = [
  ['matchLabels', { matchLabels: { app: 'web', tier: 'front' } }, 'app=web,tier=front'],
  [
    'every operator',
    {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'track', operator: 'NotIn', values: ['canary'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    },
    'app=web,env in (prod,staging),track notin (canary),owner,!legacy',
  ],
  ['empty selector matches everything: no pods rather than all', {}, undefined],
  ['missing selector', undefined, undefined],
  ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, undefined],
];
for (const [title, selector, expected] of selectors) {
  test(`selector text: ${title}`, (t) => t.is(selectorText(selector), expected));
}

test('nodes and namespaces', (t) => {
  t.deepEqual(
    toNodeInfo({
      metadata: { name: 'n1', uid: 'u1', labels: { 'havoc/enabled': 'true' } },
      spec: { unschedulable: true, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    }),
    {
      name: 'n1',
      uid: 'u1',
      labels: { 'havoc/enabled': 'true' },
      annotations: {},
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      ready: true,
      unschedulable: true,
    },
  );
  t.like(toNodeInfo({ metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }), {
    ready: false,
    unschedulable: false,
  });
  t.deepEqual(toNamespaceInfo({ metadata: { name: 'shop', labels: { chaos: 'allowed' } } }), {
    name: 'shop',
    labels: { chaos: 'allowed' },
  });
});
