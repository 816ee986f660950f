// Whether the daemon's view of the cluster can be trusted right now, in words.
// The watch caches say when a list or watch failed; they cannot see an API
// server that accepts connections and never answers (a stalled or stopped
// process): the SDK's watch then just times out and reconnects, quietly. A
// cheap bounded read (GET /version) every few seconds sees that too.

import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { toKubernetesError } from './errors.ts';

export interface ApiHealthOptions {
  readonly kubeConfig: KubeConfig;
  /** The watch caches' own verdict (KubernetesCluster.synced). */
  readonly cachesSynced: () => boolean;
}

/** Resolves to undefined when the view is fresh, else the reason (for /readyz and the log). */
export type ApiHealthCheck = () => Promise<string | undefined>;

export function createApiHealthCheck(options: ApiHealthOptions): ApiHealthCheck {
  const version = options.kubeConfig.makeApiClient(VersionApi);
  return async () => {
    try {
      await version.getCode();
    } catch (error) {
      return `cluster view is stale: ${toKubernetesError(error, 'GET /version').message}`;
    }
    return options.cachesSynced() ? undefined : 'cluster view is stale: a watch is failing or not synced yet';
  };
}
