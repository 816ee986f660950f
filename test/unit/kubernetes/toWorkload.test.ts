import test from 'ava';
import {
  isOwnWorkload, ownedPods, replicaCounts, selectorText, toNamespaceInfo, toNodeInfo, toPodInfo, toWorkload,
  type RawPod, type RawWorkload,
} from '../../../src/adapters/kubernetes/toWorkload.ts';

const owner = (kind: string, name: string, uid: string, controller = true) => ({ apiVersion: kind === 'ReplicaSet' || kind === 'Deployment' ? 'apps/v1' : 'v1', kind, name, uid, controller });

// Shaped like a watch event's object: timestamps are strings there.
const pod = (name: string, extra: { owner?: ReturnType<typeof owner>; ready?: boolean; phase?: string; deleting?: boolean } = {}): RawPod => ({
  metadata: {
    name, namespace: 'shop', uid: `uid-${name}`, labels: { app: 'web' },
    ...(extra.owner ? { ownerReferences: [extra.owner] } : {}),
    ...(extra.deleting ? { deletionTimestamp: '2025-03-07T10:01:00Z' } : {}),
  },
  spec: { nodeName: 'node-a' },
  status: {
    phase: extra.phase ?? 'Running', startTime: '2025-03-07T09:00:00Z',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
  },
});

test('a pod becomes PodInfo: phase, Ready condition, terminating, start time, node', (t) => {
  t.deepEqual(toPodInfo(pod('web-1')), {
    namespace: 'shop', name: 'web-1', uid: 'uid-web-1', phase: 'Running', ready: true, terminating: false,
    startedAt: new Date('2025-03-07T09:00:00Z'), nodeName: 'node-a',
  });
  t.like(toPodInfo(pod('web-2', { ready: false, deleting: true })), { ready: false, terminating: true });
  // The typed client hands out Date objects instead of strings.
  t.deepEqual(toPodInfo({ status: { startTime: new Date('2025-03-07T09:00:00Z') } }).startedAt, new Date('2025-03-07T09:00:00Z'));
  t.like(toPodInfo({}), { phase: 'Unknown', ready: false, terminating: false, startedAt: undefined, nodeName: undefined });
});

const counts: [string, Parameters<typeof replicaCounts>[0], RawWorkload | RawPod, { desired: number; ready: number }][] = [
  ['Deployment: spec.replicas / status.readyReplicas', 'Deployment', { spec: { replicas: 3 }, status: { readyReplicas: 2 } }, { desired: 3, ready: 2 }],
  ['Deployment with no ready pods yet', 'Deployment', { spec: { replicas: 3 }, status: {} }, { desired: 3, ready: 0 }],
  ['Deployment scaled to zero', 'Deployment', { spec: { replicas: 0 }, status: {} }, { desired: 0, ready: 0 }],
  ['StatefulSet', 'StatefulSet', { spec: { replicas: 2 }, status: { readyReplicas: 2 } }, { desired: 2, ready: 2 }],
  ['ReplicaSet', 'ReplicaSet', { spec: { replicas: 4 }, status: { readyReplicas: 1 } }, { desired: 4, ready: 1 }],
  ['DaemonSet: desiredNumberScheduled / numberReady', 'DaemonSet', { status: { desiredNumberScheduled: 5, numberReady: 4 } }, { desired: 5, ready: 4 }],
  ['bare pod, ready', 'Pod', pod('solo'), { desired: 1, ready: 1 }],
  ['bare pod, not ready', 'Pod', pod('solo', { ready: false }), { desired: 1, ready: 0 }],
];
for (const [title, kind, object, expected] of counts) {
  test(`replica counts: ${title}`, (t) => t.deepEqual(replicaCounts(kind, object), expected));
}

test('a workload keeps ref, uid, labels, annotations and the pods given', (t) => {
  const deployment: RawWorkload = {
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', labels: { 'havoc/enabled': 'true' }, annotations: { 'havoc/probe-url': 'http://web/healthz' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
    status: { readyReplicas: 3 },
  };
  const pods = [toPodInfo(pod('web-1'))];
  t.deepEqual(toWorkload('Deployment', deployment, pods), {
    ref: { kind: 'Deployment', namespace: 'shop', name: 'web' }, uid: 'uid-web',
    labels: { 'havoc/enabled': 'true' }, annotations: { 'havoc/probe-url': 'http://web/healthz' },
    desired: 3, ready: 3, pods,
  });
});

test('pods belong to a workload by ownerReferences, Deployments through their ReplicaSets', (t) => {
  const replicaSets: RawWorkload[] = [
    { metadata: { name: 'web-new', uid: 'rs-new', ownerReferences: [owner('Deployment', 'web', 'uid-web')] } },
    { metadata: { name: 'web-old', uid: 'rs-old', ownerReferences: [owner('Deployment', 'web', 'uid-web')] } },
    { metadata: { name: 'other-x', uid: 'rs-other', ownerReferences: [owner('Deployment', 'other', 'uid-other')] } },
  ];
  const pods = [
    pod('web-new-1', { owner: owner('ReplicaSet', 'web-new', 'rs-new') }),
    pod('web-old-1', { owner: owner('ReplicaSet', 'web-old', 'rs-old') }),
    // Same labels (an overlapping selector), another owner: never a victim of "web".
    pod('other-x-1', { owner: owner('ReplicaSet', 'other-x', 'rs-other') }),
    pod('stray'),
  ];
  t.deepEqual(ownedPods('Deployment', 'uid-web', pods, replicaSets).map((p) => p.metadata?.name), ['web-new-1', 'web-old-1']);
  t.deepEqual(ownedPods('ReplicaSet', 'rs-other', pods).map((p) => p.metadata?.name), ['other-x-1']);
  t.deepEqual(ownedPods('StatefulSet', 'uid-db', [pod('db-0', { owner: owner('StatefulSet', 'db', 'uid-db') }), pod('x')]).map((p) => p.metadata?.name), ['db-0']);
  t.deepEqual(ownedPods('Pod', 'uid-stray', pods).map((p) => p.metadata?.name), ['stray']);
  // A non-controller owner reference does not make a pod part of a workload.
  t.deepEqual(ownedPods('StatefulSet', 'uid-db', [pod('db-0', { owner: owner('StatefulSet', 'db', 'uid-db', false) })]), []);
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
  ['every operator', {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'env', operator: 'In', values: ['prod', 'staging'] }, { key: 'track', operator: 'NotIn', values: ['canary'] },
      { key: 'owner', operator: 'Exists' }, { key: 'legacy', operator: 'DoesNotExist' },
    ],
  }, 'app=web,env in (prod,staging),track notin (canary),owner,!legacy'],
  ['empty selector matches everything: no pods rather than all', {}, undefined],
  ['missing selector', undefined, undefined],
  ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, undefined],
];
for (const [title, selector, expected] of selectors) {
  test(`selector text: ${title}`, (t) => t.is(selectorText(selector), expected));
}

test('nodes and namespaces', (t) => {
  t.deepEqual(toNodeInfo({
    metadata: { name: 'n1', uid: 'u1', labels: { 'havoc/enabled': 'true' } },
    spec: { unschedulable: true, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  }), {
    name: 'n1', uid: 'u1', labels: { 'havoc/enabled': 'true' }, annotations: {},
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], ready: true, unschedulable: true,
  });
  t.like(toNodeInfo({ metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }), { ready: false, unschedulable: false });
  t.deepEqual(toNamespaceInfo({ metadata: { name: 'shop', labels: { chaos: 'allowed' } } }), { name: 'shop', labels: { chaos: 'allowed' } });
});
