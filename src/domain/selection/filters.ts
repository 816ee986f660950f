// Candidate selection as a flat list of small pure filters. Each returns why
// a candidate is out, or undefined to keep it; an empty criterion keeps all.

import type { NamespaceInfo, PodInfo, Workload, WorkloadWithPods } from '../model.ts';
import type { NamespaceRules } from '../settings.ts';

/** Never touched, whatever the labels: protected namespaces and the daemon's own. */
export function filterByProtected(rules: NamespaceRules, ns: string): string | undefined {
  return rules.protected.has(ns) ? `namespace ${ns} is protected` : undefined;
}

export function filterByIncluded(rules: NamespaceRules, ns: string): string | undefined {
  return rules.include.size === 0 || rules.include.has(ns) ? undefined : `namespace ${ns} is not in namespaces.include`;
}

export function filterByExcluded(rules: NamespaceRules, ns: string): string | undefined {
  return rules.exclude.has(ns) ? `namespace ${ns} is in namespaces.exclude` : undefined;
}

export function filterByNamespaceSelector(rules: NamespaceRules, ns: NamespaceInfo | undefined): string | undefined {
  if (rules.selector.requirements.length === 0) return undefined;
  if (ns === undefined) return 'namespace labels unknown';
  return rules.selector.matches(ns.labels) ? undefined : `namespace ${ns.name} does not match "${rules.selector.text}"`;
}

/** Another install, installed first, acts on this namespace too: two budgets there would double its blast radius. */
export function filterByClaim(rules: NamespaceRules, ns: string, info: NamespaceInfo | undefined): string | undefined {
  const other = rules.claims?.claimedBy(ns, info);
  return other === undefined ? undefined : `namespace ${ns} is in the scope of install ${other}, installed first`;
}

/** The first reason a namespace is out of bounds, or undefined when chaos may go there. */
export function namespaceVerdict(rules: NamespaceRules, name: string, info: NamespaceInfo | undefined): string | undefined {
  return (
    filterByProtected(rules, name) ??
    filterByIncluded(rules, name) ??
    filterByExcluded(rules, name) ??
    filterByNamespaceSelector(rules, info) ??
    filterByClaim(rules, name, info)
  );
}

/**
 * Ready replicas as the lower of the controller's status and, when the pods
 * were read fresh, those that are ready and not terminating. Without pods (a
 * snapshot from the watches) it is the status alone: good enough to rule a
 * workload out, never to clear it for a kill (that needs a fresh read).
 */
export function readyReplicas(w: Workload | WorkloadWithPods): number {
  if (!('pods' in w)) return w.ready;
  const readyPods = w.pods.filter((p) => p.ready && !p.terminating).length;
  return Math.min(w.ready, readyPods);
}

/**
 * Steady state from the controller's status (the probe is checked later): the
 * status is current, the last rollout is done (every replica on the current
 * template, no old one left), and every desired replica is ready and
 * available. Ready counts alone would pass a surge rollout, whose extra pods
 * keep ready at the desired count while old pods go.
 */
export function filterBySteadyState(w: Workload | WorkloadWithPods): string | undefined {
  const { desired, rollout } = w;
  if (desired <= 0) return 'scaled to zero';
  if (rollout.observedGeneration < rollout.generation)
    return `status not current: the controller has observed generation ${rollout.observedGeneration} of ${rollout.generation}`;
  if (rollout.updated !== undefined && rollout.updated < desired)
    return `rollout in progress: ${rollout.updated}/${desired} replicas updated`;
  if (rollout.total !== undefined && rollout.total > desired)
    return `rollout in progress: ${rollout.total} replicas for ${desired} desired, old ones still going away`;
  if (rollout.currentRevision !== rollout.updateRevision)
    return `rollout in progress: revision ${rollout.currentRevision ?? 'none'}, rolling to ${rollout.updateRevision ?? 'none'}`;
  const ready = readyReplicas(w);
  if (ready < desired) return `${ready}/${desired} replicas ready`;
  return rollout.available >= desired ? undefined : `${rollout.available}/${desired} replicas available`;
}

export function filterByMinGap(last: Date | undefined, now: Date, minGapSeconds: number): string | undefined {
  if (last === undefined) return undefined;
  const waited = (now.getTime() - last.getTime()) / 1000;
  return waited >= minGapSeconds ? undefined : `last attempt ${Math.round(waited)}s ago, minimum gap ${minGapSeconds}s`;
}

export interface PodRules {
  readonly now: Date;
  readonly minAgeSeconds: number;
  readonly self: { readonly namespace: string; readonly podName: string };
}

/** Pods that may be victims: running, ready, not terminating, old enough, not the daemon. */
export function eligiblePods(pods: readonly PodInfo[], rules: PodRules): PodInfo[] {
  return pods.filter(
    (p) =>
      p.phase === 'Running' &&
      p.ready &&
      !p.terminating &&
      !(p.namespace === rules.self.namespace && p.name === rules.self.podName) &&
      p.startedAt !== undefined &&
      (rules.now.getTime() - p.startedAt.getTime()) / 1000 >= rules.minAgeSeconds,
  );
}
