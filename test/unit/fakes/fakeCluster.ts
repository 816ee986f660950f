// An in-memory cluster: workloads with pods that a fake killer removes and a
// "controller" (heal) that replaces them, so recovery can be observed.

import type {
  ClusterSnapshot,
  RolloutStatus,
  KillOutcome,
  NamespaceInfo,
  NodeInfo,
  PodInfo,
  WorkloadRef,
  WorkloadWithPods,
} from '../../../src/domain/model.ts';
import type { Cluster, KillOptions, PodFate, PodKiller } from '../../../src/domain/ports.ts';
import { ZONE_LABEL } from '../../../src/domain/selection/zones.ts';

export interface FakeCluster extends Cluster, PodKiller {
  workloads: WorkloadWithPods[];
  /** Fresh reads (`workload()` calls): what costs API requests in the real adapter. */
  reads: number;
  namespaces: NamespaceInfo[];
  nodes: NodeInfo[];
  kills: { pod: string; dryRun: boolean }[];
  /**
   * Pods the API server still holds while they terminate, by UID, as fate() sees them: an eviction leaves the
   * victim there, marked DisruptionTarget/EvictionByEvictionAPI, for its grace period. A test deletes an entry
   * to end that grace period (the pod is then gone), or adds one for a pod another cause is taking.
   */
  terminating: Map<string, PodFate>;
  /** Outcome the next kills return instead of 'killed' (e.g. blocked by a PDB). */
  nextOutcome?: KillOutcome;
  /** Makes snapshot() fail (an unreachable API server). */
  failSnapshot?: Error;
  /** Replace every missing pod with a fresh ready one (the controller catching up). */
  heal(at: Date): void;
}

/** The condition the API server sets on a pod the Eviction API takes. */
export const evictionMark = { reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' } as const;

export function pod(namespace: string, name: string, startedAt: Date, extra: Partial<PodInfo> = {}): PodInfo {
  return { namespace, name, uid: `uid-${name}`, phase: 'Running', ready: true, terminating: false, startedAt, ...extra };
}

/** The status of a Deployment whose last rollout is done: `replicas` updated, available and no old one left. */
export function rolloutDone(replicas: number): RolloutStatus {
  return { generation: 1, observedGeneration: 1, updated: replicas, total: replicas, available: replicas };
}

export function deployment(
  namespace: string,
  name: string,
  replicas: number,
  labels: Record<string, string>,
  startedAt: Date,
  annotations: Record<string, string> = {},
): WorkloadWithPods {
  const pods = Array.from({ length: replicas }, (_, i) => pod(namespace, `${name}-${i}`, startedAt));
  return {
    ref: { kind: 'Deployment', namespace, name },
    uid: `uid-${namespace}-${name}`,
    labels,
    annotations,
    desired: replicas,
    ready: replicas,
    rollout: rolloutDone(replicas),
    pods,
  };
}

export function fakeCluster(workloads: WorkloadWithPods[], namespaces?: NamespaceInfo[]): FakeCluster {
  let generation = 0;
  // The watch: every change wakes whoever waits for one.
  let waiters: (() => void)[] = [];
  const changed = () => {
    const wake = waiters;
    waiters = [];
    for (const resolve of wake) resolve();
  };
  const find = (ref: WorkloadRef) =>
    cluster.workloads.find((w) => w.ref.kind === ref.kind && w.ref.namespace === ref.namespace && w.ref.name === ref.name);
  const cluster: FakeCluster = {
    workloads,
    reads: 0,
    namespaces: namespaces ?? [...new Set(workloads.map((w) => w.ref.namespace))].map((name) => ({ name, labels: {} })),
    nodes: [],
    kills: [],
    terminating: new Map(),
    async snapshot(): Promise<ClusterSnapshot> {
      if (cluster.failSnapshot) throw cluster.failSnapshot;
      return { namespaces: cluster.namespaces, workloads: cluster.workloads, nodes: cluster.nodes };
    },
    async workload(ref: WorkloadRef) {
      cluster.reads += 1;
      return find(ref);
    },
    async namespace(name) {
      cluster.reads += 1;
      return cluster.namespaces.find((n) => n.name === name);
    },
    watched: (ref) => find(ref),
    zoneOf: (name) => cluster.nodes.find((n) => n.name === name)?.labels[ZONE_LABEL],
    changed: (_ref, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        waiters.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    async kill(victim: PodInfo, ref: WorkloadRef, options: KillOptions): Promise<KillOutcome> {
      cluster.kills.push({ pod: `${victim.namespace}/${victim.name}`, dryRun: options.dryRun });
      if (cluster.nextOutcome) return cluster.nextOutcome;
      if (options.dryRun) return { result: 'killed' };
      const index = cluster.workloads.findIndex((w) => w.ref.namespace === ref.namespace && w.ref.name === ref.name);
      const w = cluster.workloads[index];
      if (!w || !w.pods.some((p) => p.uid === victim.uid)) return { result: 'already-gone' };
      const pods = w.pods.filter((p) => p.uid !== victim.uid);
      cluster.terminating.set(victim.uid, { seen: 'terminating', disruption: evictionMark });
      // The controller's status follows: fewer ready and available, and one pod short of the count.
      const ready = pods.filter((p) => p.ready).length;
      const rollout = { ...w.rollout, available: ready, ...(w.rollout.total === undefined ? {} : { total: pods.length }) };
      cluster.workloads[index] = { ...w, pods, ready, rollout };
      changed();
      return { result: 'killed' };
    },
    async fate(victim) {
      const held = cluster.terminating.get(victim.uid);
      if (held !== undefined) return held;
      const live = cluster.workloads.flatMap((w) => w.pods).find((p) => p.uid === victim.uid);
      if (live === undefined) return { seen: 'gone' };
      return { seen: live.terminating ? 'terminating' : 'present' };
    },
    heal(at: Date) {
      cluster.workloads = cluster.workloads.map((w) => {
        const missing = w.desired - w.pods.length;
        if (missing <= 0) return w;
        const fresh = Array.from({ length: missing }, () => pod(w.ref.namespace, `${w.ref.name}-r${generation++}`, at));
        const rollout = { ...w.rollout, available: w.desired, ...(w.rollout.total === undefined ? {} : { total: w.desired }) };
        return { ...w, pods: [...w.pods, ...fresh], ready: w.desired, rollout };
      });
      changed();
    },
  };
  return cluster;
}
