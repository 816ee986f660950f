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
//
// Each watch tells the kubeconfig's contact (apiContact.ts) when the API server
// speaks (it connected, a line arrived) and when it fell silent past the
// inactivity timeout: that is how readiness sees a stalled server without a poll.

import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Occurrence } from '../../domain/occurrence.ts';
import type { Clock, Log } from '../../domain/ports.ts';
import type { ApiContact } from './apiContact.ts';
import { BoundedKubeConfig } from './boundedKubeConfig.ts';
import { KubernetesError, networkCode, toKubernetesError } from './errors.ts';
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
  /** A watch without any line for this long is presumed dead and re-opened; default INACTIVITY_MS (tests shorten it). */
  readonly inactivityMs?: number;
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
    new BookmarkedWatch({
      kubeConfig: options.kubeConfig,
      what,
      transform,
      random: options.random ?? Math.random,
      inactivityMs: options.inactivityMs ?? INACTIVITY_MS,
    }),
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
 * Without any line a watch is presumed dead after this long. The API server
 * sends a bookmark about once a minute to a watch that asked for them, so a
 * healthy quiet watch never gets there (the SDK's own default, 30 s, would
 * re-open every quiet watch twice a minute). It is also the bound of how long
 * a stalled API server goes unnoticed by readiness (apiContact.ts).
 */
export const INACTIVITY_MS = 90_000;

interface BookmarkedWatchOptions<T> {
  readonly kubeConfig: KubeConfig;
  readonly what: string;
  readonly transform: (object: T) => T;
  readonly random: () => number;
  readonly inactivityMs: number;
}

class BookmarkedWatch<T extends KubernetesObject> extends Watch {
  readonly #transform: (object: T) => T;
  readonly #random: () => number;
  readonly #what: string;
  readonly #inactivityMs: number;
  readonly #contact: ApiContact | undefined;

  constructor(options: BookmarkedWatchOptions<T>) {
    super(options.kubeConfig);
    this.#transform = options.transform;
    this.#random = options.random;
    this.#what = options.what;
    this.#inactivityMs = options.inactivityMs;
    this.#contact = options.kubeConfig instanceof BoundedKubeConfig ? options.kubeConfig.contact : undefined;
    // The SDK keeps its inactivity timeout in a field it does not expose; set it only where it exists.
    const self = this as unknown as { requestTimeoutMs?: unknown };
    if (typeof self.requestTimeoutMs === 'number') self.requestTimeoutMs = options.inactivityMs;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    const timeoutSeconds = WATCH_SECONDS.min + Math.floor(this.#random() * WATCH_SECONDS.spread);
    const contact = this.#contact;
    let failed = false;
    const controller = await super.watch(
      path,
      { ...queryParams, allowWatchBookmarks: true, timeoutSeconds },
      (phase, object: T, raw) => {
        contact?.heard();
        // A bookmark carries only a resourceVersion; everything else is an object to keep.
        callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.#transform(object) : object, raw);
      },
      (error: unknown) => {
        if (error !== null && error !== undefined) {
          failed = true;
          // The SDK names both its connect and its inactivity timeout TimeoutError: the server said nothing that long.
          if ((error as { name?: unknown }).name === 'TimeoutError')
            contact?.unanswered(`watch ${this.#what}: nothing from the API server for ${this.#inactivityMs / 1000}s`);
          else if (networkCode(error) !== undefined)
            contact?.unanswered(`watch ${this.#what}: API server unreachable (${networkCode(error)})`);
        }
        done(error);
      },
    );
    // Resolved without an error: the API server answered the watch (its head arrived).
    if (!failed) contact?.heard();
    return controller;
  }
}
