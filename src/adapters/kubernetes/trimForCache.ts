// What a watch cache keeps of each object: the fields the daemon reads, and
// nothing else. managedFields, last-applied-configuration and a Deployment's
// pod template are most of an object's size and never read, so dropping them
// keeps the cache's memory in proportion to what is opted in.

import type { KubernetesObject } from '@kubernetes/client-node';
import type { RawMeta, RawNamespace, RawNode, RawPod, RawWorkload } from './toWorkload.ts';

export type CachedKind = 'workload' | 'pod' | 'node' | 'namespace';

/** Raw objects also carry the resourceVersion, which the cache compares to spot updates. */
type Versioned = { readonly metadata?: RawMeta & { readonly resourceVersion?: string } };

/**
 * A transform for one kind of cached object. Annotations are kept only under
 * `annotationPrefixes` (the daemon's own keys: probe URL, steady state, drain marks).
 */
export function trimForCache<T extends KubernetesObject>(
  kind: CachedKind,
  annotationPrefixes: readonly string[],
): (object: T) => T {
  const meta = (m: (RawMeta & { resourceVersion?: string }) | undefined, extra: boolean) => {
    const annotations = Object.entries(m?.annotations ?? {}).filter(([key]) => annotationPrefixes.some((p) => key.startsWith(p)));
    return defined({
      name: m?.name,
      namespace: m?.namespace,
      uid: m?.uid,
      resourceVersion: m?.resourceVersion,
      labels: m?.labels,
      annotations: annotations.length > 0 ? Object.fromEntries(annotations) : undefined,
      ...(extra ? { ownerReferences: m?.ownerReferences, deletionTimestamp: m?.deletionTimestamp } : {}),
    });
  };
  const conditions = (list: readonly { type: string; status: string }[] | undefined) =>
    list?.map(({ type, status }) => ({ type, status }));
  const trim = (object: Versioned): object => {
    switch (kind) {
      case 'namespace':
        return { metadata: meta((object as RawNamespace & Versioned).metadata, false) };
      case 'workload': {
        const { spec, status } = object as RawWorkload;
        return {
          metadata: defined({ ...meta(object.metadata, true), generation: object.metadata?.generation }),
          spec: defined({ replicas: spec?.replicas, selector: spec?.selector }),
          // Every field steady state reads (rolloutStatus), and no other.
          status: defined({
            observedGeneration: status?.observedGeneration,
            replicas: status?.replicas,
            readyReplicas: status?.readyReplicas,
            updatedReplicas: status?.updatedReplicas,
            availableReplicas: status?.availableReplicas,
            currentRevision: status?.currentRevision,
            updateRevision: status?.updateRevision,
            desiredNumberScheduled: status?.desiredNumberScheduled,
            numberReady: status?.numberReady,
            updatedNumberScheduled: status?.updatedNumberScheduled,
            numberAvailable: status?.numberAvailable,
          }),
        };
      }
      case 'pod': {
        const { spec, status } = object as RawPod;
        return {
          metadata: meta(object.metadata, true),
          spec: defined({ nodeName: spec?.nodeName }),
          status: defined({
            phase: status?.phase,
            startTime: status?.startTime,
            conditions: conditions(status?.conditions),
            podIP: status?.podIP,
          }),
        };
      }
      case 'node': {
        const { spec, status } = object as RawNode;
        return {
          metadata: meta(object.metadata, false),
          spec: defined({ unschedulable: spec?.unschedulable, taints: spec?.taints }),
          status: defined({ conditions: conditions(status?.conditions) }),
        };
      }
    }
  };
  return (object) => trim(object as Versioned) as T;
}

/** Leaves out absent fields, so a trimmed object reads like one from the API. */
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null));
}
