// What a pod's state says about a kill kube-havoc asked for but did not hear
// back from (a lost answer, or a leader that stopped before recording it).
// While an evicted pod terminates, the API server keeps its mark on it: the
// DisruptionTarget condition with reason EvictionByEvictionAPI. Nothing else
// tells a kube-havoc kill from a rollout, a scale-down, a node loss or a
// preemption, so only that mark makes it "killed" after the fact; a pod
// already gone, or going without the mark, is "unknown", never a kill.

import type { KillOutcome } from './model.ts';
import type { PodFate } from './ports.ts';

/** The DisruptionTarget reason the Eviction API sets (the others are the scheduler's, the taint manager's, ...). */
export const EVICTION_API_REASON = 'EvictionByEvictionAPI';

/** The outcome the pod shows, or undefined while it is untouched (still there, not terminating). */
export function judgeKill(fate: PodFate, method: 'evict' | 'delete'): KillOutcome | undefined {
  if (fate.seen === 'present') return undefined;
  if (fate.seen === 'gone') {
    return {
      result: 'unknown',
      detail: 'the pod is gone; what removed it cannot be told (kube-havoc, a rollout, a scale-down, a node loss)',
    };
  }
  const reason = fate.disruption?.reason;
  const terminating = (why: string): KillOutcome => ({ result: 'unknown', detail: `the pod is terminating ${why}` });
  if (reason === undefined) {
    // A delete (kube-havoc's in pods.method delete, a controller's, a user's) leaves no condition.
    return method === 'delete'
      ? terminating('with no disruption recorded: a plain delete leaves no mark, so ours cannot be told from another')
      : terminating('with no disruption recorded: deleted, not evicted (a rollout, a scale-down or a user)');
  }
  if (reason !== EVICTION_API_REASON) return terminating(`for another cause (DisruptionTarget: ${reason})`);
  if (method === 'delete') return terminating(`by an eviction (DisruptionTarget: ${reason}), not by kube-havoc's delete`);
  return { result: 'killed', detail: `the pod is terminating, evicted through the Eviction API (DisruptionTarget: ${reason})` };
}
