import test from 'ava';
import type { KubernetesObject } from '@kubernetes/client-node';
import { trimForCache } from '../../../../src/adapters/kubernetes/trimForCache.ts';
import {
  isOwnWorkload,
  replicaCounts,
  toNodeInfo,
  toPodInfo,
  toWorkload,
  type RawNode,
  type RawPod,
  type RawWorkload,
} from '../../../../src/adapters/kubernetes/toWorkload.ts';

const managedFields = [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }];
const bulky = { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(4000), 'deployment.kubernetes.io/revision': '3' };

test('a cached Deployment keeps what the daemon reads and drops managedFields, the template and foreign annotations', (t) => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'u1',
      resourceVersion: '42',
      generation: 7,
      labels: { 'havoc/enabled': 'true', app: 'web' },
      annotations: { ...bulky, 'havoc/probe-url': 'http://web/healthz', 'kube-monkey/x': 'y' },
      managedFields,
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'i' }] } },
    },
    status: {
      readyReplicas: 2,
      replicas: 3,
      observedGeneration: 7,
      updatedReplicas: 3,
      availableReplicas: 2,
      conditions: [{ type: 'Available', status: 'True' }],
    },
  };
  const trimmed = trimForCache<KubernetesObject>('workload', ['havoc/'])(deployment as KubernetesObject);
  t.deepEqual(trimmed as object, {
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'u1',
      resourceVersion: '42',
      generation: 7,
      labels: { 'havoc/enabled': 'true', app: 'web' },
      annotations: { 'havoc/probe-url': 'http://web/healthz' },
    },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
    status: { observedGeneration: 7, replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  });
  // What the snapshot makes of it is unchanged by the trim.
  t.deepEqual(toWorkload('Deployment', trimmed as RawWorkload), {
    ...toWorkload('Deployment', deployment as RawWorkload),
    annotations: { 'havoc/probe-url': 'http://web/healthz' },
  });
  t.true(JSON.stringify(trimmed).length < JSON.stringify(deployment).length / 10);
});

test('a cached bare pod and node still answer every question the daemon asks of them', (t) => {
  const pod = {
    metadata: {
      name: 'solo',
      namespace: 'shop',
      uid: 'p1',
      resourceVersion: '9',
      labels: { 'havoc/enabled': 'true' },
      managedFields,
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'c1' }],
      deletionTimestamp: '2025-03-07T10:00:00Z',
    },
    spec: { nodeName: 'n1', containers: [{ name: 'a', image: 'i' }] },
    status: {
      phase: 'Running',
      startTime: '2025-03-07T09:00:00Z',
      podIP: '10.0.0.1',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 'x' }],
    },
  } as unknown as RawPod & KubernetesObject;
  const cachedPod = trimForCache<KubernetesObject>('pod', ['havoc/'])(pod) as RawPod;
  t.deepEqual(toPodInfo(cachedPod), toPodInfo(pod));
  t.is(isOwnWorkload('Pod', cachedPod.metadata), isOwnWorkload('Pod', pod.metadata));
  t.deepEqual(replicaCounts('Pod', cachedPod), { desired: 1, ready: 1 });
  t.false('managedFields' in (cachedPod.metadata ?? {}));

  const node = {
    metadata: {
      name: 'n1',
      uid: 'n',
      resourceVersion: '5',
      labels: { 'havoc/enabled': 'true' },
      annotations: { 'havoc/drained-by': 'kube-havoc', 'node.alpha.kubernetes.io/ttl': '0' },
      managedFields,
    },
    spec: { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }], podCIDR: '10.0.0.0/24' },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }], images: [{ names: ['a'], sizeBytes: 1 }] },
  } as unknown as RawNode & KubernetesObject;
  const cachedNode = trimForCache<KubernetesObject>('node', ['havoc/'])(node) as RawNode;
  t.deepEqual(toNodeInfo(cachedNode), { ...toNodeInfo(node), annotations: { 'havoc/drained-by': 'kube-havoc' } });
  t.deepEqual(
    trimForCache<KubernetesObject>('namespace', ['havoc/'])({
      metadata: { name: 'shop', labels: { team: 'a' }, managedFields },
    } as KubernetesObject) as object,
    { metadata: { name: 'shop', labels: { team: 'a' } } },
  );
});
