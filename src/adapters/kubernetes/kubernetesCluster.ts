// The domain's Cluster on a real API server. Opted-in workloads, namespaces
// and (with node chaos) nodes live in watch caches filtered on the server by
// label selector, so a tick costs no list of them; the pods of each opted-in
// workload are listed fresh per snapshot with that workload's own selector,
// because the victims must be current and a cluster-wide pod watch would cost
// far more than the handful of small lists a tick needs. The README (kube-havoc and the Kubernetes API)
// has the measured costs.

import {
  AppsV1Api, CoreV1Api, type KubeConfig, type KubernetesObject,
} from '@kubernetes/client-node';
import type { ClusterSnapshot, NamespaceInfo, Workload, WorkloadKind } from '../../domain/model.ts';
import { toKubernetesError } from './errors.ts';
import type { Occurrence } from '../../domain/occurrence.ts';
import type { Clock, Cluster, Log } from '../../domain/ports.ts';
import type { PageRequest, Page } from './listAll.ts';
import {
  isOwnWorkload, toNamespaceInfo, toNodeInfo, type RawNamespace, type RawNode, type RawPod, type RawWorkload,
} from './toWorkload.ts';
import { createWatchedCache, type WatchedCache } from './watchedCache.ts';
import { createWorkloadReader } from './workloadReader.ts';

export interface KubernetesClusterOptions {
  readonly kubeConfig: KubeConfig;
  /** Opt-in label prefix: `<prefix>/enabled` selects workloads. */
  readonly labelPrefix: string;
  /** Also select `kube-monkey/enabled` (a selector cannot OR two keys: one more watch per kind). */
  readonly kubeMonkey: boolean;
  /** Watch nodes too; without node chaos the snapshot has none. */
  readonly nodeChaos: boolean;
  /** Timers of the watch restarts (backoff). */
  readonly clock: Clock;
  readonly log: Log;
  /** Announces watch failures (`error` occurrences, counted by kind in the metrics). */
  readonly report?: (occurrence: Occurrence) => void;
  /**
   * Watch only these namespaces (a namespaced install whose Roles cover just
   * them); empty or absent: the whole cluster. Their labels are read with a
   * GET each per snapshot instead of a cluster-wide namespace watch.
   */
  readonly namespaces?: readonly string[];
  /** Workloads whose pods are listed at the same time during a snapshot (default 4). */
  readonly concurrency?: number;
}

export interface KubernetesCluster extends Cluster {
  /** Starts every watch; resolves when each has synced or failed once (failures retry in the background). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Every watch is synced and healthy (readiness). */
  synced(): boolean;
}

type Lister = (request: PageRequest & { readonly labelSelector?: string }) => Promise<Page<KubernetesObject>>;

interface WorkloadWatch {
  readonly kind: WorkloadKind;
  readonly cache: WatchedCache<KubernetesObject>;
}

export function createKubernetesCluster(options: KubernetesClusterOptions): KubernetesCluster {
  const { kubeConfig, clock, log } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const reader = createWorkloadReader({ kubeConfig });
  const watch = (what: string, path: string, listPage: Lister, labelSelector?: string) => createWatchedCache({
    kubeConfig, what, path, listPage, clock, log,
    ...(labelSelector === undefined ? {} : { labelSelector }),
    ...(options.report === undefined ? {} : { report: options.report }),
  });

  const scoped = options.namespaces ?? [];
  type Lists = { all: Lister; in: (namespace: string) => Lister };
  const kinds: readonly { kind: WorkloadKind; resource: string; group: string; list: Lists }[] = [
    { kind: 'Deployment', resource: 'deployments', group: '/apis/apps/v1', list: { all: (r) => apps.listDeploymentForAllNamespaces(r), in: (namespace) => (r) => apps.listNamespacedDeployment({ ...r, namespace }) } },
    { kind: 'StatefulSet', resource: 'statefulsets', group: '/apis/apps/v1', list: { all: (r) => apps.listStatefulSetForAllNamespaces(r), in: (namespace) => (r) => apps.listNamespacedStatefulSet({ ...r, namespace }) } },
    { kind: 'DaemonSet', resource: 'daemonsets', group: '/apis/apps/v1', list: { all: (r) => apps.listDaemonSetForAllNamespaces(r), in: (namespace) => (r) => apps.listNamespacedDaemonSet({ ...r, namespace }) } },
    { kind: 'ReplicaSet', resource: 'replicasets', group: '/apis/apps/v1', list: { all: (r) => apps.listReplicaSetForAllNamespaces(r), in: (namespace) => (r) => apps.listNamespacedReplicaSet({ ...r, namespace }) } },
    { kind: 'Pod', resource: 'pods', group: '/api/v1', list: { all: (r) => core.listPodForAllNamespaces(r), in: (namespace) => (r) => core.listNamespacedPod({ ...r, namespace }) } },
  ];
  // Existence, not "=true": a typo such as "ture" must reach the domain so it can warn.
  const optInKeys = [`${options.labelPrefix}/enabled`, ...(options.kubeMonkey ? ['kube-monkey/enabled'] : [])];
  const workloadWatches: WorkloadWatch[] = kinds.flatMap(({ kind, resource, group, list }) => optInKeys.flatMap((key) => (scoped.length === 0
    ? [{ kind, cache: watch(`${resource} with label ${key}`, `${group}/${resource}`, list.all, key) }]
    : scoped.map((ns) => ({ kind, cache: watch(`${resource} in ${ns} with label ${key}`, `${group}/namespaces/${ns}/${resource}`, list.in(ns), key) }))
  )));
  const namespaces = scoped.length === 0 ? watch('namespaces', '/api/v1/namespaces', (r) => core.listNamespace(r)) : undefined;
  const readNamespaces = async (): Promise<NamespaceInfo[]> => {
    if (namespaces !== undefined) return (namespaces.items() as readonly RawNamespace[]).map(toNamespaceInfo);
    return Promise.all(scoped.map(async (name) => {
      try {
        return toNamespaceInfo(await core.readNamespace({ name }) as RawNamespace);
      } catch (error) {
        throw toKubernetesError(error, `read namespace ${name}`);
      }
    }));
  };
  const nodes = options.nodeChaos ? watch('nodes', '/api/v1/nodes', (r) => core.listNode(r)) : undefined;
  const caches = [...workloadWatches.map((w) => w.cache), ...(namespaces ? [namespaces] : []), ...(nodes ? [nodes] : [])];

  const optedIn = () => {
    const seen = new Map<string, { kind: WorkloadKind; object: RawWorkload | RawPod }>();
    for (const { kind, cache } of workloadWatches) {
      for (const object of cache.items() as readonly (RawWorkload | RawPod)[]) {
        const uid = object.metadata?.uid ?? '';
        if (!seen.has(uid) && isOwnWorkload(kind, object.metadata)) seen.set(uid, { kind, object });
      }
    }
    return [...seen.values()];
  };

  return {
    async start() {
      await Promise.all(caches.map((c) => c.start()));
      const problems = caches.map((c) => c.problem()).filter((p) => p !== undefined);
      if (problems.length === 0) log.info({ watches: caches.length }, 'cluster watches synced');
    },
    async stop() {
      await Promise.all(caches.map((c) => c.stop()));
    },
    synced: () => caches.every((c) => c.problem() === undefined),
    async snapshot(): Promise<ClusterSnapshot> {
      // Fail closed: without a trustworthy view there is no victim to pick.
      const problem = caches.map((c) => c.problem()).find((p) => p !== undefined);
      if (problem !== undefined) throw problem;
      const workloads = await mapWithLimit(optedIn(), options.concurrency ?? 4, ({ kind, object }) => reader.withPods(kind, object));
      return {
        namespaces: await readNamespaces(),
        workloads,
        nodes: nodes === undefined ? [] : (nodes.items() as readonly RawNode[]).map(toNodeInfo),
      };
    },
    workload: (ref) => reader.read(ref),
  };
}

/** At most `limit` reads in flight: a tick must not burst the API server. */
async function mapWithLimit<T>(items: readonly T[], limit: number, map: (item: T) => Promise<Workload>): Promise<Workload[]> {
  const results: Workload[] = new Array<Workload>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
