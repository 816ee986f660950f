// Whose drain a node carries. The mark names the install that drained the
// node (its state ConfigMap, `namespace/name`), so one install never gives
// back another's node. `kube-havoc`, the mark of daemons from before marks
// named their install, is given back by any install: none can tell whose it
// was, and leaving it would keep the node cordoned for good.
//
// The same key is also a label, so an install without node chaos can watch
// just the nodes it marked (a label selector; annotations cannot be selected).

import { createHash } from 'node:crypto';
import { drainAnnotations } from '../../domain/nodes/nodeFilters.ts';

export const UNNAMED_MARK = 'kube-havoc';

export interface DrainMark {
  /** The annotation's value: the install, readable. */
  readonly install: string;
  /** The label's value: the install within a label value's 63 characters. */
  readonly label: string;
}

const LABEL_MAX = 63;

export function drainMark(install: { readonly namespace: string; readonly stateConfigMap: string }): DrainMark {
  const id = `${install.namespace}/${install.stateConfigMap}`;
  // Namespaces and ConfigMap names are DNS names, so `namespace.name` is a valid label value when short enough;
  // a longer one keeps its start and ends with a digest of the whole, so two installs never share a label.
  const readable = `${install.namespace}.${install.stateConfigMap}`;
  const label =
    readable.length <= LABEL_MAX
      ? readable
      : `${readable.slice(0, LABEL_MAX - 17)}-${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
  return { install: id, label };
}

/** Whether a node's `drained-by` value is this install's to give back. */
export function givesBack(mark: DrainMark, value: string | undefined): boolean {
  return value === mark.install || value === UNNAMED_MARK;
}

/** The label selector of the nodes this install marked. */
export function markSelector(prefix: string, mark: DrainMark): string {
  return `${drainAnnotations(prefix).by}=${mark.label}`;
}
