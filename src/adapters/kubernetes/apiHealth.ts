// Whether the daemon's view of the cluster can be trusted right now, in words:
// every watch cache synced and healthy, and the API server answering, as the
// daemon's own traffic tells (apiContact.ts). Judging it makes no request.

import type { ApiContact } from './apiContact.ts';

export interface ApiHealthOptions {
  readonly contact: ApiContact;
  /** The watch caches' own verdict (KubernetesCluster.synced). */
  readonly cachesSynced: () => boolean;
}

/** Undefined when the view is fresh, else the reason (for /readyz and the log). */
export type ApiHealthCheck = () => string | undefined;

export function createApiHealthCheck(options: ApiHealthOptions): ApiHealthCheck {
  return () => {
    const silent = options.contact.problem();
    if (silent !== undefined) return `cluster view is stale: ${silent}`;
    return options.cachesSynced() ? undefined : 'cluster view is stale: a watch is failing or not synced yet';
  };
}
