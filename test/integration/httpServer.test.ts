import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import test, { type ExecutionContext } from 'ava';
import { Registry } from 'prom-client';
import type { Occurrence } from '../../src/domain/occurrence.ts';
import { createHavocMetrics } from '../../src/adapters/metrics/havocMetrics.ts';
import { createHealthServer } from '../../src/adapters/http/healthServer.ts';
import type { HttpServer } from '../../src/adapters/http/httpServer.ts';
import { createMetricsServer, KILLS_UNAVAILABLE, type MetricsServerOptions } from '../../src/adapters/http/metricsServer.ts';
import { createApiReadinessListener, createReadiness } from '../../src/adapters/http/readiness.ts';
import { recentKills } from '../../src/adapters/http/recentKills.ts';
import { createRedactor } from '../../src/domain/redactor.ts';
import { attempts, type Attempt } from '../../src/domain/history/attempts.ts';
import { historyEntry, type HistoryEntry } from '../../src/domain/history/historyEntry.ts';
import { recordingLog } from '../unit/fakes/recordingListener.ts';
import {
  AT,
  BUDGET,
  killOccurrence,
  NODE,
  POD,
  recoveryOccurrence,
  skipOccurrence,
  tickOccurrence,
} from '../unit/fakes/occurrences.ts';

/** Both listeners as the composition root starts them, each on a free loopback port, closed when the test ends. */
async function start(t: ExecutionContext) {
  const registry = new Registry();
  const metrics = createHavocMetrics({ registry });
  const readiness = createReadiness({ conditions: ['config', 'api'] });
  const log = recordingLog();
  const server = await createMetricsServer({ registry, host: '127.0.0.1', port: 0, log });
  t.teardown(() => server.close());
  const health = await createHealthServer({ readiness: readiness.status, host: '127.0.0.1', port: 0, log });
  t.teardown(() => health.close());
  return { registry, metrics, readiness, server, health, log };
}

function exercise(on: (o: Occurrence) => void) {
  const occurrences: Occurrence[] = [
    tickOccurrence('acted', {
      eligible: 3,
      killed: 1,
      durationMs: 12,
      budget: BUDGET,
      nextTick: new Date(AT.getTime() + 600_000),
    }),
    killOccurrence('killed'),
    killOccurrence('killed', { dryRun: true }),
    killOccurrence('blocked'),
    killOccurrence('failed'),
    skipOccurrence('not-steady', { detail: '2/3' }),
    recoveryOccurrence({ recovered: true, seconds: 17 }),
    recoveryOccurrence({ recovered: false, seconds: 300, detail: 'x' }, { dryRun: true }),
    { type: 'error', at: AT, kind: 'api-unreachable', message: 'down' },
    { type: 'leader', at: AT, leader: true, identity: 'a' },
  ];
  for (const o of occurrences) on(o);
}

async function get(
  url: string,
  method = 'GET',
  agent?: Agent,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body,
          ...(res.headers['retry-after'] === undefined ? {} : { retryAfter: res.headers['retry-after'] }),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A metrics server on a free loopback port with these options, closed when the test ends. */
async function serving(t: ExecutionContext, options: Partial<MetricsServerOptions>): Promise<HttpServer> {
  const server = await createMetricsServer({
    registry: new Registry(),
    host: '127.0.0.1',
    port: 0,
    log: recordingLog(),
    ...options,
  });
  t.teardown(() => server.close());
  return server;
}

function promtool(input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => reject(new Error('promtool not found: run scripts/ci/install-prometheus.sh', { cause: error })));
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

test('GET /metrics serves the registry in the Prometheus text format, pod names never appear', async (t) => {
  const { metrics, server } = await start(t);
  exercise((o) => void metrics.listener.on(o));
  const scrape = await get(`${server.url}/metrics`);
  t.is(scrape.status, 200);
  t.regex(scrape.type, /^text\/plain; version=0\.0\.4/);
  t.true(
    scrape.body.includes(
      'havoc_kills_total{namespace="shop",kind="Deployment",workload="checkout",action="pod-evict",result="killed",dry_run="false"} 1',
    ),
  );
  t.true(
    scrape.body.includes(
      'havoc_kills_total{namespace="shop",kind="Deployment",workload="checkout",action="none",result="skipped-not-steady",dry_run="false"} 1',
    ),
  );
  t.true(
    scrape.body.includes(
      'havoc_recovery_duration_seconds_bucket{le="30",namespace="shop",kind="Deployment",workload="checkout",action="pod-evict",dry_run="false"} 1',
    ),
  );
  t.true(
    scrape.body.includes(
      'havoc_not_recovered_total{namespace="shop",kind="Deployment",workload="checkout",action="pod-evict",dry_run="true"} 1',
    ),
  );
  t.true(scrape.body.includes('havoc_budget_left{window="day"} 9'));
  t.true(scrape.body.includes('# HELP process_cpu_seconds_total'));
  t.false(scrape.body.includes(POD.name));
});

test('promtool check metrics accepts the exposition, with and without data', async (t) => {
  const { metrics, server } = await start(t);
  const empty = await promtool((await get(`${server.url}/metrics`)).body);
  t.deepEqual(empty, { code: 0, output: '' });
  exercise((o) => void metrics.listener.on(o));
  metrics.deliveries('slack')('sent');
  const full = await promtool((await get(`${server.url}/metrics`)).body);
  t.deepEqual(full, { code: 0, output: '' });
  // The lint is real: it rejects what the factory removed on purpose.
  const bad = await promtool('# HELP x_total a gauge\n# TYPE x_total gauge\nx_total 1\n');
  t.not(bad.code, 0);
});

test('/healthz answers while the process serves; /readyz only once config and API are confirmed', async (t) => {
  const { readiness, health: server } = await start(t);
  t.like(await get(`${server.url}/healthz`), { status: 200, body: 'ok\n' });
  t.like(await get(`${server.url}/readyz`), { status: 503, body: 'not ready: config, api\n' });
  readiness.set('config', true);
  t.like(await get(`${server.url}/readyz`), { status: 503, body: 'not ready: api\n' });
  const listener = createApiReadinessListener({ readiness, condition: 'api' });
  void listener.on(tickOccurrence('not-leader', { dryRun: true }));
  t.is((await get(`${server.url}/readyz`)).status, 503, 'a standby tick proves nothing about the API');
  void listener.on(tickOccurrence('outside-window', { dryRun: true }));
  t.like(await get(`${server.url}/readyz`), { status: 200, body: 'ok\n' });
  void listener.on({ type: 'error', at: AT, kind: 'api-unreachable', message: 'connect ECONNREFUSED 10.96.0.1:443' });
  t.is((await get(`${server.url}/readyz`)).status, 200, 'ready is a latch: a later API error does not stall rollouts');
  readiness.set('api', false, 'cannot reach https://10.96.0.1:443: connect ECONNREFUSED');
  t.like(
    await get(`${server.url}/readyz`),
    { status: 503, body: 'not ready: api\n' },
    'a reason code only: the API server address and the error stay in the log',
  );
  t.deepEqual(readiness.status().unmet, ['api: cannot reach https://10.96.0.1:443: connect ECONNREFUSED'], 'for the log');
  t.throws(() => readiness.set('cofig', true), { message: /unknown readiness condition "cofig"/ });
});

test('unknown paths, other methods and HEAD', async (t) => {
  const { server, health } = await start(t);
  t.like(await get(`${server.url}/nope`), { status: 404 });
  t.like(await get(`${server.url}/metrics`, 'POST'), { status: 405 });
  t.like(await get(`${server.url}/metrics`, 'HEAD'), { status: 200, body: '' });
  t.like(await get(`${server.url}/metrics?name[]=x`), { status: 200 });
  t.like(await get(`${health.url}/healthz`, 'POST'), { status: 405 });
  t.like(await get(`${health.url}/healthz`, 'HEAD'), { status: 200, body: '' });
  t.like(await get(`${health.url}/__proto__`), { status: 404 });
});

test("the probes and the metrics are on separate listeners: each answers 404 for the other's paths", async (t) => {
  const { server, health, readiness, log } = await start(t);
  readiness.set('config', true);
  readiness.set('api', true);
  const wired = await serving(t, { recentKills: async () => [] });
  t.not(new URL(server.url).port, new URL(health.url).port);
  for (const path of ['/metrics', '/kills'])
    t.like(await get(`${health.url}${path}`), { status: 404, body: 'not found\n' }, path);
  for (const path of ['/healthz', '/readyz']) {
    t.like(await get(`${server.url}${path}`), { status: 404 }, path);
    t.like(await get(`${wired.url}${path}`), { status: 404 }, `${path}, /kills served`);
  }
  t.like(await get(`${health.url}/readyz`), { status: 200, body: 'ok\n' });
  t.like(await get(`${health.url}/healthz`), { status: 200, body: 'ok\n' });
  t.like(await get(`${server.url}/metrics`), { status: 200 });
  t.like(await get(`${wired.url}/kills`), { status: 200, body: '[]\n' });
  t.deepEqual(
    log.lines.map((l) => l.msg),
    ['metrics server listening (/metrics)', 'health server listening (/healthz, /readyz)'],
    'each start-up line names what that port serves',
  );
});

test('close() returns although a scraper keeps its connection alive; a taken port is a clear error', async (t) => {
  const registry = new Registry();
  const log = recordingLog();
  const server = await createMetricsServer({ registry, host: '127.0.0.1', port: 0, log });
  const agent = new Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  t.is((await get(`${server.url}/metrics`, 'GET', agent)).status, 200);
  const port = Number(new URL(server.url).port);
  const clash = createHealthServer({ readiness: () => ({ ready: true, unmet: [], codes: [] }), host: '127.0.0.1', port, log });
  const error = await t.throwsAsync(clash);
  t.regex(error?.message ?? '', new RegExp(`health server: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
  t.truthy(error?.cause);
  await server.close();
  await t.throwsAsync(get(`${server.url}/metrics`));
});

test('/kills serves the recent kills from the persisted history as JSON, newest first, one row per attempt; without a source it is 404', async (t) => {
  const { server } = await start(t);
  t.like(await get(`${server.url}/kills`), { status: 404 }, 'not wired: not served');
  const ledger = {
    ...POD,
    namespace: 'bank',
    name: 'ledger-0',
    uid: 'l0',
    workload: { kind: 'StatefulSet', namespace: 'bank', name: 'ledger' },
  } as const;
  const history = [
    killOccurrence('killed', { at: new Date('2026-11-20T10:00:00.000Z') }),
    recoveryOccurrence({ recovered: true, seconds: 17 }, { at: new Date('2026-11-20T10:00:17.000Z') }),
    killOccurrence('killed', { at: new Date('2026-11-20T10:10:00.000Z'), target: NODE }),
    killOccurrence('killed', { at: new Date('2026-11-20T10:20:00.000Z'), target: ledger, dryRun: true }),
    recoveryOccurrence(
      { recovered: false, seconds: 300, detail: 'timed out' },
      {
        at: new Date('2026-11-20T10:25:00.000Z'),
        target: ledger,
        dryRun: true,
        hypothesis: { verdict: 'violated', expr: 'errors < 0.01', detail: 'errors < 0.01 returned no result; value seen: 0.2' },
      },
    ),
  ].map((o) => historyEntry(o) as HistoryEntry);
  const wired = await serving(t, { recentKills: async () => recentKills(attempts(history), 2) });
  const answer = await get(`${wired.url}/kills`);
  t.is(answer.status, 200);
  t.is(answer.type, 'application/json');
  t.deepEqual(JSON.parse(answer.body), [
    {
      at: '2026-11-20T10:20:00.000Z',
      namespace: 'bank',
      kind: 'StatefulSet',
      workload: 'ledger',
      action: 'pod-evict',
      result: 'killed',
      dryRun: true,
      count: 1,
      recovery: 'not-recovered',
      recoverySeconds: 300,
      hypothesis: 'violated',
      hypothesisDetail: 'VIOLATED: errors < 0.01 returned no result; value seen: 0.2',
    },
    {
      at: '2026-11-20T10:10:00.000Z',
      namespace: '',
      kind: 'Node',
      workload: 'worker-3',
      action: 'node-drain',
      result: 'killed',
      dryRun: false,
      count: 1,
      recovery: 'pending',
      recoverySeconds: null,
      hypothesis: null,
      hypothesisDetail: null,
    },
  ]);
});

test('/kills behind a bearer token: refused without it or with a wrong one, served (redacted) with it', async (t) => {
  let token = 'kills-token-1';
  const row: Attempt = {
    at: '2026-11-20T10:00:00.000Z',
    namespace: 'shop',
    kind: 'Deployment',
    workload: 'checkout',
    action: 'pod-evict',
    result: 'killed',
    dryRun: false,
    count: 1,
    victims: ['shop/checkout-1'],
    reason: 'opted in',
    recovery: {
      at: '2026-11-20T10:05:00.000Z',
      recovered: false,
      seconds: 300,
      hypothesis: { verdict: 'not-checked', detail: 'HTTP 500: echoed Authorization: Bearer prom-SECRET-token' },
    },
  };
  const server = await serving(t, {
    recentKills: async () => recentKills([row], 10),
    killsToken: () => token,
    redact: createRedactor({ secrets: () => ['prom-SECRET-token'] }),
  });
  const refused = await get(`${server.url}/kills`);
  t.like(refused, { status: 401, body: 'unauthorized\n' });
  t.false(refused.body.includes('checkout'));
  t.like(await get(`${server.url}/kills`, 'GET', undefined, { authorization: 'Bearer wrong' }), { status: 401 });
  t.like(await get(`${server.url}/kills`, 'GET', undefined, { authorization: 'Basic a2lsbHMtdG9rZW4tMQ==' }), { status: 401 });
  const served = await get(`${server.url}/kills`, 'GET', undefined, { authorization: `Bearer ${token}` });
  t.is(served.status, 200);
  t.true(served.body.includes('checkout'));
  t.false(served.body.includes('prom-SECRET-token'), 'the rows pass the redactor');
  token = 'kills-token-2';
  t.like(
    await get(`${server.url}/kills`, 'GET', undefined, { authorization: 'Bearer kills-token-1' }),
    { status: 401 },
    'rotated',
  );
  t.like(await get(`${server.url}/kills`, 'GET', undefined, { authorization: 'Bearer kills-token-2' }), { status: 200 });
  t.like(await get(`${server.url}/metrics`), { status: 200 }, '/metrics needs no token');
});

test('/kills during an API outage: 503 with a reason that discloses nothing, Retry-After, one log line per outage', async (t) => {
  const log = recordingLog();
  let down = true;
  const server = await createMetricsServer({
    registry: new Registry(),
    host: '127.0.0.1',
    port: 0,
    log,
    recentKills: async () => {
      if (down) throw new Error('read state ConfigMap havoc/kube-havoc-state: connect ECONNREFUSED 10.0.0.1:443');
      return [];
    },
  });
  t.teardown(() => server.close());
  log.lines.length = 0; // the "listening" line
  for (let i = 0; i < 3; i++) {
    const answer = await get(`${server.url}/kills`);
    t.like(answer, { status: 503, type: 'application/json', retryAfter: '10' });
    t.deepEqual(JSON.parse(answer.body), { error: KILLS_UNAVAILABLE });
    t.false(answer.body.includes('10.0.0.1'), 'no address or error text leaves the daemon');
  }
  t.deepEqual(
    log.lines.map((l) => [l.level, l.msg]),
    [['warn', '/kills answers 503 until the kill history can be read again']],
    'three failed requests, one line',
  );
  down = false;
  t.like(await get(`${server.url}/kills`), { status: 200, body: '[]\n' });
  await get(`${server.url}/kills`);
  t.deepEqual(
    log.lines.map((l) => l.level),
    ['warn', 'info'],
    'and one when it works again',
  );
});
