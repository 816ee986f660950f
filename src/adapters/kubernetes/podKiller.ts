// Terminates one pod through the Eviction API (the default: the API server
// checks PodDisruptionBudgets) or a plain delete. Every answer becomes one of
// the domain's outcomes; nothing here retries, so an error can waste budget
// but never kill twice. Both carry the pod's UID as a precondition: a
// StatefulSet pod recreated under the same name is a different pod, and it is
// "already gone" for us rather than a second victim.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { judgeKill } from '../../domain/killEvidence.ts';
import type { KillOutcome, PodInfo } from '../../domain/model.ts';
import type { Clock, KillOptions, PodFate, PodKiller } from '../../domain/ports.ts';
import { systemClock } from '../clock/systemClock.ts';
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
  /** How long a kill whose answer was lost is followed, reading the pod (kubernetes.writeTimeout; 10 s by default). */
  readonly lostAnswerSeconds?: number;
  /** Paces those reads; the system clock by default. */
  readonly clock?: Clock;
}

export function createPodKiller(options: PodKillerOptions): PodKiller {
  const api = options.coreApi ?? options.kubeConfig?.makeApiClient(CoreV1Api);
  if (api === undefined) throw new Error('createPodKiller needs kubeConfig or coreApi');
  const grace = options.gracePeriodSeconds ?? undefined;
  const follow = { clock: options.clock ?? systemClock, seconds: options.lostAnswerSeconds ?? 10, method: options.method };
  const fate = async ({ namespace, name, uid }: { namespace: string; name: string; uid: string }): Promise<PodFate> => {
    try {
      const found = await api.readNamespacedPod({ namespace, name });
      if (found.metadata?.uid !== uid) return { seen: 'gone' };
      if (!found.metadata?.deletionTimestamp) return { seen: 'present' };
      const mark = found.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
      const disruption = mark && { reason: mark.reason ?? '', ...(mark.message === undefined ? {} : { message: mark.message }) };
      return { seen: 'terminating', ...(disruption ? { disruption } : {}) };
    } catch (error) {
      if (httpStatus(error) === 404) return { seen: 'gone' };
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
        // No answer (timeout, reset): the server may have done it, or may still be doing it. Follow the pod, by UID.
        if (httpStatus(error) !== undefined || dryRun) return outcome;
        return settleLost(outcome, () => fate(pod), follow);
      }
    },
  };
}

export interface LostAnswerFollow {
  readonly clock: Clock;
  /** The longest the pod is followed, from the first read (each read is bounded by its own timeout too). */
  readonly seconds: number;
  readonly method: 'evict' | 'delete';
}

/** The first wait between two reads of a pod whose kill answer was lost; each wait doubles. */
const FIRST_WAIT_MS = 500;

/**
 * The outcome of a kill whose answer never came. The API server may still be
 * evicting the pod when the client gives up, so one read at once would call
 * it failed moments before it goes: the pod is read again, 0.5 s, 1 s, 2 s...
 * apart, until it shows what happened or `seconds` have passed.
 */
export async function settleLost(
  lost: KillOutcome,
  look: () => Promise<PodFate>,
  follow: LostAnswerFollow,
): Promise<KillOutcome> {
  const { clock } = follow;
  const noAnswer = lost.detail ?? 'no answer';
  const until = clock.now().getTime() + follow.seconds * 1000;
  let unreadable: Error | undefined;
  for (let wait = FIRST_WAIT_MS; ; wait *= 2) {
    try {
      const seen = judgeKill(await look(), follow.method);
      unreadable = undefined;
      if (seen !== undefined) return { result: seen.result, detail: `the answer was lost (${noAnswer}), but ${seen.detail}` };
    } catch (error) {
      unreadable = error as Error;
    }
    const left = until - clock.now().getTime();
    if (left <= 0) break;
    await clock.sleep(Math.min(wait, left));
  }
  const followed = `followed for ${follow.seconds}s`;
  if (unreadable !== undefined)
    return { result: 'failed', detail: `${noAnswer}; the pod could not be checked either (${followed}): ${unreadable.message}` };
  return { result: 'failed', detail: `${noAnswer}; the pod is still there, untouched (${followed})` };
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
