// The demo's sample shop and the daemon configuration that runs it on an
// accelerated schedule. Pods land on kwok's fake nodes: they become Ready
// without running anything, so the image is never pulled.

import { KWOK_NODE_SELECTOR, KWOK_TOLERATION } from '../../test/e2e/harness/cluster.ts';

export const SHOP_NAMESPACE = 'shop';
export const DAEMON_NAMESPACE = 'havoc';

export interface ShopWorkload {
  readonly name: string;
  readonly replicas: number;
  /** The labels on the Deployment: the opt-in contract, or the lack of it. */
  readonly labels: Readonly<Record<string, string>>;
  /** What the demo shows with it, printed next to the plan. */
  readonly role: string;
  readonly pdb?: boolean;
  /** One pod per node: with more replicas than the 3 fake nodes, one stays Pending and the workload is never at steady state. */
  readonly onePerNode?: boolean;
}

// MTBFs are in business time; the demo's window is the whole day, so `20s`
// means about one kill every 12 seconds of wall time, less the 10 s gap
// each workload keeps after an attempt (selection.minTimeBetweenKills).
export const SHOP: readonly ShopWorkload[] = [
  {
    name: 'frontend',
    replicas: 4,
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '12s' },
    role: 'one pod at a time (mode one)',
  },
  {
    name: 'cart',
    replicas: 4,
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '20s', 'havoc/kill-mode': 'fixed', 'havoc/kill-value': '2' },
    role: 'two pods at once (mode fixed, value 2)',
  },
  {
    name: 'catalog',
    replicas: 6,
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '30s', 'havoc/kill-mode': 'random-max-percent', 'havoc/kill-value': '50' },
    role: 'up to half its pods (mode random-max-percent, 50)',
  },
  {
    name: 'checkout',
    replicas: 3,
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '6s' },
    pdb: true,
    role: 'a PodDisruptionBudget with maxUnavailable 0: every eviction is refused',
  },
  {
    name: 'inventory',
    replicas: 4,
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '6s' },
    onePerNode: true,
    role: 'one pod per node, 4 replicas on 3 nodes: never all ready, so skipped as not steady',
  },
  { name: 'payments', replicas: 2, labels: {}, role: 'not opted in: never touched' },
  {
    name: 'search',
    replicas: 2,
    labels: { 'havoc/enabled': 'true', 'havoc/mtbf': 'banana' },
    role: 'a bad label: skipped, with a warning Event',
  },
];

function deployment(w: ShopWorkload): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.name, namespace: SHOP_NAMESPACE, labels: w.labels },
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: { app: w.name } },
      template: {
        metadata: { labels: { app: w.name } },
        spec: {
          nodeSelector: KWOK_NODE_SELECTOR,
          tolerations: [KWOK_TOLERATION],
          terminationGracePeriodSeconds: 0,
          ...(w.onePerNode
            ? {
                affinity: {
                  podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                      { labelSelector: { matchLabels: { app: w.name } }, topologyKey: 'kubernetes.io/hostname' },
                    ],
                  },
                },
              }
            : {}),
          containers: [{ name: 'app', image: `example.invalid/shop/${w.name}:1` }],
        },
      },
    },
  };
}

/** Every object of the shop, as one kubectl-applicable List. */
export function shopManifest(): string {
  const items: unknown[] = SHOP.map(deployment);
  for (const w of SHOP.filter((s) => s.pdb)) {
    items.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: `${w.name}-pdb`, namespace: SHOP_NAMESPACE },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: w.name } } },
    });
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

/**
 * LIVE (dryRun false) on an accelerated schedule: a tick every 2 seconds
 * (node-cron takes a seconds field), a window that is always open, short
 * MTBFs and gaps, and budgets large enough not to stop a minute of chaos.
 */
export function demoConfig(options: { readonly metricsPort: number; readonly slackUrl: string }): Record<string, unknown> {
  return {
    dryRun: false,
    clusterName: 'demo',
    schedule: {
      cron: '*/2 * * * * *',
      timezone: 'UTC',
      weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      start: '00:00',
      end: '24:00',
    },
    selection: { defaultMtbf: '1m', minPodAge: '1s', minTimeBetweenKills: '10s' },
    namespaces: { include: [SHOP_NAMESPACE] },
    // Near the most the hot state's bound allows at two kills a tick (99; the config refuses more): minutes of kills, then budget-spent.
    blastRadius: { maxKillsPerTick: 2, maxKillsPerHour: 100, maxKillsPerDay: 90, maxUnavailablePercent: 50 },
    pods: { method: 'evict', recoveryTimeout: '1m', recoveryPollInterval: '1s' },
    // The local receiver is http on 127.0.0.1: the switch allows that for loopback only.
    slack: { webhookUrl: options.slackUrl, allowInsecureHttp: true, dailyPlan: true, timeout: '2s', retries: 0 },
    // The renewal may not be shorter than a read and two writes: short timeouts for a short lease.
    kubernetes: { readTimeout: '3s', writeTimeout: '3s' },
    daemon: {
      namespace: DAEMON_NAMESPACE,
      podName: 'kube-havoc-demo',
      leaderElection: { leaseDuration: '18s', renewInterval: '9s' },
    },
    // The demo scrapes /metrics; no kubelet probes it, so no health listener.
    server: { host: '127.0.0.1', port: options.metricsPort, healthPort: 0 },
    log: { level: 'debug' },
  };
}
