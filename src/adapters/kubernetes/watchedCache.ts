// One informer (list once, then watch) with the supervision the SDK leaves to
// us: @kubernetes/client-node's informer stops for good after an error other
// than 410 Gone or a client-side timeout, so this restarts it with capped
// exponential backoff, logs every failure with its kind, reports each outage
// once, and says whether the cache can be trusted right now.

import { makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Occurrence } from '../../domain/occurrence.ts';
import type { Clock, Log } from '../../domain/ports.ts';
import { KubernetesError, toKubernetesError } from './errors.ts';
import { listAll, type Page, type PageRequest } from './listAll.ts';

export interface WatchedCacheOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** What is watched, for logs: "deployments with havoc/enabled". */
  readonly what: string;
  /** Watch path, e.g. /apis/apps/v1/deployments. */
  readonly path: string;
  readonly labelSelector?: string;
  /** One page of the matching list call of the typed client. */
  readonly listPage: (request: PageRequest & { readonly labelSelector?: string }) => Promise<Page<T>>;
  readonly clock: Clock;
  readonly log: Log;
  readonly report?: (occurrence: Occurrence) => void;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface WatchedCache<T> {
  /** Resolves after the first list-and-watch attempt, whether it worked or not. */
  start(): Promise<void>;
  stop(): Promise<void>;
  items(): readonly T[];
  /** Why the cache cannot be trusted now (never synced, or failing); undefined when it can. */
  problem(): KubernetesError | undefined;
}

export function createWatchedCache<T extends KubernetesObject>(options: WatchedCacheOptions<T>): WatchedCache<T> {
  const { what, clock, log } = options;
  // Capped at 5 s: after an outage the view must be back within seconds; each retry is one bounded list per watch.
  const backoff = options.backoff ?? { initialMs: 1000, maxMs: 5000 };
  const selector = options.labelSelector;
  const informer = makeInformer<T>(
    options.kubeConfig,
    options.path,
    () => listAll((page) => options.listPage(selector === undefined ? page : { ...page, labelSelector: selector })),
    selector,
  );
  const stopping = new AbortController();
  let state: 'idle' | 'syncing' | 'synced' | 'failed' = 'idle';
  let failure: KubernetesError | undefined;
  let failures = 0;
  let restart: Promise<void> | undefined;

  const attempt = async () => {
    state = 'syncing';
    await informer.start();
    // An error during the list or the watch set-up has already run onError.
    if (state !== 'syncing' || stopping.signal.aborted) return;
    state = 'synced';
    if (failures > 0) log.info({ watch: what, failures }, `${what}: watching again after ${failures} failure(s)`);
    failures = 0;
    failure = undefined;
  };

  informer.on('error', (error: unknown) => {
    if (stopping.signal.aborted) return;
    state = 'failed';
    failures += 1;
    const previousKind = failure?.kind;
    failure = toKubernetesError(error, `watch ${what}`);
    const delayMs = Math.min(backoff.initialMs * 2 ** (failures - 1), backoff.maxMs);
    log.error({ watch: what, kind: failure.kind, status: failure.status, failures, retryInSeconds: delayMs / 1000 },
      `${failure.message}; retrying in ${delayMs / 1000}s (no chaos while the cluster view is unknown)`);
    // Announced once per streak (and when the cause changes), so an outage
    // is one Slack message and one counter step per watch, not one per retry.
    if (failures === 1 || previousKind !== failure.kind) {
      options.report?.({ type: 'error', at: clock.now(), kind: failure.kind, message: failure.message });
    }
    restart = clock.sleep(delayMs, stopping.signal).then(() => (stopping.signal.aborted ? undefined : attempt()));
  });

  return {
    start: attempt,
    async stop() {
      stopping.abort();
      await informer.stop();
      await restart;
      await informer.stop(); // a restart that was already under way
    },
    items: () => informer.list(),
    problem() {
      if (state === 'synced') return undefined;
      if (failure !== undefined) return failure;
      return new KubernetesError('api-unreachable', `watch ${what}: not synced yet`);
    },
  };
}
