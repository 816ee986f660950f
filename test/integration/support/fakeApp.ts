// A small application on 127.0.0.1 whose metrics the test controls, scraped
// by a real Prometheus: an error-ratio gauge, an alert trigger, request and
// latency counters that grow with every scrape (traffic, so rate() works),
// and kube-state-metrics' replica series for the checkout Deployment.

import { createServer, type Server } from 'node:http';
import type { ExecutionContext } from 'ava';

export interface AppState {
  /** app_error_ratio of shop/checkout. */
  errorRatio: number;
  /** app_alert_trigger: the rule file fires CheckoutErrorsHigh (critical) while it is 1. */
  alert: 0 | 1;
  /** Share of each scrape's 100 new requests that fail with 500. */
  failingShare: number;
  /** Seconds every new request takes (the latency histogram). */
  latencySeconds: number;
  availableReplicas: number;
}

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface FakeApp {
  readonly state: AppState;
  /** host:port for the scrape config. */
  readonly target: string;
}

export async function startFakeApp(t: ExecutionContext, initial: Partial<AppState> = {}): Promise<FakeApp> {
  const state: AppState = {
    errorRatio: 0.001,
    alert: 0,
    failingShare: 0,
    latencySeconds: 0.08,
    availableReplicas: 3,
    ...initial,
  };
  let ok = 0;
  let failed = 0;
  const buckets = BUCKETS.map(() => 0);
  let count = 0;
  let sum = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const bad = Math.round(100 * state.failingShare);
    failed += bad;
    ok += 100 - bad;
    BUCKETS.forEach((le, i) => {
      if (state.latencySeconds <= le) buckets[i] = (buckets[i] ?? 0) + 100;
    });
    count += 100;
    sum += 100 * state.latencySeconds;
    const shop = 'namespace="shop",deployment="checkout"';
    const lines = [
      `app_error_ratio{${shop}} ${state.errorRatio}`,
      `app_alert_trigger ${state.alert}`,
      `http_requests_total{${shop},code="200"} ${ok}`,
      `http_requests_total{${shop},code="500"} ${failed}`,
      ...BUCKETS.map((le, i) => `http_request_duration_seconds_bucket{${shop},le="${le}"} ${buckets[i] ?? 0}`),
      `http_request_duration_seconds_bucket{${shop},le="+Inf"} ${count}`,
      `http_request_duration_seconds_count{${shop}} ${count}`,
      `http_request_duration_seconds_sum{${shop}} ${sum}`,
      `kube_deployment_spec_replicas{${shop}} 3`,
      `kube_deployment_status_replicas_available{${shop}} ${state.availableReplicas}`,
    ];
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { state, target: `127.0.0.1:${port}` };
}

/** The rule file: one critical alert the test controls, one harmless info alert that always fires. */
export const RULES = `groups:
  - name: havoc-test
    interval: 1s
    rules:
      - alert: CheckoutErrorsHigh
        expr: app_alert_trigger > 0
        labels: { severity: critical }
      - alert: AlwaysFiringInfo
        expr: vector(1)
        labels: { severity: info }
`;
