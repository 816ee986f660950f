// What the domain needs from the configuration, parsed into typed values
// (seconds, sets, a window object). Built once by config/settings.ts.

import type { NamespaceInfo } from './model.ts';
import type { PolicyOptions } from './optin/workloadPolicy.ts';
import type { LabelSelector } from './selection/labelSelector.ts';
import type { BusinessWindow } from './window/businessWindow.ts';

/** The blast radius over time, which the budget (budget/budget.ts) enforces. */
export interface Caps {
  readonly perTick: number;
  readonly perHour: number;
  readonly perDay: number;
}

export interface NamespaceRules {
  readonly include: ReadonlySet<string>;
  readonly exclude: ReadonlySet<string>;
  readonly selector: LabelSelector;
  /** Configured plus the always-protected ones (kube-system, the daemon's own). */
  readonly protected: ReadonlySet<string>;
  /** Other installs whose scope overlaps this one's (install/installOverlap.ts); absent: none is looked for. */
  readonly claims?: NamespaceClaims;
}

/** Whether another install, installed earlier, acts on a namespace: then this one does not. */
export interface NamespaceClaims {
  /** The earlier install that acts on the namespace, or undefined when this one may. */
  claimedBy(namespace: string, info: NamespaceInfo | undefined): string | undefined;
}

export interface NodeSettings {
  readonly enabled: boolean;
  readonly selector: LabelSelector;
  readonly mtbfSeconds: number;
  readonly maxConcurrentDrains: number;
  readonly minReadyNodes: number;
  readonly minReadyPercent: number;
  readonly drainSeconds: number;
}

export interface Settings {
  readonly dryRun: boolean;
  readonly clusterName: string;
  readonly window: BusinessWindow;
  readonly policy: PolicyOptions;
  readonly namespaces: NamespaceRules;
  readonly minPodAgeSeconds: number;
  readonly minGapSeconds: number;
  readonly caps: Caps;
  readonly maxUnavailablePercent: number;
  /** Ready replicas a zone keeps of a workload that spans several zones (0: no zone rule). */
  readonly keepReadyPerZone: number;
  readonly recovery: { readonly timeoutSeconds: number; readonly pollSeconds: number };
  readonly self: { readonly namespace: string; readonly podName: string };
  readonly nodes: NodeSettings;
  /** Longest a tick may run (the scheduler also keeps it under the cron period). */
  readonly tickDeadlineSeconds: number;
  /** Longest wait for the answer to one write (kubernetes.writeTimeout): after it, a write's answer is lost. */
  readonly writeTimeoutSeconds: number;
}
