// Manifests and waits shared by the e2e scenarios: Deployments whose pods
// land on kwok's fake nodes, and reads of what the API server says.

import { waitFor, type Cluster } from './harness/cluster.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';

export interface PodView {
  readonly name: string;
  readonly uid: string;
  readonly ready: boolean;
  readonly terminating: boolean;
  readonly node: string;
}

export async function pods(cluster: Cluster, namespace: string, app: string): Promise<PodView[]> {
  const out = JSON.parse(await cluster.kubectl(['-n', namespace, 'get', 'pods', '-l', `app=${app}`, '-o', 'json'])) as {
    items: {
      metadata: { name: string; uid: string; deletionTimestamp?: string };
      spec: { nodeName?: string };
      status: { conditions?: { type: string; status: string }[] };
    }[];
  };
  return out.items.map((p) => ({
    name: p.metadata.name,
    uid: p.metadata.uid,
    terminating: p.metadata.deletionTimestamp !== undefined,
    node: p.spec.nodeName ?? '',
    ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  }));
}

export async function deploy(
  cluster: Cluster,
  namespace: string,
  name: string,
  replicas: number,
  labels: Record<string, string> = {},
): Promise<PodView[]> {
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(kwokDeployment({ namespace, name, replicas, labels })));
  return readyPods(cluster, namespace, name, replicas);
}

export function readyPods(
  cluster: Cluster,
  namespace: string,
  app: string,
  count: number,
  timeoutMs = 90_000,
): Promise<PodView[]> {
  return waitFor(
    async () => {
      const all = await pods(cluster, namespace, app);
      const ready = all.filter((p) => p.ready && !p.terminating);
      return ready.length === count && all.length === count ? ready : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `${count} ready pods of ${namespace}/${app}` },
  );
}

/**
 * A PodDisruptionBudget `<app>-pdb` with maxUnavailable 0 over app=<app>, returned
 * once the disruption controller counts `expectedPods` pods: from then on every
 * eviction of them is refused with 429.
 */
export async function blockEvictions(cluster: Cluster, namespace: string, app: string, expectedPods: number): Promise<void> {
  const name = `${app}-pdb`;
  await cluster.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app } } },
    }),
  );
  await cluster.kubectl([
    '-n',
    namespace,
    'wait',
    `--for=jsonpath={.status.expectedPods}=${expectedPods}`,
    `pdb/${name}`,
    '--timeout=60s',
  ]);
}

export interface EventView {
  readonly reason: string;
  readonly kind: string;
  readonly name: string;
  readonly note: string;
  readonly controller: string;
  readonly type: string;
}

export async function havocEvents(cluster: Cluster, namespace: string): Promise<EventView[]> {
  const out = JSON.parse(await cluster.kubectl(['-n', namespace, 'get', 'events.v1.events.k8s.io', '-o', 'json'])) as {
    items: {
      reason?: string;
      note?: string;
      type?: string;
      reportingController?: string;
      regarding?: { kind?: string; name?: string };
    }[];
  };
  return out.items
    .filter((e) => e.reportingController === 'kube-havoc')
    .map((e) => ({
      reason: e.reason ?? '',
      kind: e.regarding?.kind ?? '',
      name: e.regarding?.name ?? '',
      note: e.note ?? '',
      controller: e.reportingController ?? '',
      type: e.type ?? '',
    }));
}
