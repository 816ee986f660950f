// The 'targets' announcement: every opted-in workload (and opted-in node)
// with the action it would get and when it was last killed, built from the
// same candidates and history the tick uses. Bounded by the opted-in targets.

import { workloadKey, type KillAction, type NodeInfo } from '../model.ts';
import { filterBySelector, isControlPlane } from '../nodes/nodeFilters.ts';
import type { Occurrence, TargetSummary } from '../occurrence.ts';
import type { Candidate } from '../selection/candidates.ts';
import type { Settings } from '../settings.ts';
import type { KillRecord } from '../state.ts';

export interface TargetsInput {
  readonly at: Date;
  readonly settings: Settings;
  readonly candidates: readonly Candidate[];
  readonly nodes: readonly NodeInfo[];
  /** Whether node chaos is wired in (a drainer exists). */
  readonly nodeChaos: boolean;
  readonly podAction: KillAction;
  readonly history: readonly KillRecord[];
}

export function targetsOccurrence(input: TargetsInput): Occurrence {
  const { settings } = input;
  const lastKilled = new Map<string, number>();
  for (const k of input.history) {
    if (k.result !== 'killed' || k.dryRun !== settings.dryRun) continue;
    const at = Date.parse(k.at);
    if (at > (lastKilled.get(k.target) ?? -Infinity)) lastKilled.set(k.target, at);
  }
  const since = (key: string) => {
    const at = lastKilled.get(key);
    return at === undefined ? {} : { lastKilled: new Date(at) };
  };
  const targets: TargetSummary[] = input.candidates.map(({ workload: { ref } }) => ({
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    action: input.podAction,
    ...since(workloadKey(ref)),
  }));
  if (input.nodeChaos && settings.nodes.enabled) {
    // Opted in and drainable in principle; readiness and the floor change from tick to tick.
    for (const node of input.nodes) {
      if (filterBySelector(node, settings.nodes) !== undefined || isControlPlane(node)) continue;
      targets.push({ kind: 'Node', namespace: '', name: node.name, action: 'node-drain', ...since(`node/${node.name}`) });
    }
  }
  return { type: 'targets', at: input.at, dryRun: settings.dryRun, targets };
}
