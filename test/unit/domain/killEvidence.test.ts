// What the cluster shows of a kill nobody heard back from: only the Eviction
// API's mark on a terminating pod makes it a kill; whatever else took the pod,
// or a pod already gone, cannot be told from a rollout, so it is unknown.

import test from 'ava';
import { judgeKill } from '../../../src/domain/killEvidence.ts';
import type { KillResult } from '../../../src/domain/model.ts';
import type { PodFate } from '../../../src/domain/ports.ts';

const mark = (reason: string): PodFate => ({ seen: 'terminating', disruption: { reason, message: '...' } });

const cases: [string, PodFate, 'evict' | 'delete', KillResult | undefined, RegExp?][] = [
  ['untouched', { seen: 'present' }, 'evict', undefined],
  ['untouched, delete', { seen: 'present' }, 'delete', undefined],
  ['terminating, evicted through the Eviction API', mark('EvictionByEvictionAPI'), 'evict', 'killed', /Eviction API/],
  ['gone: nothing left to tell', { seen: 'gone' }, 'evict', 'unknown', /cannot be told/],
  ['gone, delete', { seen: 'gone' }, 'delete', 'unknown', /cannot be told/],
  ['terminating, no mark (a rollout or a user deleted it)', { seen: 'terminating' }, 'evict', 'unknown', /deleted, not evicted/],
  ['terminating, no mark, after our delete', { seen: 'terminating' }, 'delete', 'unknown', /plain delete leaves no mark/],
  ['preempted by the scheduler', mark('PreemptionByScheduler'), 'evict', 'unknown', /another cause .*PreemptionByScheduler/],
  ['taken by the taint manager', mark('DeletionByTaintManager'), 'delete', 'unknown', /DeletionByTaintManager/],
  ['garbage-collected on a gone node', mark('DeletionByPodGC'), 'evict', 'unknown', /DeletionByPodGC/],
  ['evicted by someone while we deleted', mark('EvictionByEvictionAPI'), 'delete', 'unknown', /not by kube-havoc's delete/],
];
for (const [title, fate, method, result, detail] of cases) {
  test(`kill evidence: ${title}`, (t) => {
    const outcome = judgeKill(fate, method);
    t.is(outcome?.result, result);
    if (detail) t.regex(outcome?.detail ?? '', detail);
  });
}
