// The state ConfigMap as kube-havoc wrote it before the durable history
// (commit f5c12b5): every record in `state.json`, the newest 1,000 kept, none
// pruned by age, no history objects. Built here from that format's field
// names, not from the code: the upgrade tests must read what the old daemon
// wrote, whatever the current types say.

const HOUR = 3_600_000;

export interface OldPod {
  readonly name: string;
  readonly uid: string;
}

export interface OldAttempt {
  readonly at: Date;
  readonly namespace: string;
  readonly workload: string;
  readonly victims: readonly OldPod[];
  /** killed, blocked, already-gone, failed, reserved or not-attempted. */
  readonly result: string;
  /** Pods disrupted: killed plus failed (0 for a blocked attempt). */
  readonly count: number;
  readonly owner?: string;
  readonly dryRun?: boolean;
  readonly reason?: string;
  readonly recovery?: {
    readonly recovered: boolean;
    readonly seconds: number;
    readonly hypothesis?: { verdict: string; detail: string };
  };
}

/** One record of pod chaos (a Deployment), in the old shape. */
export function oldPodRecord(a: OldAttempt): Record<string, unknown> {
  const at = a.at.toISOString();
  const target = `${a.namespace}/Deployment/${a.workload}`;
  return {
    id: `${at}/${target}`,
    at,
    target,
    action: 'pod-evict',
    result: a.result,
    dryRun: a.dryRun ?? false,
    count: a.count,
    owner: a.owner ?? `havoc-old-0@${new Date(a.at.getTime() - HOUR).toISOString()}`,
    workload: { kind: 'Deployment', namespace: a.namespace, name: a.workload },
    workloadUid: `uid-${a.namespace}-${a.workload}`,
    victims: a.victims.map((v) => ({ namespace: a.namespace, name: v.name, uid: v.uid })),
    reason: a.reason ?? 'opted in by label, mtbf 1d business time, mode one; chance 4.2% this tick',
    ...(a.recovery ? { recovery: a.recovery } : {}),
  };
}

/** One record of a node drain, in the old shape. */
export function oldDrainRecord(at: Date, node: string, result: string): Record<string, unknown> {
  const when = at.toISOString();
  return {
    id: `${when}/node/${node}`,
    at: when,
    target: `node/${node}`,
    action: 'node-drain',
    result,
    dryRun: false,
    count: 1,
    owner: `havoc-old-0@${new Date(at.getTime() - HOUR).toISOString()}`,
    nodeUid: `uid-${node}`,
    reason: 'opted-in node, mtbf 168.0h business time, 3 candidate(s)',
  };
}

export interface OldState {
  readonly kills: readonly Record<string, unknown>[];
  readonly paused?: { reason: string; by: string; at: string; announced?: boolean };
  readonly now: Date;
}

/** The text of `state.json`: the records, the kill switch, the acting replica's summary and the day plan's date. */
export function oldStateJson({ kills, paused, now }: OldState): string {
  return JSON.stringify({
    kills,
    ...(paused ? { paused } : {}),
    daemon: {
      by: `havoc-old-0@${new Date(now.getTime() - 2 * HOUR).toISOString()}`,
      since: new Date(now.getTime() - 2 * HOUR).toISOString(),
      dryRun: false,
      caps: { perTick: 1, perHour: 3, perDay: 10 },
    },
    dayPlanSentFor: now.toISOString().slice(0, 10),
  });
}

/** The ConfigMap the old daemon created, holding that text. */
export function oldStateConfigMap(namespace: string, name: string, json: string, annotations?: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/name': 'kube-havoc', 'app.kubernetes.io/component': 'state' },
      ...(annotations ? { annotations } : {}),
    },
    data: { 'state.json': json },
  };
}

/**
 * What the budget and the gaps of `namespace` need from an old state: web
 * killed 10 min ago (with its verdict), a workload elsewhere 20 h ago, and
 * db reserved 5 min ago on `dbVictim` by a run that stopped before it
 * evicted: 2 of the hour and 3 of the day spent, web and db within a 1 h gap.
 */
export function oldBudgetRecords(now: Date, namespace: string, dbVictim: OldPod): Record<string, unknown>[] {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const web = { name: 'web-old', uid: 'uid-web-old' };
  return [
    oldPodRecord({
      at: ago(10 * 60_000),
      namespace,
      workload: 'web',
      victims: [web],
      result: 'killed',
      count: 1,
      recovery: { recovered: true, seconds: 12 },
    }),
    oldPodRecord({
      at: ago(20 * HOUR),
      namespace: 'elsewhere',
      workload: 'gone',
      victims: [{ name: 'gone-0', uid: 'uid-gone-0' }],
      result: 'killed',
      count: 1,
    }),
    oldPodRecord({ at: ago(5 * 60_000), namespace, workload: 'db', victims: [dbVictim], result: 'reserved', count: 1 }),
  ];
}

/**
 * Weeks of an old daemon's records with long texts, as the finding measured
 * them: a PromQL verdict and a long reason on every kill, half of the
 * attempts blocked by a PDB; `count` records from `fromHoursAgo` back, one
 * every `everyMinutes`, over `workloads` workloads of `namespace`.
 */
export function oldLongRecords(options: {
  readonly now: Date;
  readonly count: number;
  readonly fromHoursAgo: number;
  readonly everyMinutes: number;
  readonly namespace: string;
  readonly workloads: number;
}): Record<string, unknown>[] {
  const { now, count, namespace } = options;
  const expr = `sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="checkout"}[5m])) < 0.01 ${'and on() vector(1) '.repeat(12)}`;
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(now.getTime() - options.fromHoursAgo * HOUR - i * options.everyMinutes * 60_000);
    const workload = `storefront-recommendations-${String(i % options.workloads).padStart(3, '0')}`;
    const victim = {
      name: `${workload}-7d9f8b6c5d-${String(i).padStart(5, 'x')}`,
      uid: `old-${String(i).padStart(8, '0')}-0000-0000-0000-000000000000`,
    };
    const blocked = i % 2 === 1;
    return oldPodRecord({
      at,
      namespace,
      workload,
      victims: [victim],
      result: blocked ? 'blocked' : 'killed',
      count: blocked ? 0 : 1,
      reason: `opted in by namespace ${namespace}, mtbf 2d business time, mode one; chance 1.7% this tick; ${'long reason '.repeat(8)}`,
      ...(blocked
        ? {}
        : {
            recovery: {
              recovered: true,
              seconds: 31,
              hypothesis: { verdict: 'violated', detail: `VIOLATED: ${expr} returned an empty result` },
            },
          }),
    });
  });
}
