// The domain's vocabulary: what the cluster looks like to the selection, and
// what a kill produces. Plain data only, so filters stay pure and testable.

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Pod';

export interface WorkloadRef {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
}

export interface PodInfo {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly phase: string;
  readonly ready: boolean;
  /** A deletionTimestamp is set: the pod is already going away. */
  readonly terminating: boolean;
  readonly startedAt?: Date;
  readonly nodeName?: string;
  /** status.podIP: a probe may go to it by default (the probe address policy). */
  readonly ip?: string;
}

export interface Workload {
  readonly ref: WorkloadRef;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Replicas the controller wants (DaemonSet: desiredNumberScheduled; bare pod: 1). */
  readonly desired: number;
  /** Replicas that are ready now, as the controller's status says (from a watch: may lag). */
  readonly ready: number;
  /** The rest of the controller's status that steady state needs: whether its last rollout is done. */
  readonly rollout: RolloutStatus;
}

/**
 * A controller's account of its last change, read where each kind keeps it.
 * A field a kind does not have is absent, and steady state does not ask it.
 */
export interface RolloutStatus {
  /** metadata.generation, and status.observedGeneration: lower means the status predates the last spec change. */
  readonly generation: number;
  readonly observedGeneration: number;
  /** Replicas on the current template: updatedReplicas (DaemonSet: updatedNumberScheduled); absent for ReplicaSets and pods. */
  readonly updated?: number;
  /** Replicas running, old template included (status.replicas of a Deployment or ReplicaSet). */
  readonly total?: number;
  /** Replicas ready for at least minReadySeconds: availableReplicas (DaemonSet: numberAvailable; bare pod: ready). */
  readonly available: number;
  /** StatefulSet: the revision its pods run and the one it rolls to (they differ during a rollout or behind a partition). */
  readonly currentRevision?: string;
  readonly updateRevision?: string;
}

/**
 * A workload read fresh from the API server with the pods it controls now.
 * Only the workloads drawn in a tick (and those under a recovery check) are
 * read this way: pods are never part of a snapshot, so a tick costs what it
 * hits, not what is opted in.
 */
export interface WorkloadWithPods extends Workload {
  readonly pods: readonly PodInfo[];
}

export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface NodeInfo {
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly ready: boolean;
  readonly unschedulable: boolean;
}

/** What the daemon sees of the cluster at one tick. */
export interface ClusterSnapshot {
  readonly namespaces: readonly NamespaceInfo[];
  /** Workloads that carry an opt-in label under one of the known prefixes (without their pods). */
  readonly workloads: readonly Workload[];
  /** Every node (node chaos needs the ready count of all of them). */
  readonly nodes: readonly NodeInfo[];
}

export type KillAction = 'pod-evict' | 'pod-delete' | 'node-drain';

/**
 * The bounded set of results; metrics and Slack use exactly these words.
 * `unknown`: the pod went, but the cluster cannot tell whether kube-havoc's
 * request took it (a lost answer or a successor found it gone, or going for
 * another cause); never reported as a kill, and it stays charged.
 */
export type KillResult = 'killed' | 'blocked' | 'already-gone' | 'failed' | 'unknown';

export interface KillOutcome {
  readonly result: KillResult;
  /** Human-readable detail: which PDB blocked, which error failed. */
  readonly detail?: string;
}

export type RecoveryVerdict =
  | { readonly recovered: true; readonly seconds: number }
  | { readonly recovered: false; readonly seconds: number; readonly detail: string };

export function workloadKey(ref: WorkloadRef): string {
  return `${ref.namespace}/${ref.kind}/${ref.name}`;
}
