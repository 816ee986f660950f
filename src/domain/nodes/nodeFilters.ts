// Which nodes may be drained, as small pure filters. A node is a candidate
// when it matches the node selector, is Ready and schedulable, is no
// control-plane node, and draining it keeps enough Ready nodes (also one in
// its zone, when the nodes span several).

import type { NodeInfo } from '../model.ts';
import type { NodeSettings } from '../settings.ts';
import { filterByZoneLastNode } from '../selection/zones.ts';

const CONTROL_PLANE_KEYS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

/** The annotations a drain leaves on its node: the state lives there, not in memory. */
export function drainAnnotations(prefix: string): { readonly by: string; readonly until: string; readonly keep: string } {
  // `keep` is the administrator's: set on a drained node, give-back leaves it cordoned.
  return { by: `${prefix}/drained-by`, until: `${prefix}/drained-until`, keep: `${prefix}/keep-cordoned` };
}

export function drainedByHavoc(node: NodeInfo, prefix: string): boolean {
  return node.annotations[drainAnnotations(prefix).by] !== undefined;
}

export function isControlPlane(node: NodeInfo): boolean {
  return CONTROL_PLANE_KEYS.some((key) => Object.hasOwn(node.labels, key) || node.taints.some((t) => t.key === key));
}

export function filterBySelector(node: NodeInfo, settings: NodeSettings): string | undefined {
  return settings.selector.matches(node.labels) ? undefined : `does not match "${settings.selector.text}"`;
}

export function filterByControlPlane(node: NodeInfo): string | undefined {
  return isControlPlane(node) ? 'control-plane node' : undefined;
}

export function filterByReady(node: NodeInfo): string | undefined {
  if (!node.ready) return 'not Ready';
  return node.unschedulable ? 'cordoned' : undefined;
}

/** Ready and schedulable nodes, the capacity a drain takes from. */
export function serving(nodes: readonly NodeInfo[]): number {
  return nodes.filter((n) => n.ready && !n.unschedulable).length;
}

/** Would draining one more node break the floor of Ready nodes? */
export function filterByReadyFloor(nodes: readonly NodeInfo[], settings: NodeSettings): string | undefined {
  const after = serving(nodes) - 1;
  if (after < settings.minReadyNodes) return `only ${after} Ready nodes would remain (minimum ${settings.minReadyNodes})`;
  const percent = nodes.length === 0 ? 0 : (after / nodes.length) * 100;
  if (percent < settings.minReadyPercent)
    return `only ${percent.toFixed(0)}% of nodes would stay Ready (minimum ${settings.minReadyPercent}%)`;
  return undefined;
}

export interface NodeVerdict {
  readonly node: NodeInfo;
  /** Undefined when the node is a candidate. */
  readonly excluded?: string;
}

/** Every node with the first reason it is out, if any (plan shows them all). */
export function judgeNodes(nodes: readonly NodeInfo[], settings: NodeSettings, keepReadyPerZone: number): NodeVerdict[] {
  const floor = filterByReadyFloor(nodes, settings);
  return nodes.map((node) => {
    const excluded =
      filterByControlPlane(node) ??
      filterBySelector(node, settings) ??
      filterByReady(node) ??
      floor ??
      filterByZoneLastNode(node, nodes, keepReadyPerZone);
    return excluded === undefined ? { node } : { node, excluded };
  });
}
