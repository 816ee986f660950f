// Fresh reads of one workload and its pods, straight from the API server: the
// snapshot uses it for the pods of each opted-in workload (listed by the
// workload's own selector, in its namespace only), the recovery check for
// the whole workload, because a verdict from a cache could lag the truth.

import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Workload, WorkloadKind, WorkloadRef } from '../../domain/model.ts';
import { isNotFound, toKubernetesError } from './errors.ts';
import { listAll } from './listAll.ts';
import {
  ownedPods, selectorText, toPodInfo, toWorkload, type RawPod, type RawWorkload,
} from './toWorkload.ts';

export interface WorkloadReader {
  /** The workload as it is now; undefined when it no longer exists. */
  read(ref: WorkloadRef): Promise<Workload | undefined>;
  /** Adds the current pods to an object already in hand (from a watch cache). */
  withPods(kind: WorkloadKind, object: RawWorkload | RawPod): Promise<Workload>;
}

export function createWorkloadReader(options: { readonly kubeConfig: KubeConfig }): WorkloadReader {
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const apps = options.kubeConfig.makeApiClient(AppsV1Api);

  const readObject = (ref: WorkloadRef): Promise<RawWorkload | RawPod> => {
    const params = { namespace: ref.namespace, name: ref.name };
    switch (ref.kind) {
      case 'Deployment': return apps.readNamespacedDeployment(params);
      case 'StatefulSet': return apps.readNamespacedStatefulSet(params);
      case 'DaemonSet': return apps.readNamespacedDaemonSet(params);
      case 'ReplicaSet': return apps.readNamespacedReplicaSet(params);
      case 'Pod': return core.readNamespacedPod(params);
    }
  };

  const withPods = async (kind: WorkloadKind, object: RawWorkload | RawPod): Promise<Workload> => {
    if (kind === 'Pod') return toWorkload(kind, object, [toPodInfo(object as RawPod)]);
    const meta = object.metadata;
    const namespace = meta?.namespace ?? '';
    const labelSelector = selectorText((object as RawWorkload).spec?.selector);
    if (labelSelector === undefined) return toWorkload(kind, object, []);
    try {
      const [pods, replicaSets] = await Promise.all([
        listAll((page) => core.listNamespacedPod({ namespace, labelSelector, ...page })),
        kind === 'Deployment'
          ? listAll((page) => apps.listNamespacedReplicaSet({ namespace, labelSelector, ...page }))
          : Promise.resolve({ items: [] }),
      ]);
      const owned = ownedPods(kind, meta?.uid ?? '', pods.items, replicaSets.items);
      return toWorkload(kind, object, owned.map(toPodInfo));
    } catch (error) {
      throw toKubernetesError(error, `list pods of ${kind} ${namespace}/${meta?.name ?? ''}`);
    }
  };

  return {
    withPods,
    async read(ref) {
      let object: RawWorkload | RawPod;
      try {
        object = await readObject(ref);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toKubernetesError(error, `read ${ref.kind} ${ref.namespace}/${ref.name}`);
      }
      return withPods(ref.kind, object);
    },
  };
}
