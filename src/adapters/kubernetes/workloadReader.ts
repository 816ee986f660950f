// Fresh reads of one workload and its pods, straight from the API server:
// right before a kill (steady state now, the victims now) and for a recovery
// verdict, because a cache could lag the truth. Two requests: the workload,
// and its pods listed by its own selector in its namespace only.

import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { WorkloadRef, WorkloadWithPods } from '../../domain/model.ts';
import { isNotFound, toKubernetesError } from './errors.ts';
import { listAll } from './listAll.ts';
import { ownedPods, selectorText, toPodInfo, toWorkloadWithPods, type RawPod, type RawWorkload } from './toWorkload.ts';

export interface WorkloadReader {
  /** The workload and its pods as they are now; undefined when it no longer exists. */
  read(ref: WorkloadRef): Promise<WorkloadWithPods | undefined>;
}

export function createWorkloadReader(options: { readonly kubeConfig: KubeConfig }): WorkloadReader {
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const apps = options.kubeConfig.makeApiClient(AppsV1Api);

  const readObject = (ref: WorkloadRef): Promise<RawWorkload | RawPod> => {
    const params = { namespace: ref.namespace, name: ref.name };
    switch (ref.kind) {
      case 'Deployment':
        return apps.readNamespacedDeployment(params);
      case 'StatefulSet':
        return apps.readNamespacedStatefulSet(params);
      case 'DaemonSet':
        return apps.readNamespacedDaemonSet(params);
      case 'ReplicaSet':
        return apps.readNamespacedReplicaSet(params);
      case 'Pod':
        return core.readNamespacedPod(params);
    }
  };

  return {
    async read(ref) {
      let object: RawWorkload | RawPod;
      try {
        object = await readObject(ref);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toKubernetesError(error, `read ${ref.kind} ${ref.namespace}/${ref.name}`);
      }
      if (ref.kind === 'Pod') return toWorkloadWithPods(ref.kind, object, [toPodInfo(object as RawPod)]);
      const labelSelector = selectorText((object as RawWorkload).spec?.selector);
      if (labelSelector === undefined) return toWorkloadWithPods(ref.kind, object, []);
      try {
        const pods = await listAll((page) => core.listNamespacedPod({ namespace: ref.namespace, labelSelector, ...page }));
        return toWorkloadWithPods(ref.kind, object, ownedPods(ref.kind, object.metadata, pods.items).map(toPodInfo));
      } catch (error) {
        throw toKubernetesError(error, `list pods of ${ref.kind} ${ref.namespace}/${ref.name}`);
      }
    },
  };
}
