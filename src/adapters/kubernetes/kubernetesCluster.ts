// The domain's Cluster on a real API server. Opted-in workloads, namespaces
// and (with node chaos) nodes live in watch caches filtered on the server by
// label selector and trimmed to the fields the daemon reads, so a snapshot
// (the whole decision of a tick: eligibility, budgets, the draw) costs no
// request at all. Pods are read only for a workload that is about to be hit
// or is under a recovery check, fresh from the API server; the recovery check
// follows the workload watch instead of polling. docs/scale.md has the
// measured costs.

import { AppsV1Api, CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { ClusterSnapshot, NamespaceInfo, WorkloadKind, WorkloadRef } from '../../domain/model.ts';
import { httpStatus, toKubernetesError } from './errors.ts';
import type { Occurrence } from '../../domain/occurrence.ts';
import type { Clock, Cluster, Log } from '../../domain/ports.ts';
import type { PageRequest, Page } from './listAll.ts';
import {
  isOwnWorkload,
  toNamespaceInfo,
  toNodeInfo,
  toWorkload,
  type RawNamespace,
  type RawNode,
  type RawPod,
  type RawWorkload,
} from './toWorkload.ts';
import { trimForCache, type CachedKind } from './trimForCache.ts';
import { createWatchedCache, type WatchedCache } from './watchedCache.ts';
import { createWorkloadReader } from './workloadReader.ts';
import { ZONE_LABEL } from '../../domain/selection/zones.ts';

export interface KubernetesClusterOptions {
  readonly kubeConfig: KubeConfig;
  /** Opt-in label prefix: `<prefix>/enabled` selects workloads. */
  readonly labelPrefix: string;
  /** Also select `kube-monkey/enabled` (a selector cannot OR two keys: one more watch per kind). */
  readonly kubeMonkey: boolean;
  /** Watch nodes too; without node chaos the snapshot has none. */
  readonly nodeChaos: boolean;
  /**
   * Watch every node also without node chaos, for the zone of each pod's node (blastRadius.keepReadyPerZone):
   * one LIST at start and one open watch, no request per tick.
   */
  readonly zones?: boolean;
  /**
   * Without node chaos: the label selector of this install's drain mark. Only
   * the nodes it selects are watched (the give-back's view; usually none), and
   * that watch never holds back the snapshot or readiness.
   */
  readonly drainMarkSelector?: string;
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
  /**
   * Whether namespace labels decide anything (namespaces.selector is set).
   * Without a selector they are neither watched nor read, and a snapshot
   * lists no namespaces. Absent: read, as for a selector.
   */
  readonly namespaceLabels?: boolean;
  /** Counts a re-list of one watch, by resource ("deployments", "pods", "nodes", ...). */
  readonly onRelist?: (resource: string) => void;
}

export interface KubernetesCluster extends Cluster {
  /** Starts every watch; resolves when each has synced or failed once (failures retry in the background). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Every watch is synced and healthy (readiness). */
  synced(): boolean;
  /** The watched nodes (all with node chaos, else the marked ones), trimmed; undefined while that watch cannot be trusted. */
  watchedNodes(): readonly RawNode[] | undefined;
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
  const annotationPrefixes = [`${options.labelPrefix}/`, ...(options.kubeMonkey ? ['kube-monkey/'] : [])];
  const watch = (what: string, path: string, listPage: Lister, kind: CachedKind, labelSelector?: string, meanwhile?: string) =>
    createWatchedCache({
      ...(meanwhile === undefined ? {} : { meanwhile }),
      kubeConfig,
      what,
      path,
      listPage,
      clock,
      log,
      transform: trimForCache(kind, annotationPrefixes),
      onRelist: () => options.onRelist?.(path.split('/').at(-1) ?? path),
      labelSelector,
      report: options.report,
    });

  const scoped = options.namespaces ?? [];
  type Lists = { all: Lister; in: (namespace: string) => Lister };
  const kinds: readonly { kind: WorkloadKind; resource: string; group: string; list: Lists }[] = [
    {
      kind: 'Deployment',
      resource: 'deployments',
      group: '/apis/apps/v1',
      list: {
        all: (r) => apps.listDeploymentForAllNamespaces(r),
        in: (namespace) => (r) => apps.listNamespacedDeployment({ ...r, namespace }),
      },
    },
    {
      kind: 'StatefulSet',
      resource: 'statefulsets',
      group: '/apis/apps/v1',
      list: {
        all: (r) => apps.listStatefulSetForAllNamespaces(r),
        in: (namespace) => (r) => apps.listNamespacedStatefulSet({ ...r, namespace }),
      },
    },
    {
      kind: 'DaemonSet',
      resource: 'daemonsets',
      group: '/apis/apps/v1',
      list: {
        all: (r) => apps.listDaemonSetForAllNamespaces(r),
        in: (namespace) => (r) => apps.listNamespacedDaemonSet({ ...r, namespace }),
      },
    },
    {
      kind: 'ReplicaSet',
      resource: 'replicasets',
      group: '/apis/apps/v1',
      list: {
        all: (r) => apps.listReplicaSetForAllNamespaces(r),
        in: (namespace) => (r) => apps.listNamespacedReplicaSet({ ...r, namespace }),
      },
    },
    {
      kind: 'Pod',
      resource: 'pods',
      group: '/api/v1',
      list: {
        all: (r) => core.listPodForAllNamespaces(r),
        in: (namespace) => (r) => core.listNamespacedPod({ ...r, namespace }),
      },
    },
  ];
  // Existence, not "=true": a typo such as "ture" must reach the domain so it can warn.
  const optInKeys = [`${options.labelPrefix}/enabled`, ...(options.kubeMonkey ? ['kube-monkey/enabled'] : [])];
  const workloadWatches: WorkloadWatch[] = kinds.flatMap(({ kind, resource, group, list }) =>
    optInKeys.flatMap((key) => {
      const selector = `${key}${CONTROLLER_MADE[kind] ?? ''}`;
      const cachedKind = kind === 'Pod' ? 'pod' : 'workload';
      return scoped.length === 0
        ? [{ kind, cache: watch(`${resource} with label ${key}`, `${group}/${resource}`, list.all, cachedKind, selector) }]
        : scoped.map((ns) => ({
            kind,
            cache: watch(
              `${resource} in ${ns} with label ${key}`,
              `${group}/namespaces/${ns}/${resource}`,
              list.in(ns),
              cachedKind,
              selector,
            ),
          }));
    }),
  );
  const labelsMatter = options.namespaceLabels ?? true;
  const namespaces =
    labelsMatter && scoped.length === 0
      ? watch('namespaces', '/api/v1/namespaces', (r) => core.listNamespace(r), 'namespace')
      : undefined;
  const readNamespace = async (name: string): Promise<NamespaceInfo | undefined> => {
    try {
      return toNamespaceInfo((await core.readNamespace({ name })) as RawNamespace);
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw toKubernetesError(error, `read namespace ${name}`);
    }
  };
  const readNamespaces = async (): Promise<NamespaceInfo[]> => {
    if (!labelsMatter) return [];
    if (namespaces !== undefined) return (namespaces.items() as readonly RawNamespace[]).map(toNamespaceInfo);
    return Promise.all(
      scoped.map(async (name) => {
        try {
          return toNamespaceInfo((await core.readNamespace({ name })) as RawNamespace);
        } catch (error) {
          throw toKubernetesError(error, `read namespace ${name}`);
        }
      }),
    );
  };
  const listNodes: Lister = (r) => core.listNode(r);
  const nodes = options.nodeChaos || options.zones ? watch('nodes', '/api/v1/nodes', listNodes, 'node') : undefined;
  const marked =
    nodes === undefined && options.drainMarkSelector !== undefined
      ? watch(
          `nodes with label ${options.drainMarkSelector}`,
          '/api/v1/nodes',
          listNodes,
          'node',
          options.drainMarkSelector,
          'the give-back of drained nodes waits for it; pod chaos goes on',
        )
      : undefined;
  const nodeView = nodes ?? marked;
  const caches = [...workloadWatches.map((w) => w.cache), ...(namespaces ? [namespaces] : []), ...(nodes ? [nodes] : [])];

  // Waiters for the next change of one workload (recovery checks), by workload key.
  const waiters = new Map<string, Set<() => void>>();
  const keyOf = (kind: WorkloadKind, namespace: string, name: string) => `${kind}/${namespace}/${name}`;
  for (const { kind, cache } of workloadWatches) {
    cache.onChange((object) => {
      const key = keyOf(kind, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
      const wake = waiters.get(key);
      if (wake === undefined) return;
      waiters.delete(key);
      for (const resolve of wake) resolve();
    });
  }
  const watched = (ref: WorkloadRef) => {
    for (const { kind, cache } of workloadWatches) {
      if (kind !== ref.kind) continue;
      const object = cache.get(ref.namespace, ref.name) as RawWorkload | RawPod | undefined;
      if (object !== undefined && isOwnWorkload(kind, object.metadata)) return toWorkload(kind, object);
    }
    return undefined;
  };

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
      await Promise.all([...caches, ...(marked ? [marked] : [])].map((c) => c.start()));
      const problems = caches.map((c) => c.problem()).filter((p) => p !== undefined);
      if (problems.length === 0) log.info({ watches: caches.length }, 'cluster watches synced');
    },
    async stop() {
      await Promise.all([...caches, ...(marked ? [marked] : [])].map((c) => c.stop()));
    },
    synced: () => caches.every((c) => c.problem() === undefined),
    watchedNodes: () =>
      nodeView === undefined || nodeView.problem() !== undefined ? undefined : (nodeView.items() as readonly RawNode[]),
    async snapshot(): Promise<ClusterSnapshot> {
      // Fail closed: without a trustworthy view there is no victim to pick.
      const problem = caches.map((c) => c.problem()).find((p) => p !== undefined);
      if (problem !== undefined) throw problem;
      return {
        namespaces: await readNamespaces(),
        workloads: optedIn().map(({ kind, object }) => toWorkload(kind, object)),
        nodes: nodes === undefined || !options.nodeChaos ? [] : (nodes.items() as readonly RawNode[]).map(toNodeInfo),
      };
    },
    workload: (ref) => reader.read(ref),
    async namespace(name) {
      if (namespaces === undefined) return readNamespace(name);
      const object = (namespaces.items() as readonly RawNamespace[]).find((n) => n.metadata?.name === name);
      return object === undefined ? undefined : toNamespaceInfo(object);
    },
    watched,
    zoneOf: (name) => (nodes?.get('', name) as RawNode | undefined)?.metadata?.labels?.[ZONE_LABEL],
    changed(ref, signal) {
      return new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const key = keyOf(ref.kind, ref.namespace, ref.name);
        const wake = () => {
          signal.removeEventListener('abort', giveUp);
          resolve();
        };
        const giveUp = () => {
          waiters.get(key)?.delete(wake);
          if (waiters.get(key)?.size === 0) waiters.delete(key);
          resolve();
        };
        waiters.set(key, (waiters.get(key) ?? new Set()).add(wake));
        signal.addEventListener('abort', giveUp, { once: true });
      });
    },
  };
}

/**
 * Labels the API server sets on pods (and ReplicaSets) that a controller
 * made, as selector terms that leave them out: pod templates often carry the
 * opt-in label, and those copies belong to their owner, which is watched on
 * its own. Without this a watch would hold every pod of every opted-in
 * Deployment only to drop it. Anything these miss is still dropped by
 * isOwnWorkload.
 */
const CONTROLLER_MADE: Partial<Record<WorkloadKind, string>> = {
  // Deployment (pod-template-hash), StatefulSet and DaemonSet (controller-revision-hash), Job (controller-uid, both spellings).
  Pod: ',!pod-template-hash,!controller-revision-hash,!batch.kubernetes.io/controller-uid,!controller-uid',
  // A Deployment's ReplicaSets carry its pod-template-hash.
  ReplicaSet: ',!pod-template-hash',
};
