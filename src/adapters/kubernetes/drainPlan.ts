// Which pods a drain evicts, which it leaves, and which stop it from starting,
// as `kubectl drain` decides: DaemonSet and mirror (static) pods stay; pods
// with emptyDir data and bare pods need an explicit option, because their
// data or the pod itself is lost for good.

import type { V1Pod } from '@kubernetes/client-node';
import type { WorkloadRef } from '../../domain/model.ts';
import type { DrainCandidate } from '../../domain/ports.ts';

export interface DrainRules {
  readonly deleteEmptyDirData: boolean;
  readonly evictBarePods: boolean;
  /** The daemon's own pod is never evicted by its own drain. */
  readonly self: { readonly namespace: string; readonly podName: string };
  /** Never touched, not even by a drain: their pods stay on the cordoned node. */
  readonly protectedNamespaces: ReadonlySet<string>;
}

export interface DrainPlan {
  readonly evict: readonly V1Pod[];
  readonly skipped: readonly { readonly pod: string; readonly why: string }[];
  /** Non-empty: the drain must not start (nothing has been cordoned yet). */
  readonly refused: readonly { readonly pod: string; readonly why: string }[];
}

const MIRROR = 'kubernetes.io/config.mirror';

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function planDrain(pods: readonly V1Pod[], options: DrainRules): DrainPlan {
  const evict: V1Pod[] = [];
  const skipped: { pod: string; why: string }[] = [];
  const refused: { pod: string; why: string }[] = [];
  for (const pod of pods) {
    const key = podKey(pod);
    const controller = pod.metadata?.ownerReferences?.find((o) => o.controller);
    const phase = pod.status?.phase;
    if (pod.metadata?.deletionTimestamp) skipped.push({ pod: key, why: 'already terminating' });
    else if (phase === 'Succeeded' || phase === 'Failed') skipped.push({ pod: key, why: `finished (${phase})` });
    else if (pod.metadata?.annotations?.[MIRROR] !== undefined) skipped.push({ pod: key, why: 'mirror (static) pod' });
    else if (controller?.kind === 'DaemonSet') skipped.push({ pod: key, why: 'managed by a DaemonSet' });
    else if (pod.metadata?.namespace === options.self.namespace && pod.metadata?.name === options.self.podName)
      skipped.push({ pod: key, why: 'the daemon itself' });
    else if (options.protectedNamespaces.has(pod.metadata?.namespace ?? ''))
      skipped.push({ pod: key, why: 'in a protected namespace' });
    else if (controller === undefined && !options.evictBarePods)
      refused.push({ pod: key, why: 'has no controller and would not come back (set nodes.evictBarePods)' });
    else if ((pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined) && !options.deleteEmptyDirData) {
      refused.push({ pod: key, why: 'uses emptyDir data that would be lost (set nodes.deleteEmptyDirData)' });
    } else evict.push(pod);
  }
  return { evict, skipped, refused };
}

/**
 * The workload a pod belongs to, from its controller reference alone (no
 * request): a ReplicaSet named `<deployment>-<pod-template-hash>` is a
 * Deployment's, as the Deployment controller names them.
 */
export function workloadOf(pod: V1Pod): WorkloadRef | undefined {
  const namespace = pod.metadata?.namespace ?? '';
  const controller = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (controller === undefined) return { kind: 'Pod', namespace, name: pod.metadata?.name ?? '' };
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (controller.kind === 'ReplicaSet' && hash !== undefined && controller.name.endsWith(`-${hash}`))
    return { kind: 'Deployment', namespace, name: controller.name.slice(0, -hash.length - 1) };
  if (controller.kind === 'ReplicaSet' || controller.kind === 'StatefulSet' || controller.kind === 'DaemonSet')
    return { kind: controller.kind, namespace, name: controller.name };
  return undefined;
}

export function drainCandidate(pod: V1Pod): DrainCandidate {
  const workload = workloadOf(pod);
  return { key: podKey(pod), terminating: pod.metadata?.deletionTimestamp != null, ...(workload ? { workload } : {}) };
}
