// The daemon's persistent state (kill history behind the caps and gaps, the
// kill switch) as JSON in a ConfigMap of its own namespace, so a restart or a
// new leader neither forgets the budget nor repeats a kill. Every write is a
// replace carrying the resourceVersion that was read: when two writers race,
// one gets 409 Conflict and re-applies its change to the newer state.
// An update starts from the copy this store last read or wrote, without a read
// of its own: a write on it succeeds only if nobody wrote since, so the change
// was judged on the state as it is. A conflict, or a change that refuses on
// the copy (a reservation refused: paused, budget spent), is judged again on
// a fresh read, and that verdict stands. A kill's reserve, settle and verdict
// are then one PUT each after the tick's read. load() always reads.
// The kill switch can also be set with kubectl alone (pauseAnnotation.ts).
// A kill-switch check (every drain pass) reads the object's metadata only and
// the whole state only when its resourceVersion moved since this process
// last read or wrote it.

import { CoreV1Api, setHeaderOptions, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import type { Log, StateStore } from '../../domain/ports.ts';
import { emptyState, type HavocState, type PauseState } from '../../domain/state.ts';
import { KubernetesError, isConflict, isNotFound, toKubernetesError } from './errors.ts';
import { PAUSE_ANNOTATION, annotationPause, annotationsFor, withAnnotationPause } from './pauseAnnotation.ts';

export type ConfigMapApi = Pick<
  CoreV1Api,
  'readNamespacedConfigMap' | 'createNamespacedConfigMap' | 'replaceNamespacedConfigMap'
>;

export const STATE_KEY = 'state.json';

export interface ConfigMapStateStoreOptions {
  readonly kubeConfig?: KubeConfig;
  /** Used instead of a client made from kubeConfig. */
  readonly configMapApi?: ConfigMapApi;
  readonly namespace: string;
  readonly name: string;
  readonly log: Log;
  /** Attempts of one update before it gives up with a conflict (default 10: one per writer that may race us). */
  readonly maxAttempts?: number;
  /** Dates a kubectl pause or resume the ConfigMap's managedFields cannot date (default: the system clock). */
  readonly now?: () => Date;
}

/**
 * Options of a GET answered with the object's metadata alone (PartialObjectMetadata, the JSON form of what client-go's
 * metadata client asks): name, resourceVersion, labels, annotations and managedFields, never the data. A plain GET
 * without a resourceVersion, so as fresh as the full read.
 */
export const METADATA_ONLY = setHeaderOptions('Accept', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');

/** The API server refuses a ConfigMap whose data passes 1 MiB: such a write is never sent. */
const CONFIGMAP_DATA_LIMIT = 1_048_576;

export function createConfigMapStateStore(options: ConfigMapStateStoreOptions): StateStore {
  const { namespace, name, log } = options;
  const api = options.configMapApi ?? options.kubeConfig?.makeApiClient(CoreV1Api);
  if (api === undefined) throw new Error('createConfigMapStateStore needs kubeConfig or configMapApi');
  const maxAttempts = options.maxAttempts ?? 10;
  const where = `ConfigMap ${namespace}/${name}`;
  const now = options.now ?? (() => new Date());
  // The first time this process saw an undated kubectl pause or resume, so every read dates it alike
  // (the announcement claim compares dates). One slot: only the latest change of the switch is pending.
  let seen: { readonly key: string; readonly at: Date } | undefined;
  const firstSeen = (key: string) => () => {
    if (seen?.key !== key) seen = { key, at: now() };
    return seen.at;
  };

  /** The stored state with the kubectl kill switch (annotations) folded in. */
  const stateOf = (current: V1ConfigMap | undefined): HavocState => {
    const stored = parseState(current?.data?.[STATE_KEY], where);
    const asked = annotationPause(current?.metadata, firstSeen(`pause:${current?.metadata?.annotations?.[PAUSE_ANNOTATION]}`));
    return withAnnotationPause(stored, asked, firstSeen(`resume:${stored.paused?.at}`));
  };

  // The ConfigMap as this store last read or wrote it; undefined when unknown (never read, absent, or an answer lost).
  // Versions are only compared for equality: the same resourceVersion is the same object.
  let known: V1ConfigMap | undefined;
  const read = async (options?: typeof METADATA_ONLY): Promise<V1ConfigMap | undefined> => {
    try {
      const current = await api.readNamespacedConfigMap({ namespace, name }, options);
      if (options === undefined) known = current;
      return current;
    } catch (error) {
      known = undefined;
      if (isNotFound(error)) return undefined;
      throw toKubernetesError(error, `read state ${where}`);
    }
  };

  const write = async (current: V1ConfigMap | undefined, state: HavocState): Promise<V1ConfigMap> => {
    const data = { ...current?.data, [STATE_KEY]: JSON.stringify(state) };
    const bytes = Object.entries(data).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes > CONFIGMAP_DATA_LIMIT)
      throw new KubernetesError('invalid-state', `write state ${where}: ${bytes} bytes, over the ConfigMap limit; not sent`);
    if (current === undefined) {
      return api.createNamespacedConfigMap({
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data,
          metadata: {
            name,
            namespace,
            labels: { 'app.kubernetes.io/name': 'kube-havoc', 'app.kubernetes.io/component': 'state' },
          },
        },
      });
    }
    // current.metadata carries the resourceVersion we read: the precondition.
    const metadata = { ...current.metadata, annotations: annotationsFor(current.metadata?.annotations, state) };
    return api.replaceNamespacedConfigMap({ namespace, name, body: { ...current, metadata, data } });
  };

  return {
    async load() {
      return stateOf(await read());
    },
    async update(change) {
      let copy = known;
      for (let attempt = 1; ; attempt += 1) {
        const current = copy ?? (await read());
        // The domain bounds what it writes (boundedStateStore): no record a budget needs is dropped here.
        let next: HavocState;
        try {
          next = change(stateOf(current));
        } catch (error) {
          if (copy === undefined) throw error;
          copy = undefined; // refused on the copy, which may be stale: judged again on a fresh read
          continue;
        }
        copy = undefined;
        try {
          known = await write(current, next);
          return next;
        } catch (error) {
          known = undefined;
          // 409: someone wrote since we read (or created it first): re-apply to theirs.
          if (!isConflict(error)) throw toKubernetesError(error, `write state ${where}`);
          if (attempt >= maxAttempts) {
            throw new KubernetesError('conflict', `write state ${where}: still conflicting after ${maxAttempts} attempts`, {
              cause: error,
              status: 409,
            });
          }
          log.debug({ configMap: where, attempt }, 'state write conflicted; retrying on the newer version');
        }
      }
    },
    async killSwitch() {
      const current = await read(METADATA_ONLY);
      // No object yet: nothing is paused, as load() would say.
      if (current === undefined) return undefined;
      const version = current.metadata?.resourceVersion;
      if (known !== undefined && version !== undefined && version === known.metadata?.resourceVersion)
        return stateOf(known).paused;
      return stateOf(await read()).paused;
    },
  };
}

/**
 * The stored JSON as HavocState. Anything else fails loudly instead of
 * starting from an empty history, which would hand out budget already spent.
 */
export function parseState(text: string | undefined, where = 'state'): HavocState {
  if (text === undefined || text === '') return emptyState;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new KubernetesError(
      'invalid-state',
      `${where} key ${STATE_KEY} is not JSON (${(error as Error).message}); fix or delete it`,
      { cause: error },
    );
  }
  const state = parsed as Partial<HavocState> | null;
  const paused = state?.paused as Partial<NonNullable<HavocState['paused']>> | undefined;
  if (
    typeof state !== 'object' ||
    state === null ||
    !Array.isArray(state.kills) ||
    (paused !== undefined && (typeof paused !== 'object' || paused === null || typeof paused.reason !== 'string'))
  ) {
    throw new KubernetesError(
      'invalid-state',
      `${where} key ${STATE_KEY} does not hold kube-havoc state (expected {"kills": [...]}); fix or delete it`,
    );
  }
  return state as HavocState;
}
