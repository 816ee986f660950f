// Zone arithmetic of the blast radius: where a workload's ready replicas are,
// which victims leave every zone at least `keepReadyPerZone` of them, and
// which node a drain may not take. A pod's zone is the
// topology.kubernetes.io/zone label of its node; pods on nodes without that
// label (or on a node the daemon does not know) are together one unknown
// zone, so a workload half on labelled nodes and half on unlabelled ones
// spans two zones. Pods not yet scheduled are in no zone. The rule binds only
// a workload (or a set of nodes) spanning more than one zone: in a single zone
// maxUnavailablePercent and the node floor already say all there is.

import type { NodeInfo, PodInfo } from '../model.ts';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** The one zone of every node without a zone label, as plan and the refusals print it. */
export const UNKNOWN_ZONE = '(no zone)';

/** A node's zone by name; undefined when the node is unknown (treated as the unknown zone). */
export type ZoneOf = (nodeName: string) => string | undefined;

export function nodeZone(node: Pick<NodeInfo, 'labels'>): string {
  const zone = node.labels[ZONE_LABEL];
  return zone === undefined || zone === '' ? UNKNOWN_ZONE : zone;
}

export function podZone(pod: Pick<PodInfo, 'nodeName'>, zoneOf: ZoneOf): string | undefined {
  if (pod.nodeName === undefined || pod.nodeName === '') return undefined;
  return zoneOf(pod.nodeName) ?? UNKNOWN_ZONE;
}

/** A workload's ready replicas by zone, every zone it has a pod in (0 when none there is ready), sorted by zone. */
export interface ZoneSpread {
  readonly ready: ReadonlyMap<string, number>;
  /** What each zone keeps: keepReadyPerZone, or 0 when the pods span one zone (the rule does not bind). */
  readonly keep: number;
}

export function zoneSpread(pods: readonly PodInfo[], zoneOf: ZoneOf, keepReadyPerZone: number): ZoneSpread {
  const ready = new Map<string, number>();
  for (const pod of pods) {
    if (pod.terminating) continue;
    const zone = podZone(pod, zoneOf);
    if (zone === undefined) continue;
    ready.set(zone, (ready.get(zone) ?? 0) + (pod.ready ? 1 : 0));
  }
  const sorted = new Map([...ready].sort(([a], [b]) => a.localeCompare(b)));
  return { ready: sorted, keep: sorted.size > 1 ? keepReadyPerZone : 0 };
}

/**
 * At most `count` victims from `pods` (in the order given: shuffled by the
 * caller) such that no zone drops below the spread's keep; each next victim
 * comes from the zone with the most ready replicas left (the first in `pods`
 * order among equals). A victim that is not ready costs its zone nothing; one
 * not scheduled is in no zone, and the rule cannot speak for it.
 */
export function chooseVictims(pods: readonly PodInfo[], spread: ZoneSpread, count: number, zoneOf: ZoneOf): PodInfo[] {
  const left = new Map(spread.ready);
  const chosen = new Set<PodInfo>();
  while (chosen.size < count) {
    let best: { pod: PodInfo; zone: string | undefined; left: number } | undefined;
    for (const pod of pods) {
      if (chosen.has(pod)) continue;
      const zone = podZone(pod, zoneOf);
      const ready = zone === undefined ? 0 : (left.get(zone) ?? 0);
      if (zone !== undefined && pod.ready && ready - 1 < spread.keep) continue;
      if (best === undefined || ready > best.left) best = { pod, zone, left: ready };
    }
    if (best === undefined) break;
    chosen.add(best.pod);
    if (best.zone !== undefined && best.pod.ready) left.set(best.zone, best.left - 1);
  }
  return [...chosen];
}

/** "a 1, b 2": the spread as plan and the refusals print it. */
export function describeSpread(spread: ZoneSpread): string {
  return [...spread.ready].map(([zone, n]) => `${zone} ${n}`).join(', ');
}

/** Why taking `taken` ready replicas from `zone` breaks the rule, or undefined when it does not. */
export function filterByZoneKeep(spread: ZoneSpread, zone: string, taken: number): string | undefined {
  if (taken <= 0 || spread.keep <= 0) return undefined;
  const ready = spread.ready.get(zone) ?? 0;
  if (ready - taken >= spread.keep) return undefined;
  const kept = `zone ${zone} would keep ${Math.max(0, ready - taken)} ready replica(s), keepReadyPerZone ${spread.keep}`;
  return `${kept} (ready by zone: ${describeSpread(spread)})`;
}

/**
 * Why a drain may not take `node`: it is the last Ready, schedulable node of
 * its zone while the nodes span more than one zone. Undefined when it may.
 */
export function filterByZoneLastNode(node: NodeInfo, nodes: readonly NodeInfo[], keepReadyPerZone: number): string | undefined {
  if (keepReadyPerZone <= 0) return undefined;
  if (new Set(nodes.map(nodeZone)).size < 2) return undefined;
  const zone = nodeZone(node);
  const serving = nodes.filter((n) => nodeZone(n) === zone && n.ready && !n.unschedulable).length;
  return serving <= 1 ? `the last Ready node of zone ${zone}` : undefined;
}
