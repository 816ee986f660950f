// Which other kube-havoc installs act in this cluster, and where. Each install
// advertises its scope on its leader Lease (a label to find it by, the scope
// as an annotation), written by the elector's own writes, so advertising costs
// no request. One cluster-wide watch of the Leases with that label (renewals
// arrive as watch events; nothing is polled, no tick asks anything) tells
// this install which others are alive (holder set, renewed within twice their
// lease duration) and whether one installed first acts on a namespace it
// would act on. Reported when an overlap starts, changes or ends. A watch that
// cannot be trusted (no RBAC for Leases) is reported and claims nothing.

import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import {
  claimedBy,
  installedFirst,
  overlaps,
  sharedNamespaces,
  type AdvertisedInstall,
  type InstallScope,
} from '../../domain/install/installOverlap.ts';
import type { NamespaceInfo } from '../../domain/model.ts';
import type { Occurrence } from '../../domain/occurrence.ts';
import type { Clock, Log } from '../../domain/ports.ts';
import type { NamespaceClaims } from '../../domain/settings.ts';
import { createWatchedCache } from './watchedCache.ts';

export interface InstallRegistryOptions {
  readonly kubeConfig: KubeConfig;
  readonly labelPrefix: string;
  /** This install's scope; `scope.install` is its name. */
  readonly scope: InstallScope;
  /** A label value naming this install (the drain mark's). */
  readonly label: string;
  /** This install's Lease, which carries its advertisement and its install time; undefined without leader election. */
  readonly lease?: { readonly namespace: string; readonly name: string };
  /** Act in shared namespaces anyway (namespaces.allowOverlap). */
  readonly allowOverlap: boolean;
  readonly clock: Clock;
  readonly log: Log;
  readonly report: (occurrence: Occurrence) => void;
}

export interface InstallRegistry extends NamespaceClaims {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What the Lease carries so other installs find this one and read its scope. */
export function advertisement(prefix: string, label: string, scope: InstallScope) {
  return { labels: { [`${prefix}/install`]: label }, annotations: { [`${prefix}/install-scope`]: JSON.stringify(scope) } };
}

export function createInstallRegistry(options: InstallRegistryOptions): InstallRegistry {
  const { clock, scope, lease } = options;
  const key = `${options.labelPrefix}/install-scope`;
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const cache = createWatchedCache<V1Lease>({
    kubeConfig: options.kubeConfig,
    what: `kube-havoc installs (Leases with label ${options.labelPrefix}/install)`,
    path: '/apis/coordination.k8s.io/v1/leases',
    labelSelector: `${options.labelPrefix}/install`,
    listPage: (r) => api.listLeaseForAllNamespaces(r),
    clock,
    log: options.log,
    report: options.report,
    meanwhile: 'no namespace is left to another install meanwhile; chaos goes on',
    transform: (l) => ({
      metadata: {
        name: l.metadata?.name,
        namespace: l.metadata?.namespace,
        resourceVersion: l.metadata?.resourceVersion,
        creationTimestamp: l.metadata?.creationTimestamp,
        annotations: { [key]: l.metadata?.annotations?.[key] ?? '' },
      },
      spec: {
        holderIdentity: l.spec?.holderIdentity,
        renewTime: l.spec?.renewTime,
        leaseDurationSeconds: l.spec?.leaseDurationSeconds,
      },
    }),
  });

  const own = (): AdvertisedInstall => {
    const mine = lease && cache.get(lease.namespace, lease.name);
    const since = mine?.metadata?.creationTimestamp;
    return since === undefined ? scope : { ...scope, since: new Date(since) };
  };
  const others = (): AdvertisedInstall[] => {
    const now = clock.now().getTime();
    return cache.items().flatMap((l) => {
      const advertised = parseScope(l.metadata?.annotations?.[key]);
      const renewed = l.spec?.renewTime ? new Date(l.spec.renewTime).getTime() : Number.NaN;
      const alive = (l.spec?.holderIdentity ?? '') !== '' && now < renewed + 2 * (l.spec?.leaseDurationSeconds ?? 15) * 1000;
      if (advertised === undefined || !alive || advertised.install === scope.install) return [];
      const since = l.metadata?.creationTimestamp;
      return [since === undefined ? advertised : { ...advertised, since: new Date(since) }];
    });
  };

  // An install is `namespace/state ConfigMap`.
  const [home = '', stateConfigMap = ''] = scope.install.split('/');
  const object = lease
    ? { kind: 'Lease' as const, ...lease }
    : { kind: 'ConfigMap' as const, namespace: home, name: stateConfigMap };
  // What was last reported per other install, so a renewal (a watch event every few seconds) reports nothing.
  const reported = new Map<string, string>();
  const check = () => {
    // Until this install's Lease carries its label (the elector's first write), its install time is unknown: no report.
    if (lease && cache.get(lease.namespace, lease.name) === undefined) return;
    const me = own();
    const current = new Map<
      string,
      Omit<Extract<Occurrence, { type: 'install-overlap' }>, 'at' | 'type' | 'install' | 'object'>
    >();
    for (const other of others()) {
      if (!overlaps(me, other)) continue;
      const resolution = !installedFirst(other, me) ? 'kept' : options.allowOverlap ? 'allowed' : 'refused';
      current.set(other.install, { other: other.install, namespaces: sharedNamespaces(me, other), resolution });
    }
    for (const other of reported.keys())
      if (!current.has(other)) current.set(other, { other, namespaces: [], resolution: 'ended' });
    for (const [other, overlap] of current) {
      const signature = JSON.stringify(overlap);
      if (reported.get(other) === signature) continue;
      if (overlap.resolution === 'ended') reported.delete(other);
      else reported.set(other, signature);
      options.report({
        type: 'install-overlap',
        at: clock.now(),
        install: scope.install,
        object,
        ...overlap,
      });
    }
  };
  cache.onChange(check);

  return {
    async start() {
      await cache.start();
      check();
    },
    stop: () => cache.stop(),
    claimedBy(namespace: string, info: NamespaceInfo | undefined) {
      if (options.allowOverlap) return undefined;
      return claimedBy(own(), others(), namespace, info);
    },
  };
}

/** An advertised scope, or undefined when the annotation is missing or not one. */
function parseScope(text: string | undefined): InstallScope | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const value = JSON.parse(text) as Partial<InstallScope>;
    const names = (v: unknown) => Array.isArray(v) && v.every((n) => typeof n === 'string');
    if (typeof value.install !== 'string' || typeof value.selector !== 'string') return undefined;
    if (!names(value.include) || !names(value.exclude) || !names(value.protected)) return undefined;
    return value as InstallScope;
  } catch {
    return undefined;
  }
}
