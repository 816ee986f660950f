// From raw Kubernetes objects to the domain model. Pure, so it is tested with
// plain objects shaped like the API's. The input types are the few fields we
// read; timestamps may be Date (typed client) or string (watch events carry
// raw JSON), so every time goes through toDate.

import type {
  NamespaceInfo,
  NodeInfo,
  PodInfo,
  RolloutStatus,
  Workload,
  WorkloadKind,
  WorkloadWithPods,
} from '../../domain/model.ts';

type Time = Date | string;
type Labels = Record<string, string>;

export interface RawOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
}

export interface RawMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly labels?: Labels;
  readonly annotations?: Labels;
  readonly deletionTimestamp?: Time;
  readonly ownerReferences?: readonly RawOwner[];
}

export interface RawSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

interface RawCondition {
  readonly type: string;
  readonly status: string;
}

/** Deployment, StatefulSet, ReplicaSet or DaemonSet. */
export interface RawWorkload {
  readonly metadata?: RawMeta;
  readonly spec?: { readonly replicas?: number; readonly selector?: RawSelector };
  readonly status?: RawWorkloadStatus;
}

/** The status fields steady state reads; the API omits a zero count, so an absent one is 0. */
export interface RawWorkloadStatus {
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly readyReplicas?: number;
  readonly updatedReplicas?: number;
  readonly availableReplicas?: number;
  readonly currentRevision?: string;
  readonly updateRevision?: string;
  readonly desiredNumberScheduled?: number;
  readonly numberReady?: number;
  readonly updatedNumberScheduled?: number;
  readonly numberAvailable?: number;
}

export interface RawPod {
  readonly metadata?: RawMeta;
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly phase?: string;
    readonly startTime?: Time;
    readonly conditions?: readonly RawCondition[];
    readonly podIP?: string;
  };
}

export interface RawNode {
  readonly metadata?: RawMeta;
  readonly spec?: {
    readonly unschedulable?: boolean;
    readonly taints?: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
  };
  readonly status?: { readonly conditions?: readonly RawCondition[] };
}

export interface RawNamespace {
  readonly metadata?: RawMeta;
}

function toDate(time: Time | undefined): Date | undefined {
  if (time === undefined || time === null) return undefined;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function isTrue(conditions: readonly RawCondition[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

export function controllerOf(meta: RawMeta | undefined): RawOwner | undefined {
  return meta?.ownerReferences?.find((o) => o.controller === true);
}

export function toPodInfo(pod: RawPod): PodInfo {
  const startedAt = toDate(pod.status?.startTime);
  const nodeName = pod.spec?.nodeName;
  const ip = pod.status?.podIP;
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: isTrue(pod.status?.conditions, 'Ready'),
    terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(nodeName === undefined || nodeName === '' ? {} : { nodeName }),
    ...(ip === undefined || ip === '' ? {} : { ip }),
  };
}

/** Desired and ready replicas, read where each controller keeps them. */
export function replicaCounts(kind: WorkloadKind, object: RawWorkload | RawPod): { desired: number; ready: number } {
  if (kind === 'Pod') return { desired: 1, ready: isTrue((object as RawPod).status?.conditions, 'Ready') ? 1 : 0 };
  const { spec, status } = object as RawWorkload;
  if (kind === 'DaemonSet') return { desired: status?.desiredNumberScheduled ?? 0, ready: status?.numberReady ?? 0 };
  // spec.replicas defaults to 1 on the server; absent only in hand-made objects.
  return { desired: spec?.replicas ?? 1, ready: status?.readyReplicas ?? 0 };
}

/** Whether the controller's last change is done, read where each kind keeps it (see filterBySteadyState). */
export function rolloutStatus(kind: WorkloadKind, object: RawWorkload | RawPod): RolloutStatus {
  // A bare pod has no controller and no rollout: its readiness is all there is.
  if (kind === 'Pod') return { generation: 0, observedGeneration: 0, available: replicaCounts(kind, object).ready };
  const { metadata, status } = object as RawWorkload;
  const generations = { generation: metadata?.generation ?? 0, observedGeneration: status?.observedGeneration ?? 0 };
  if (kind === 'DaemonSet')
    return { ...generations, updated: status?.updatedNumberScheduled ?? 0, available: status?.numberAvailable ?? 0 };
  const available = status?.availableReplicas ?? 0;
  // A ReplicaSet runs one template: it has no rollout of its own, only pods beyond its count while it scales down.
  if (kind === 'ReplicaSet') return { ...generations, total: status?.replicas ?? 0, available };
  const updated = status?.updatedReplicas ?? 0;
  if (kind === 'Deployment') return { ...generations, updated, total: status?.replicas ?? 0, available };
  return {
    ...generations,
    updated,
    available,
    ...(status?.currentRevision === undefined ? {} : { currentRevision: status.currentRevision }),
    ...(status?.updateRevision === undefined ? {} : { updateRevision: status.updateRevision }),
  };
}

export function toWorkload(kind: WorkloadKind, object: RawWorkload | RawPod): Workload {
  const meta = object.metadata;
  return {
    ref: { kind, namespace: meta?.namespace ?? '', name: meta?.name ?? '' },
    uid: meta?.uid ?? '',
    labels: { ...meta?.labels },
    annotations: { ...meta?.annotations },
    ...replicaCounts(kind, object),
    rollout: rolloutStatus(kind, object),
  };
}

export function toWorkloadWithPods(kind: WorkloadKind, object: RawWorkload | RawPod, pods: readonly PodInfo[]): WorkloadWithPods {
  return { ...toWorkload(kind, object), pods };
}

/**
 * Whether an opted-in object is a workload of its own. A ReplicaSet run by a
 * Deployment and a pod run by any controller belong to their owner: counting
 * them too would hit one application twice (pod templates often carry the
 * opt-in label, which Kubernetes copies down).
 */
export function isOwnWorkload(kind: WorkloadKind, meta: RawMeta | undefined): boolean {
  const controller = controllerOf(meta);
  if (kind === 'Pod') return controller === undefined;
  if (kind === 'ReplicaSet') return controller?.kind !== 'Deployment';
  return true;
}

/**
 * The pods a workload controls, by their controller ownerReference: a
 * selector alone can overlap with another workload's. StatefulSet, DaemonSet
 * and ReplicaSet pods name their owner's uid.
 *
 * Deployment pods are owned by one of its ReplicaSets (several during a
 * rollout), which the Deployment controller names `<deployment>-<hash>` and
 * whose pods carry that hash as `pod-template-hash`. ReplicaSet names are
 * unique in a namespace, and this Deployment adopts any orphan ReplicaSet its
 * selector matches, so a pod that matches the selector, whose controller is
 * the ReplicaSet `<deployment>-<its own pod-template-hash>`, is this
 * Deployment's, old ReplicaSets included. That saves listing ReplicaSets at
 * every read. Another Deployment cannot collide: its ReplicaSets are named
 * after it, and `<other>-<hash>` never equals `<this>-<hash>` for the same hash.
 */
export function ownedPods<P extends RawPod>(kind: WorkloadKind, owner: RawMeta | undefined, pods: readonly P[]): P[] {
  const uid = owner?.uid ?? '';
  if (kind === 'Pod') return pods.filter((p) => p.metadata?.uid === uid && uid !== '');
  return pods.filter((p) => {
    const controller = controllerOf(p.metadata);
    if (controller === undefined) return false;
    if (kind !== 'Deployment') return controller.kind === kind && controller.uid === uid && uid !== '';
    const hash = p.metadata?.labels?.['pod-template-hash'];
    return (
      controller.kind === 'ReplicaSet' &&
      controller.apiVersion === 'apps/v1' &&
      hash !== undefined &&
      hash !== '' &&
      owner?.name !== undefined &&
      controller.name === `${owner.name}-${hash}`
    );
  });
}

/**
 * A metav1.LabelSelector as the text the API accepts. Undefined for a missing
 * or empty selector: that one matches every pod in the namespace, and listing
 * those for a victim would be a blast-radius accident.
 */
export function selectorText(selector: RawSelector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === 'In') parts.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else return undefined; // an operator we do not know: better no pods than wrong pods
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

export function toNodeInfo(node: RawNode): NodeInfo {
  return {
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
    labels: { ...node.metadata?.labels },
    annotations: { ...node.metadata?.annotations },
    taints: (node.spec?.taints ?? []).map((t) => ({
      key: t.key,
      effect: t.effect,
      ...(t.value === undefined ? {} : { value: t.value }),
    })),
    ready: isTrue(node.status?.conditions, 'Ready'),
    unschedulable: node.spec?.unschedulable === true,
  };
}

export function toNamespaceInfo(namespace: RawNamespace): NamespaceInfo {
  return { name: namespace.metadata?.name ?? '', labels: { ...namespace.metadata?.labels } };
}
