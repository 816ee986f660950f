// Steady state, per kind: the controller's status must be current, the
// rollout finished and every desired replica available and ready. Ready
// counts alone pass a workload in the middle of a surge rollout, or one
// whose status was written before its last spec change.

import test from 'ava';
import type { RolloutStatus, Workload, WorkloadKind } from '../../../../src/domain/model.ts';
import { filterBySteadyState } from '../../../../src/domain/selection/filters.ts';
import { pod } from '../../fakes/fakeCluster.ts';

const OLD = new Date('2026-11-20T09:00:00Z');

function workload(kind: WorkloadKind, desired: number, ready: number, rollout: RolloutStatus): Workload {
  return { ref: { kind, namespace: 'shop', name: 'web' }, uid: 'u', labels: {}, annotations: {}, desired, ready, rollout };
}

/** A finished rollout of `n` replicas at generation 4, as each kind's controller writes it. */
const settled = (n: number): RolloutStatus => ({ generation: 4, observedGeneration: 4, updated: n, total: n, available: n });
const sts = (n: number): RolloutStatus => ({ ...settled(n), currentRevision: 'web-7f', updateRevision: 'web-7f' });
const ds = (n: number): RolloutStatus => ({ generation: 4, observedGeneration: 4, updated: n, available: n });
const rs = (n: number): RolloutStatus => ({ generation: 4, observedGeneration: 4, total: n, available: n });
const bare: RolloutStatus = { generation: 1, observedGeneration: 1, available: 1 };

const cases: [string, Workload, string | undefined][] = [
  ['Deployment, rollout done, all available and ready', workload('Deployment', 3, 3, settled(3)), undefined],
  [
    'Deployment, status written for an older generation',
    workload('Deployment', 3, 3, { ...settled(3), observedGeneration: 3 }),
    'status not current: the controller has observed generation 3 of 4',
  ],
  [
    'Deployment mid surge rollout: 3 ready, 1 updated, 4 running',
    workload('Deployment', 3, 3, { ...settled(3), updated: 1, total: 4 }),
    'rollout in progress: 1/3 replicas updated',
  ],
  [
    'Deployment, new pods all up, an old one still running',
    workload('Deployment', 3, 3, { ...settled(3), total: 4 }),
    'rollout in progress: 4 replicas for 3 desired, old ones still going away',
  ],
  [
    'Deployment, ready but not yet available for minReadySeconds',
    workload('Deployment', 3, 3, { ...settled(3), available: 2 }),
    '2/3 replicas available',
  ],
  ['Deployment, a replica not ready', workload('Deployment', 3, 2, { ...settled(3), available: 2 }), '2/3 replicas ready'],
  ['Deployment scaled to zero', workload('Deployment', 0, 0, settled(0)), 'scaled to zero'],
  ['StatefulSet, one revision everywhere', workload('StatefulSet', 3, 3, sts(3)), undefined],
  [
    'StatefulSet rolling to a new revision',
    workload('StatefulSet', 3, 3, { ...sts(3), updated: 1, updateRevision: 'web-9c' }),
    'rollout in progress: 1/3 replicas updated',
  ],
  [
    'StatefulSet, all updated but the revisions not yet swapped',
    workload('StatefulSet', 3, 3, { ...sts(3), updateRevision: 'web-9c' }),
    'rollout in progress: revision web-7f, rolling to web-9c',
  ],
  [
    'StatefulSet, stale status',
    workload('StatefulSet', 3, 3, { ...sts(3), observedGeneration: 2 }),
    'status not current: the controller has observed generation 2 of 4',
  ],
  ['StatefulSet, not available yet', workload('StatefulSet', 3, 3, { ...sts(3), available: 1 }), '1/3 replicas available'],
  ['DaemonSet, every node updated and available', workload('DaemonSet', 5, 5, ds(5)), undefined],
  ['DaemonSet mid rollout', workload('DaemonSet', 5, 5, { ...ds(5), updated: 3 }), 'rollout in progress: 3/5 replicas updated'],
  ['DaemonSet, not all available', workload('DaemonSet', 5, 5, { ...ds(5), available: 4 }), '4/5 replicas available'],
  [
    'DaemonSet, stale status',
    workload('DaemonSet', 5, 5, { ...ds(5), observedGeneration: 3 }),
    'status not current: the controller has observed generation 3 of 4',
  ],
  ['ReplicaSet (no rollout of its own), all available', workload('ReplicaSet', 2, 2, rs(2)), undefined],
  [
    'ReplicaSet scaling down',
    workload('ReplicaSet', 2, 2, { ...rs(2), total: 3 }),
    'rollout in progress: 3 replicas for 2 desired, old ones still going away',
  ],
  ['ReplicaSet, not available yet', workload('ReplicaSet', 2, 2, { ...rs(2), available: 0 }), '0/2 replicas available'],
  ['bare pod, ready', workload('Pod', 1, 1, bare), undefined],
  ['bare pod, not ready', workload('Pod', 1, 0, { ...bare, available: 0 }), '0/1 replicas ready'],
];
for (const [title, w, expected] of cases) {
  test(`steady state: ${title}`, (t) => t.is(filterBySteadyState(w), expected));
}

test('steady state from a fresh read: the pods the API server holds now overrule a lagging status', (t) => {
  const pods = [pod('shop', 'web-0', OLD), pod('shop', 'web-1', OLD), { ...pod('shop', 'web-2', OLD), terminating: true }];
  t.is(filterBySteadyState({ ...workload('Deployment', 3, 3, settled(3)), pods }), '2/3 replicas ready');
});
