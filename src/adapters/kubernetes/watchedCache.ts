// One informer (list once, then watch) with the supervision the SDK leaves to
// us: @kubernetes/client-node's informer stops for good after an error other
// than 410 Gone or a client-side timeout, so this restarts it with capped
// exponential backoff, logs every failure with its kind, reports each outage
// once, and says whether the cache can be trusted right now.
//
// It is also what keeps a watch cheap: watches ask for bookmarks and a
// server-side timeout, so a quiet or filtered watch resumes from a recent
// resourceVersion instead of re-listing after "410 Gone"; re-lists are
// counted; and `transform` keeps only the fields the daemon reads, so memory
// follows what is opted in, not how big each object is.

import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
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
  /** What is kept of each object (list items and watch events alike); default: all of it. */
  readonly transform?: (object: T) => T;
  /** Called on every list after the first (a re-list: resourceVersion too old, or a restart). */
  readonly onRelist?: () => void;
  /** What a failure of this watch holds back, for the log line; default: all chaos. */
  readonly meanwhile?: string;
  /** Source of randomness for the server-side watch timeout (spreads reconnects). */
  readonly random?: () => number;
}

export interface WatchedCache<T> {
  /** Resolves after the first list-and-watch attempt, whether it worked or not. */
  start(): Promise<void>;
  stop(): Promise<void>;
  items(): readonly T[];
  /** One object by name (namespace '' for cluster-scoped ones). */
  get(namespace: string, name: string): T | undefined;
  /** Calls `listener` on every add, update and delete; returns the unsubscribe function. */
  onChange(listener: (object: T) => void): () => void;
  /** Lists after the first one. */
  relists(): number;
  /** Why the cache cannot be trusted now (never synced, or failing); undefined when it can. */
  problem(): KubernetesError | undefined;
}

export function createWatchedCache<T extends KubernetesObject>(options: WatchedCacheOptions<T>): WatchedCache<T> {
  const { what, clock, log } = options;
  // Capped at 5 s: after an outage the view must be back within seconds; each retry is one bounded list per watch.
  const backoff = options.backoff ?? { initialMs: 1000, maxMs: 5000 };
  const selector = options.labelSelector;
  const transform = options.transform ?? ((object: T) => object);
  let lists = 0;
  const list = async () => {
    const full = await listAll((page) => options.listPage(selector === undefined ? page : { ...page, labelSelector: selector }));
    lists += 1;
    if (lists > 1) options.onRelist?.();
    return { ...full, items: full.items.map(transform) };
  };
  const informer = new ListWatch<T>(
    options.path,
    new BookmarkedWatch(options.kubeConfig, transform, options.random ?? Math.random),
    list,
    false,
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
    log.error(
      { watch: what, kind: failure.kind, status: failure.status, failures, retryInSeconds: delayMs / 1000 },
      `${failure.message}; retrying in ${delayMs / 1000}s (${options.meanwhile ?? 'no chaos while the cluster view is unknown'})`,
    );
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
    get: (namespace, name) => informer.get(name, namespace),
    onChange(listener) {
      informer.on('change', listener);
      return () => informer.off('change', listener);
    },
    relists: () => Math.max(0, lists - 1),
    problem() {
      if (state === 'synced') return undefined;
      if (failure !== undefined) return failure;
      return new KubernetesError('api-unreachable', `watch ${what}: not synced yet`);
    },
  };
}

/** Seconds the server keeps one watch open (randomised so many watches do not reconnect together). */
const WATCH_SECONDS = { min: 300, spread: 300 };
/**
 * Without any event a watch is presumed dead after this long. The API server
 * sends a bookmark about once a minute to a watch that asked for them, so a
 * healthy quiet watch never gets there (the SDK's own default, 30 s, would
 * re-open every quiet watch twice a minute).
 */
const INACTIVITY_MS = 90_000;

class BookmarkedWatch<T extends KubernetesObject> extends Watch {
  readonly #transform: (object: T) => T;
  readonly #random: () => number;

  constructor(kubeConfig: KubeConfig, transform: (object: T) => T, random: () => number) {
    super(kubeConfig);
    this.#transform = transform;
    this.#random = random;
    // The SDK keeps its inactivity timeout in a field it does not expose; set it only where it exists.
    const self = this as unknown as { requestTimeoutMs?: unknown };
    if (typeof self.requestTimeoutMs === 'number') self.requestTimeoutMs = INACTIVITY_MS;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    const timeoutSeconds = WATCH_SECONDS.min + Math.floor(this.#random() * WATCH_SECONDS.spread);
    return super.watch(
      path,
      { ...queryParams, allowWatchBookmarks: true, timeoutSeconds },
      (phase, object: T, raw) => {
        // A bookmark carries only a resourceVersion; everything else is an object to keep.
        callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.#transform(object) : object, raw);
      },
      done,
    );
  }
}
