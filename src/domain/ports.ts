// The narrow interfaces through which the domain talks to the world. Adapters
// (Kubernetes, Slack, Prometheus, pino) implement them; the domain imports none
// of the adapters. Tests implement them with small hand-written fakes.

import type {
  ClusterSnapshot,
  KillOutcome,
  NamespaceInfo,
  NodeInfo,
  PodInfo,
  Workload,
  WorkloadRef,
  WorkloadWithPods,
} from './model.ts';
import type { Occurrence } from './occurrence.ts';
import type { HavocState, PauseState } from './state.ts';

export interface Clock {
  /** The wall clock: what the window and the records' times are read on. It may be stepped (NTP, an operator). */
  now(): Date;
  /** Milliseconds from an arbitrary origin on a clock that is never stepped (performance.now()): elapsed time only. */
  monotonicMs(): number;
  /** Resolves after `ms`, or early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Uniform numbers in [0, 1). Seedable in tests and in `plan`. */
export interface Random {
  next(): number;
}

/** Read side of the cluster. */
export interface Cluster {
  /** What the watches hold now (opted-in workloads without pods, namespaces, nodes): no API request. */
  snapshot(): Promise<ClusterSnapshot>;
  /** Fresh state of one workload and its pods (right before a kill, recovery check); undefined when it is gone. */
  workload(ref: WorkloadRef): Promise<WorkloadWithPods | undefined>;
  /**
   * One namespace's labels now (right before a kill, when namespaces.selector decides): the watch's copy
   * when one holds namespaces, else one read. Undefined when it is gone.
   */
  namespace(name: string): Promise<NamespaceInfo | undefined>;
  /** The watched state of one workload (may lag the server); undefined when no watch holds it. No request. */
  watched(ref: WorkloadRef): Workload | undefined;
  /**
   * The topology.kubernetes.io/zone label of a node, from the node watch: no request. Undefined when the node has
   * no such label or no watch holds it (the zone rule counts both as one unknown zone).
   */
  zoneOf(nodeName: string): string | undefined;
  /** Resolves at the next change the watches see to this workload, or when `signal` aborts. */
  changed(ref: WorkloadRef, signal: AbortSignal): Promise<void>;
}

export interface KillOptions {
  readonly dryRun: boolean;
}

/**
 * What the API server shows of a pod now, by UID: `present` (not going away),
 * `terminating` (a deletionTimestamp is set), or `gone` (no pod has this UID,
 * also when its name now belongs to another pod). What became of it is judged
 * by judgeKill (domain/killEvidence.ts), not here.
 */
export interface PodFate {
  readonly seen: 'present' | 'terminating' | 'gone';
  /**
   * The pod's DisruptionTarget condition (status True), which the API server
   * sets when it takes a pod: reason EvictionByEvictionAPI for the Eviction
   * API, PreemptionByScheduler, DeletionByTaintManager, DeletionByPodGC,
   * TerminationByKubelet. A plain delete sets none.
   */
  readonly disruption?: { readonly reason: string; readonly message?: string };
}

/**
 * Terminates one pod. Never throws for "blocked" or "gone": those are outcomes.
 * A kill whose answer was lost is settled by following the pod for a bounded time before it returns.
 */
export interface PodKiller {
  kill(pod: PodInfo, workload: WorkloadRef, options: KillOptions): Promise<KillOutcome>;
  /** Reads the pod once (a successor settling a reservation); throws when the API cannot tell. */
  fate(pod: { readonly namespace: string; readonly name: string; readonly uid: string }): Promise<PodFate>;
}

/** The steady-state hypothesis of a workload beyond its ready count (the probe URL), read fresh with its pods. */
export interface SteadyStateProbe {
  check(workload: WorkloadWithPods): Promise<{ readonly ok: boolean; readonly detail?: string }>;
}

/** A pod on a node being drained, with the workload it belongs to when the drainer can tell. */
export interface DrainCandidate {
  readonly key: string;
  readonly workload?: WorkloadRef;
  /** Already going (evicted by an earlier pass): it counts as lost, and is not evicted again. */
  readonly terminating: boolean;
}

/** The permit's word on one eviction pass: stop the drain now, or evict all but the pods held back (by pod key, with why). */
export type PassVerdict = { readonly stop: string } | { readonly hold: ReadonlyMap<string, string> };

export interface DrainOptions extends KillOptions {
  /** When the node is given back. */
  readonly until: Date;
  readonly signal: AbortSignal;
  /** Asked before every eviction pass with the node's pods (`namespace/name` keys). */
  readonly pass?: (pods: readonly DrainCandidate[]) => Promise<PassVerdict>;
  /** Right before the cordon and each eviction, with no I/O: why the drain must stop now (as a pass's stop), or undefined. */
  readonly stopNow?: () => string | undefined;
}

export interface NodeRelease {
  readonly name: string;
  /** false: an administrator asked to keep it cordoned (`<prefix>/keep-cordoned`); kube-havoc only dropped its mark. */
  readonly uncordoned: boolean;
}

/** Drains and gives back nodes (node chaos issue). */
export interface NodeDrainer {
  /**
   * Cordons the node, marks it with its give-back time, evicts its pods.
   * On abort (shutdown) it stops evicting and leaves the give-back to the mark.
   */
  drain(node: NodeInfo, options: DrainOptions): Promise<KillOutcome>;
  /**
   * Gives back every node whose give-back time has passed: uncordoned, or,
   * when an administrator annotated it to keep it cordoned, only unmarked.
   */
  giveBack(now: Date, options: KillOptions): Promise<readonly NodeRelease[]>;
  /** The node's pods as a drain pass sees them (one LIST): the zone rule's look before a drain is reserved. */
  pods(name: string): Promise<readonly DrainCandidate[]>;
  /** Whether the node carries this daemon's drain mark now (a successor settling a drain reservation). */
  isDrained(name: string): Promise<boolean>;
}

/**
 * Persistent daemon state (kill history for the budgets, the kill switch).
 * `update` applies `change` with optimistic concurrency and retries on conflict,
 * so two replicas never both spend the same budget.
 */
export interface StateStore {
  load(): Promise<HavocState>;
  update(change: (state: HavocState) => HavocState, options?: UpdateOptions): Promise<HavocState>;
  /**
   * The kill switch as stored now, read fresh like load() but without the whole state where the store can tell
   * that nothing changed since it last read or wrote it (a drain pass asks every few seconds). Without it,
   * readKillSwitch (killSwitch.ts) loads the state.
   */
  killSwitch?(): Promise<PauseState | undefined>;
}

export interface UpdateOptions {
  /** Refuse the write (StateFull) when the new state would be larger than this. */
  readonly maxBytes?: number;
}

/** Receives everything that happens; one per side effect (Events, metrics, Slack, log). */
export interface Listener {
  readonly name: string;
  on(occurrence: Occurrence): void | Promise<void>;
}

/** The subset of pino the domain uses, so tests can pass a recording fake. */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** One series of an instant query's answer: its labels and its value as Prometheus printed it. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: string;
}

/**
 * A failed query is an answer, not an exception, so the callers can fail
 * closed with a reason: `unreachable` (no answer, or none within the timeout),
 * `invalid-query` (Prometheus refused to parse it: HTTP 400), `error` (anything
 * else, such as a 422 execution error or a 5xx).
 */
export type QueryAnswer =
  | { readonly ok: true; readonly samples: readonly Sample[] }
  | { readonly ok: false; readonly problem: 'unreachable' | 'invalid-query' | 'error'; readonly detail: string };

/** The steady-state source (Prometheus): instant PromQL queries. Never throws. */
export interface MetricsSource {
  query(expr: string): Promise<QueryAnswer>;
}
