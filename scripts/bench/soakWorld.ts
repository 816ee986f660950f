// The cluster the soak benchmark runs the daemon against: opted-in
// Deployments with names near the Kubernetes maximum in a namespace whose name
// is at its maximum, each with a long PromQL steady-state hypothesis, and
// single-replica Deployments that a PodDisruptionBudget (minAvailable 1) keeps
// from ever being evicted. Also a stand-in for Prometheus on 127.0.0.1 whose
// answers make the long hypotheses hold before a kill and fail after some.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { kwokDeployment } from '../../test/e2e/harness/kwokDeployment.ts';

/** 63 characters, the most a namespace name may have. */
export const SOAK_NAMESPACE = `soak-${'n'.repeat(58)}`;

/**
 * 230 characters: a Deployment name may have 253, but its ReplicaSets are
 * named `<deployment>-<pod-template-hash>` and must fit 253 too.
 */
export function longName(prefix: string, i: number): string {
  const head = `${prefix}-${i}-`;
  return `${head}${'x'.repeat(230 - head.length)}`;
}

const ROUTES = Array.from({ length: 60 }, (_, i) => `/api/v1/orders/${i}/items`).join('|');

/** About 4,000 characters of PromQL ending in a comparison, so a failure also shows the left side's value. */
export function longHypothesis(namespace: string, name: string): string {
  const selector = `namespace="${namespace}",deployment="${name}",route=~"${ROUTES}"`;
  return (
    `sum by (namespace, deployment) (rate(http_requests_total{${selector},code!~"5.."}[5m])) / ` +
    `sum by (namespace, deployment) (rate(http_requests_total{${selector}}[5m])) > 0.99`
  );
}

export interface SoakWorldOptions {
  readonly namespace: string;
  /** Deployments of `replicas` pods that can be killed. */
  readonly killable: number;
  readonly replicas: number;
  /** Single-replica Deployments behind a PDB with minAvailable 1: every eviction is refused with 429. */
  readonly blocked: number;
  readonly mtbf: string;
}

export function soakManifests(o: SoakWorldOptions): object[] {
  const deployment = (prefix: string, i: number, replicas: number) => {
    const name = longName(prefix, i);
    return kwokDeployment({
      namespace: o.namespace,
      name,
      app: `${prefix}-${i}`,
      replicas,
      labels: { 'havoc/enabled': 'true', 'havoc/mtbf': o.mtbf },
      annotations: { 'havoc/steady-state': longHypothesis(o.namespace, name) },
    });
  };
  const pdb = (i: number) => ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: `blocked-${i}`, namespace: o.namespace },
    spec: { minAvailable: 1, selector: { matchLabels: { app: `blocked-${i}` } } },
  });
  return [
    ...Array.from({ length: o.killable }, (_, i) => deployment('killable', i, o.replicas)),
    ...Array.from({ length: o.blocked }, (_, i) => deployment('blocked', i, 1)),
    ...Array.from({ length: o.blocked }, (_, i) => pdb(i)),
  ];
}

export interface FakePrometheus {
  readonly url: string;
  /** Queries answered, by what they asked. */
  readonly answered: { hypothesis: number; explanation: number; alerts: number };
  close(): Promise<void>;
}

const TRAILING_COMPARISON = /(==|!=|<=|>=|<|>)\s*[\d.]+\s*$/;

/**
 * Answers GET /api/v1/query as Prometheus does: no alert fires; each
 * hypothesis holds on its odd-numbered checks and returns nothing on its even
 * ones (so a check after a kill fails about every other time, and the verdict
 * is VIOLATED with the long expression in its detail); the left side, asked to
 * explain a failure, returns three long series.
 */
export async function startFakePrometheus(): Promise<FakePrometheus> {
  const checks = new Map<string, number>();
  const answered = { hypothesis: 0, explanation: 0, alerts: 0 };
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://prometheus').searchParams.get('query') ?? '';
    let result: object[] = [];
    if (query.startsWith('ALERTS')) answered.alerts++;
    else if (TRAILING_COMPARISON.test(query)) {
      answered.hypothesis++;
      const n = (checks.get(query) ?? 0) + 1;
      checks.set(query, n);
      if (n % 2 === 1) result = [{ metric: {}, value: [Date.now() / 1000, '0.995'] }];
    } else {
      answered.explanation++;
      result = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'].map((zone) => ({
        metric: { namespace: SOAK_NAMESPACE, zone, route: ROUTES.slice(0, 200) },
        value: [Date.now() / 1000, '0.97'],
      }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
