// The narrow interfaces through which the domain talks to the world. Adapters
// (Kubernetes, Slack, Prometheus, pino) implement them; the domain imports none
// of the adapters. Tests implement them with small hand-written fakes.

import type {
  ClusterSnapshot, KillOutcome, NodeInfo, PodInfo, Workload, WorkloadRef, WorkloadWithPods,
} from './model.ts';
import type { Occurrence } from './occurrence.ts';
import type { HavocState } from './state.ts';

export interface Clock {
  now(): Date;
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
  /** The watched state of one workload (may lag the server); undefined when no watch holds it. No request. */
  watched(ref: WorkloadRef): Workload | undefined;
  /** Resolves at the next change the watches see to this workload, or when `signal` aborts. */
  changed(ref: WorkloadRef, signal: AbortSignal): Promise<void>;
}

export interface KillOptions {
  readonly dryRun: boolean;
}

/** Terminates one pod. Never throws for "blocked" or "gone": those are outcomes. */
export interface PodKiller {
  kill(pod: PodInfo, workload: WorkloadRef, options: KillOptions): Promise<KillOutcome>;
}

/** The steady-state hypothesis of a workload beyond its ready count (the probe URL). */
export interface SteadyStateProbe {
  check(workload: Workload): Promise<{ readonly ok: boolean; readonly detail?: string }>;
}

export interface DrainOptions extends KillOptions {
  /** When the node is given back. */
  readonly until: Date;
  readonly signal: AbortSignal;
  /** Asked between eviction passes: a reason to stop now (window closed, paused, lease lost), or undefined. */
  readonly allowed?: () => Promise<string | undefined>;
}

/** Drains and gives back nodes (node chaos issue). */
export interface NodeDrainer {
  /**
   * Cordons the node, marks it with its give-back time, evicts its pods.
   * On abort (shutdown) it stops evicting and leaves the give-back to the mark.
   */
  drain(node: NodeInfo, options: DrainOptions): Promise<KillOutcome>;
  /** Uncordons every node whose give-back time has passed; returns their names. */
  giveBack(now: Date, options: KillOptions): Promise<readonly string[]>;
}

/**
 * Persistent daemon state (kill history for the budgets, the kill switch).
 * `update` applies `change` with optimistic concurrency and retries on conflict,
 * so two replicas never both spend the same budget.
 */
export interface StateStore {
  load(): Promise<HavocState>;
  update(change: (state: HavocState) => HavocState): Promise<HavocState>;
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
