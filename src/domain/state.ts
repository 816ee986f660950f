// The state that must survive restarts and leader changes: the kill history
// behind the hourly/daily caps and the per-workload gap, and the kill switch.

import type { Caps } from './settings.ts';
import type { KillAction, KillResult, WorkloadRef } from './model.ts';

/**
 * `reserved`: budget taken, the outcome not known yet (a crash here leaves it
 * for the next leader to settle); `not-attempted`: a leftover reservation whose
 * victims were all found untouched. Both keep the budget charged.
 */
export type RecordResult = KillResult | 'reserved' | 'not-attempted';

/** A pod picked as victim, kept in the reservation so a successor can check it by UID. */
export interface VictimRecord {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface KillRecord {
  /** Unique per attempt, so the outcome can be written over the reservation. */
  readonly id: string;
  /** ISO timestamp of the attempt. */
  readonly at: string;
  /** workloadKey() of the workload, or `node/<name>` for a drain. */
  readonly target: string;
  readonly action: KillAction;
  readonly result: RecordResult;
  readonly dryRun: boolean;
  /** Pods (or nodes) disrupted by this attempt. */
  readonly count: number;
  /** The run of the daemon that reserved it (identity and start), so a successor knows it is not its own. */
  readonly owner?: string;
  /** Pod chaos: the workload and the victims, so a successor can settle and announce the kill. */
  readonly workload?: WorkloadRef;
  readonly workloadUid?: string;
  readonly victims?: readonly VictimRecord[];
  /** Node chaos: the node's UID. */
  readonly nodeUid?: string;
  /** Why the target was picked (Event and Slack text of a kill announced by a successor). */
  readonly reason?: string;
  /**
   * Why a leftover was settled as it was when the record alone does not say: its pod (or node) is
   * recorded as killed by another record. Only on a record not settled `killed`, which never
   * carries a recovery verdict (worstCaseStateBytes counts on that).
   */
  readonly detail?: string;
  /**
   * The run that settled this leftover (a predecessor's, or one it lost track of), so that run, retrying a
   * settlement whose write had no answer but went through, knows it as its own and announces it once.
   */
  readonly settledBy?: string;
  /** The recovery verdict, written when the check ends, so the recent kills can show it after a restart. */
  readonly recovery?: {
    readonly recovered: boolean;
    readonly seconds: number;
    /** The steady-state hypothesis after recovery (Prometheus configured): held, violated or not-checked, and what was seen. */
    readonly hypothesis?: { readonly verdict: 'held' | 'violated' | 'not-checked'; readonly detail: string };
  };
}

export interface PauseState {
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  /** 'annotation': set with `kubectl annotate` on the state ConfigMap (havoc/pause); removing the annotation resumes. */
  readonly source?: 'annotation';
  /** Set by the daemon that told Slack and the log, so a restart or a new leader does not tell them again. */
  readonly announced?: boolean;
}

/** The settings of the replica that acts, so `kube-havoc status` shows its budgets rather than the CLI's defaults. */
export interface DaemonSummary {
  readonly by: string;
  /** When it became the acting replica. */
  readonly since: string;
  readonly dryRun: boolean;
  readonly caps: Caps;
}

export interface HavocState {
  readonly kills: readonly KillRecord[];
  readonly paused?: PauseState;
  /** Who cleared the kill switch last, so the daemon can announce it. */
  readonly resumed?: { readonly by: string; readonly at: string; readonly announced?: boolean };
  /** Written by each new leader. */
  readonly daemon?: DaemonSummary;
  /** The window occurrence (the local date it opened) of the last daily plan sent, so a restart does not send it twice. */
  readonly dayPlanSentFor?: string;
  /**
   * STATE_FORMAT, written by every daemon write since the durable history.
   * Absent: the state of an older daemon, whose settled records are not in the
   * history yet; the first write moves them there (history/migratingStateStore.ts).
   */
  readonly format?: typeof STATE_FORMAT;
  /**
   * In a state not marked yet: the ids of an older daemon's settled records that a failed move
   * left out of the history. Compaction keeps them as they are, while the state stays under its
   * bound; the next move takes these and no others (the new daemon's own records are in the
   * history through the history listener). Absent in an unmarked state: no new daemon wrote it,
   * so every settled record is an old one.
   */
  readonly unmoved?: readonly string[];
}

/** The format of a state whose settled records are also in the durable history. */
export const STATE_FORMAT = 2;

export const emptyState: HavocState = { kills: [] };

/** Keep only what some budget or gap can still look at (in memory: a tick's view). */
export function pruneState(state: HavocState, now: Date, keepSeconds: number): HavocState {
  const oldest = now.getTime() - keepSeconds * 1000;
  return { ...state, kills: state.kills.filter((k) => Date.parse(k.at) >= oldest) };
}

// The hot state is small by construction: what a budget, a gap, the kill
// switch or a leftover settlement needs, and nothing else. Everything else is
// in the durable history. The bound below holds whatever the input: free text
// is cut, attempts that spend nothing are kept once per target, and a write
// that would pass the bound is refused (a reservation then fails closed).
export const STATE_BOUNDS = {
  /** Bytes a free-text field takes at most in the stored JSON (a kill's reason, a verdict's detail, who paused and why). */
  textBytes: 256,
  /** A reservation is refused (`state-full`) when the state it would write is larger. */
  reserveBytes: 768 * 1024,
  /** What the config lets the records that spend budget take at worst (the rest holds the attempts that spent nothing). */
  killRecordBytes: 640 * 1024,
  /** No write larger than this is sent: the API server refuses a ConfigMap over 1 MiB (1,048,576 bytes). */
  writeBytes: 960 * 1024,
} as const;

/** Bytes of a text inside the stored JSON: UTF-8, with the escapes JSON writes (a control character takes 6). */
function storedBytes(text: string): number {
  return new TextEncoder().encode(JSON.stringify(text)).length - 2;
}

/**
 * Cuts free text to at most `max` bytes as stored, marking the cut (… is 3
 * bytes), never inside a surrogate pair: the bound holds whatever the
 * characters, so worstCaseStateBytes is a bound and not an estimate.
 */
export function boundText(text: string, max: number = STATE_BOUNDS.textBytes): string {
  if (storedBytes(text) <= max) return text;
  // Every character takes at least a byte: no prefix longer than `max` fits.
  let fits = 0;
  let over = Math.min(text.length, max) + 1;
  while (over - fits > 1) {
    const mid = Math.floor((fits + over) / 2);
    if (storedBytes(text.slice(0, mid)) + 3 <= max) fits = mid;
    else over = mid;
  }
  const end = /[\uD800-\uDBFF]/.test(text.charAt(fits - 1)) ? fits - 1 : fits;
  return `${text.slice(0, end)}…`;
}

export interface CompactRules {
  /** How long a record that spent budget matters: the day cap, or the gap when longer (historySeconds). */
  readonly keepSeconds: number;
  readonly minGapSeconds: number;
}

/**
 * The state as it is stored: records that spent budget within `keepSeconds`,
 * reservations not settled yet, and of the attempts that spent nothing
 * (blocked, already gone, not attempted) only the newest per target within
 * the gap, without its victims. Free text is bounded. Nothing a budget, a gap
 * or a settlement still needs is dropped. The records still to move into the
 * history (`unmoved`) are kept as they are, unless `keepUnmoved` is false
 * (they would pass the bound): then they go as any other, and `unmoved`
 * lists those that stay.
 */
export function compactState(state: HavocState, now: Date, rules: CompactRules, keepUnmoved = true): HavocState {
  const t = now.getTime();
  const unmoved = new Set(keepUnmoved ? state.unmoved : []);
  const newestFree = new Map<string, KillRecord>();
  for (const k of state.kills) {
    if (k.result === 'reserved' || k.count > 0) continue;
    if (t - Date.parse(k.at) > rules.minGapSeconds * 1000) continue;
    const key = `${k.dryRun}/${k.target}`;
    const seen = newestFree.get(key);
    if (seen === undefined || Date.parse(seen.at) < Date.parse(k.at)) newestFree.set(key, k);
  }
  const kept = new Set(newestFree.values());
  const kills = state.kills
    .filter(
      (k) =>
        k.result === 'reserved' ||
        unmoved.has(k.id) ||
        (k.count > 0 ? t - Date.parse(k.at) <= rules.keepSeconds * 1000 : kept.has(k)),
    )
    .map((k) => (unmoved.has(k.id) ? k : k.result !== 'reserved' && k.count === 0 ? attemptOnly(k) : boundRecord(k)));
  const { paused, resumed } = state;
  const ids = new Set(kills.map((k) => k.id));
  return {
    ...state,
    kills,
    ...(state.unmoved ? { unmoved: state.unmoved.filter((id) => ids.has(id)) } : {}),
    ...(paused ? { paused: { ...paused, reason: boundText(paused.reason), by: boundText(paused.by) } } : {}),
    ...(resumed ? { resumed: { ...resumed, by: boundText(resumed.by) } } : {}),
  };
}

/** An attempt that spent nothing matters only for its target's gap. */
function attemptOnly({ id, at, target, action, result, dryRun, count }: KillRecord): KillRecord {
  return { id, at, target, action, result, dryRun, count };
}

function boundRecord(k: KillRecord): KillRecord {
  const hypothesis = k.recovery?.hypothesis;
  return {
    ...k,
    ...(k.reason === undefined ? {} : { reason: boundText(k.reason) }),
    ...(k.detail === undefined ? {} : { detail: boundText(k.detail) }),
    ...(k.recovery && hypothesis
      ? { recovery: { ...k.recovery, hypothesis: { ...hypothesis, detail: boundText(hypothesis.detail) } } }
      : {}),
  };
}

/** Bytes of the state as stored (its JSON, UTF-8). */
export function stateBytes(state: HavocState): number {
  return new TextEncoder().encode(JSON.stringify(state)).length;
}

/**
 * The largest state the records that spend budget can make at these caps,
 * with every name at its Kubernetes maximum and every text at its bound:
 * reservations and settled kills of both modes (a switch to or from dry run
 * leaves the other's) over one day, each with a tick's worth of victims.
 * The config refuses caps whose worst case passes `killRecordBytes`; what is
 * left below `reserveBytes` (at least 128 KiB) holds the attempts that spent
 * nothing, one per target within the gap: 802 bytes each at the longest
 * names, 182 for shop/Deployment/web. At the largest caps that is at least 165
 * targets (636 at names like payments/Deployment/checkout-api); at the
 * default caps (a worst case of 59,122 bytes) at least 906 (3,496).
 * docs/ARCHITECTURE.md ("The hot state") has the figures.
 */
export function worstCaseStateBytes(caps: Caps): number {
  const text = 'x'.repeat(STATE_BOUNDS.textBytes);
  const name = 'n'.repeat(253);
  const at = '2026-12-04T10:00:00.000Z';
  const record = largestRecord({ victims: caps.perTick, text, at });
  const fixed: HavocState = {
    kills: [],
    paused: { reason: text, by: text, at, announced: true },
    resumed: { by: text, at, announced: true },
    daemon: { by: `${name}@${at}`, since: at, dryRun: false, caps },
    dayPlanSentFor: '2026-12-04',
    format: STATE_FORMAT,
  };
  // A record carries a recovery verdict or a settlement's detail, never both (KillRecord.detail): the larger counts.
  const { recovery: _verdict, ...unverdicted } = record;
  const largest = Math.max(stateBytes({ kills: [record] }), stateBytes({ kills: [{ ...unverdicted, detail: text }] }));
  // Each record that spends budget spends at least one: a day holds at most perDay of them per mode.
  return stateBytes(fixed) + 2 * caps.perDay * (largest - stateBytes({ kills: [] }) + 1);
}

/** A record at its largest: every name at its Kubernetes maximum, `victims` victims, both texts `text`. */
export function largestRecord({ victims, text, at }: { victims: number; text: string; at: string }): KillRecord {
  const name = 'n'.repeat(253);
  const namespace = 'n'.repeat(63);
  const uid = '00000000-0000-0000-0000-000000000000';
  const target = `${namespace}/StatefulSet/${name}`;
  return {
    id: `${at}/${target}`,
    at,
    target,
    action: 'pod-evict',
    result: 'already-gone',
    dryRun: false,
    count: victims,
    owner: `${name}@${at}`,
    workload: { kind: 'StatefulSet', namespace, name },
    workloadUid: uid,
    victims: Array.from({ length: victims }, () => ({ namespace, name, uid })),
    nodeUid: uid,
    reason: text,
    settledBy: `${name}@${at}`,
    recovery: { recovered: false, seconds: 86_400, hypothesis: { verdict: 'not-checked', detail: text } },
  };
}
