// One line of the durable history: a kill outcome (each pod or node), a drain
// started or released, a recovery verdict. Each entry is one data key of the
// day's history ConfigMap, written once and never changed: its key is derived
// from the occurrence alone, so a retried write lands on the same key.

import { createHash } from 'node:crypto';
import type { KillAction } from '../model.ts';
import type { Occurrence, Target } from '../occurrence.ts';
import { verdictText } from '../steadyState/verdict.ts';

/**
 * Free text (why a target was picked, a PDB or error message, a recovery or
 * hypothesis detail) is cut to this many UTF-16 units: a PromQL expression from
 * an owner's annotation is unbounded, the history object is not.
 */
export const TEXT_MAX = 400;

/**
 * The most one entry takes in its object, key and JSON value in bytes: two
 * free texts of TEXT_MAX units at 6 bytes each (a control character is
 * escaped as \u0001), a 63-character namespace, a pod and a workload name of
 * 253, a UID, a 70-character key and the field names. Typical entries are
 * 400-600 bytes. test/unit/adapters/kubernetes/configMapHistoryStore.test.ts
 * builds the largest ones and checks them against this.
 */
export const MAX_ENTRY_BYTES = 6 * 1024;

export type HistoryTarget =
  | {
      readonly kind: 'Pod';
      readonly namespace: string;
      readonly name: string;
      readonly uid: string;
      /** The owning workload: its kind and name (the namespace is the pod's). */
      readonly workloadKind: string;
      readonly workload: string;
    }
  | { readonly kind: 'Node'; readonly name: string; readonly uid: string };

interface Common {
  /** ISO timestamp of the occurrence. */
  readonly at: string;
  readonly target: HistoryTarget;
  readonly dryRun: boolean;
}

export type HistoryEntry =
  | (Common & {
      readonly type: 'kill';
      readonly action: KillAction;
      /** killed, blocked, already-gone, failed, or any result a newer daemon reports. */
      readonly result: string;
      readonly detail?: string;
      readonly reason: string;
    })
  | (Common & {
      readonly type: 'recovery';
      readonly action: KillAction;
      /** Pods hit together; `target` is the first of them. */
      readonly victims: number;
      readonly recovered: boolean;
      readonly seconds: number;
      readonly detail?: string;
      readonly hypothesis?: { readonly verdict: 'held' | 'violated' | 'not-checked'; readonly detail: string };
    })
  | (Common & { readonly type: 'drain-started'; readonly until: string; readonly reason: string })
  | (Common & { readonly type: 'node-released'; readonly detail: string; readonly keptCordoned: boolean });

export type HistoryEntryType = HistoryEntry['type'];

export function truncateText(text: string, max = TEXT_MAX): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: the cut text must stay valid UTF-16 (and valid UTF-8 once stored).
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

function historyTarget(target: Target): HistoryTarget {
  if (target.kind === 'Node') return { kind: 'Node', name: target.name, uid: target.uid };
  return {
    kind: 'Pod',
    namespace: target.namespace,
    name: target.name,
    uid: target.uid,
    workloadKind: target.workload.kind,
    workload: target.workload.name,
  };
}

/** The entry an occurrence leaves in the history; undefined for the ones it does not keep (ticks, skips, ...). */
export function historyEntry(occurrence: Occurrence): HistoryEntry | undefined {
  const at = occurrence.at.toISOString();
  switch (occurrence.type) {
    case 'kill':
      return {
        type: 'kill',
        at,
        target: historyTarget(occurrence.target),
        dryRun: occurrence.dryRun,
        action: occurrence.action,
        result: occurrence.outcome.result,
        ...(occurrence.outcome.detail === undefined ? {} : { detail: truncateText(occurrence.outcome.detail) }),
        reason: truncateText(occurrence.reason),
      };
    case 'recovery': {
      const { verdict, hypothesis } = occurrence;
      return {
        type: 'recovery',
        at,
        target: historyTarget(occurrence.target),
        dryRun: occurrence.dryRun,
        action: occurrence.action,
        victims: occurrence.victims,
        recovered: verdict.recovered,
        seconds: verdict.seconds,
        ...(verdict.recovered ? {} : { detail: truncateText(verdict.detail) }),
        ...(hypothesis ? { hypothesis: { verdict: hypothesis.verdict, detail: truncateText(verdictText(hypothesis)) } } : {}),
      };
    }
    case 'drain-started':
      return {
        type: 'drain-started',
        at,
        target: historyTarget(occurrence.node),
        dryRun: occurrence.dryRun,
        until: occurrence.until.toISOString(),
        reason: truncateText(occurrence.reason),
      };
    case 'node-released':
      return {
        type: 'node-released',
        at,
        target: historyTarget(occurrence.node),
        dryRun: occurrence.dryRun,
        detail: truncateText(occurrence.detail),
        keptCordoned: occurrence.keptCordoned ?? false,
      };
    default:
      return undefined;
  }
}

/**
 * The entry's data key: its instant (so keys sort by time), its type and what
 * it is about. The same occurrence always gives the same key; two entries of
 * one day never share one (a pod is killed once, its attempt has one verdict,
 * a node starts one drain at a time). Keys are `[-._a-zA-Z0-9]` and at most
 * 70 characters, as a ConfigMap requires: a UID is hex and dashes; a node
 * released has no UID, and its name (up to 253) stands in as a hash.
 */
export function entryKey(entry: HistoryEntry): string {
  const stamp = entry.at.replace(/[-:]/g, '').replace('.', '');
  const about =
    entry.target.uid === ''
      ? `name-${createHash('sha256').update(entry.target.name).digest('hex').slice(0, 24)}`
      : entry.target.uid;
  return `${stamp}.${entry.type}.${about}`;
}
