// Terminates one pod through the Eviction API (the default: the API server
// checks PodDisruptionBudgets) or a plain delete. Every answer becomes one of
// the domain's outcomes; nothing here retries, so an error can waste budget
// but never kill twice. Both carry the pod's UID as a precondition: a
// StatefulSet pod recreated under the same name is a different pod, and it is
// "already gone" for us rather than a second victim.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { KillOutcome, PodInfo } from '../../domain/model.ts';
import type { KillOptions, PodFate, PodKiller } from '../../domain/ports.ts';
import { apiMessage, apiStatus, httpStatus, toKubernetesError } from './errors.ts';

/** The two calls the killer makes; a test passes a hand-written fake. */
export type PodTerminationApi = Pick<CoreV1Api, 'createNamespacedPodEviction' | 'deleteNamespacedPod' | 'readNamespacedPod'>;

export interface PodKillerOptions {
  readonly kubeConfig?: KubeConfig;
  /** Used instead of a client made from kubeConfig. */
  readonly coreApi?: PodTerminationApi;
  readonly method: 'evict' | 'delete';
  /** undefined or null: the pod's own terminationGracePeriodSeconds. */
  readonly gracePeriodSeconds?: number | null;
}

export function createPodKiller(options: PodKillerOptions): PodKiller {
  const api = options.coreApi ?? options.kubeConfig?.makeApiClient(CoreV1Api);
  if (api === undefined) throw new Error('createPodKiller needs kubeConfig or coreApi');
  const grace = options.gracePeriodSeconds ?? undefined;
  const fate = async ({ namespace, name, uid }: { namespace: string; name: string; uid: string }): Promise<PodFate> => {
    try {
      const found = await api.readNamespacedPod({ namespace, name });
      if (found.metadata?.uid !== uid) return 'gone';
      return found.metadata?.deletionTimestamp ? 'terminating' : 'present';
    } catch (error) {
      if (httpStatus(error) === 404) return 'gone';
      throw toKubernetesError(error, `read pod ${namespace}/${name}`);
    }
  };
  return {
    fate,
    async kill(pod: PodInfo, _workload, { dryRun }: KillOptions): Promise<KillOutcome> {
      const { namespace, name } = pod;
      // Server-side dry run: admission and the PDB check still run, so a dry
      // run reports "blocked" exactly when the real kill would be.
      const deleteOptions = {
        preconditions: { uid: pod.uid },
        ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
        ...(dryRun ? { dryRun: ['All'] } : {}),
      };
      try {
        if (options.method === 'evict') {
          await api.createNamespacedPodEviction({
            namespace,
            name,
            ...(dryRun ? { dryRun: 'All' } : {}),
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions },
          });
        } else {
          await api.deleteNamespacedPod({
            namespace,
            name,
            ...(dryRun ? { dryRun: 'All' } : {}),
            ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
            body: deleteOptions,
          });
        }
        return { result: 'killed' };
      } catch (error) {
        const outcome = outcomeOf(error, `${options.method} pod ${namespace}/${name}`);
        // No answer (timeout, reset): the server may have done it. Look, by UID, before anything is recorded.
        if (httpStatus(error) !== undefined || dryRun) return outcome;
        return settleLost(outcome, () => fate(pod));
      }
    },
  };
}

/** The outcome of a kill whose answer never came: what the pod's state says happened. */
export async function settleLost(lost: KillOutcome, look: () => Promise<PodFate>): Promise<KillOutcome> {
  let seen: PodFate;
  try {
    seen = await look();
  } catch (error) {
    return {
      result: 'failed',
      detail: `${lost.detail ?? 'no answer'}; the pod could not be checked either: ${(error as Error).message}`,
    };
  }
  if (seen === 'present') return { result: 'failed', detail: `${lost.detail ?? 'no answer'}; the pod is still there, untouched` };
  return {
    result: 'killed',
    detail: `the answer was lost (${lost.detail ?? 'no answer'}), but the pod is ${seen === 'gone' ? 'gone' : 'terminating'}`,
  };
}

/** The domain outcome of a refused eviction or delete. */
export function outcomeOf(error: unknown, doing: string): KillOutcome {
  const status = httpStatus(error);
  if (status === 404) return { result: 'already-gone', detail: 'the pod no longer exists' };
  if (status === 409 && /precondition/i.test(apiMessage(error) ?? '')) {
    return { result: 'already-gone', detail: 'the pod was replaced by another one with the same name' };
  }
  if (status === 429) {
    if (isDisruptionBudget(error)) return { result: 'blocked', detail: apiMessage(error) ?? 'blocked by a PodDisruptionBudget' };
    // Priority and fairness throttling also answers 429; that is no PDB verdict.
    return { result: 'failed', detail: `throttled by the API server (429): ${apiMessage(error) ?? 'too many requests'}` };
  }
  return { result: 'failed', detail: toKubernetesError(error, doing).message };
}

function isDisruptionBudget(error: unknown): boolean {
  const status = apiStatus(error);
  if (status?.details?.causes?.some((c) => c.reason === 'DisruptionBudget')) return true;
  return /disruption budget/i.test(status?.message ?? '');
}
