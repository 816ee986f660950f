import { createServer, type Server } from 'node:http';
import test from 'ava';
import { createHttpProbe, PROBE_FAILED, type Resolve } from '../../../../src/adapters/probe/httpProbe.ts';
import type { PodInfo, WorkloadWithPods } from '../../../../src/domain/model.ts';
import { parseCidr, type Cidr } from '../../../../src/domain/optin/ipAddress.ts';
import { recordingLog } from '../../fakes/recordingListener.ts';
import { rolloutDone } from '../../fakes/fakeCluster.ts';

// Two servers on loopback: 127.0.0.1 stands for a refused address (a daemon's
// own loopback, a metadata service), 127.0.0.2 for an allowed one. Each counts
// the requests it got, so a test can prove a refused address was never reached.
interface Counted {
  readonly server: Server;
  readonly hits: string[];
  port: number;
}
const servers: Record<'allowed' | 'refused', Counted> = {
  allowed: { server: createServer(), hits: [], port: 0 },
  refused: { server: createServer(), hits: [], port: 0 },
};

test.before(async () => {
  for (const [name, counted] of Object.entries(servers)) {
    counted.server.on('request', (req, res) => {
      counted.hits.push(req.url ?? '');
      req.url = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.url === '/healthz') return void res.writeHead(204).end();
      if (req.url === '/ok-body') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
      if (req.url === '/sick') return void res.writeHead(503, 'Service Unavailable').end('down');
      if (req.url === '/login') return void res.writeHead(302, { location: '/ok-body' }).end();
      if (req.url === '/slow') return; // never answers; the server's close ends it
      res.writeHead(404).end();
    });
    const host = name === 'allowed' ? '127.0.0.2' : '127.0.0.1';
    await new Promise<void>((resolve) => counted.server.listen(0, host, resolve));
    counted.port = (counted.server.address() as { port: number }).port;
  }
  // One port for both, so a URL's name alone decides which server answers.
  servers.refused.server.close();
  await new Promise<void>((resolve) => servers.refused.server.listen(servers.allowed.port, '127.0.0.1', resolve));
  servers.refused.port = servers.allowed.port;
});

test.after.always(() => {
  for (const { server } of Object.values(servers)) {
    server.closeAllConnections();
    server.close();
  }
});

const pod = (ip: string): PodInfo => ({
  namespace: 'shop',
  name: `web-${ip}`,
  uid: ip,
  phase: 'Running',
  ready: true,
  terminating: false,
  ip,
});
const workload = (annotations: Record<string, string>, podIps: string[] = []): WorkloadWithPods => ({
  ref: { kind: 'Deployment', namespace: 'shop', name: 'web' },
  uid: 'u',
  labels: {},
  annotations,
  desired: 1,
  ready: 1,
  rollout: rolloutDone(1),
  pods: podIps.map(pod),
});
const cidr = (text: string) => parseCidr(text) as Cidr;
const ALLOWED = cidr('127.0.0.2/32');
// The test resolver: names answer what the table says; nothing goes to a real DNS server.
const resolver =
  (table: Record<string, string[]>): Resolve =>
  async (host) =>
    (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
const svc = (path: string) => `http://web.shop.svc:${servers.allowed.port}${path}`;
const log = recordingLog();
// Answers come from loopback at once; the generous timeout keeps a loaded
// machine from turning them into timeouts. Only the timeout case gets a short one.
const probe = createHttpProbe({
  timeoutMs: 30_000,
  prefix: 'havoc',
  rules: { allowHosts: [], allowCidrs: [ALLOWED] },
  apiServer: [],
  resolve: resolver({
    'web.shop.svc': ['127.0.0.2'],
    'evil.shop.svc': ['127.0.0.1'],
    'mixed.shop.svc': ['127.0.0.2', '127.0.0.1'],
  }),
  log,
});

const cases: [string, string, boolean][] = [
  ['204 is steady', '/healthz', true],
  ['200 with a body is steady', '/ok-body', true],
  ['503 is not', '/sick', false],
  ['a redirect is not followed and not steady', '/login', false],
];
for (const [title, path, ok] of cases) {
  test(`probe: ${title}`, async (t) => {
    const result = await probe.check(workload({ 'havoc/probe-url': svc(path) }));
    t.is(result.ok, ok);
    if (!ok) t.is(result.detail, PROBE_FAILED, 'what answered is not told to the annotator');
  });
}

test('probe: a failed probe tells the annotator a fixed text; the status goes to the debug log', async (t) => {
  const result = await probe.check(workload({ 'havoc/probe-url': svc('/sick') }));
  t.is(result.detail, PROBE_FAILED);
  t.false(/503|Unavailable/.test(result.detail ?? ''));
  t.true(log.lines.some((l) => l.level === 'debug' && (l.obj as { status?: number }).status === 503));
});

test('probe: open, closed and silent ports look the same to the annotator', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.2', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const impatient = createHttpProbe({
    timeoutMs: 50,
    prefix: 'havoc',
    rules: { allowHosts: [], allowCidrs: [ALLOWED] },
    apiServer: [],
  });
  const details = [
    (await impatient.check(workload({ 'havoc/probe-url': `http://127.0.0.2:${port}/healthz` }))).detail,
    (await impatient.check(workload({ 'havoc/probe-url': `http://127.0.0.2:${servers.allowed.port}/slow` }))).detail,
    (await impatient.check(workload({ 'havoc/probe-url': `http://127.0.0.2:${servers.allowed.port}/sick` }))).detail,
  ];
  t.deepEqual(details, [PROBE_FAILED, PROBE_FAILED, PROBE_FAILED]);
  t.false(details.some((d) => /ECONNREFUSED|timeout|50 ms/i.test(d ?? '')));
});

test('probe: a name that resolves to a refused address is refused without a request', async (t) => {
  const result = await probe.check(workload({ 'havoc/probe-url': `http://evil.shop.svc:${servers.allowed.port}/healthz?evil` }));
  t.false(result.ok);
  t.is(result.detail, 'probe-url refused by the probe address policy: evil.shop.svc resolves to a loopback address');
  const mixed = await probe.check(workload({ 'havoc/probe-url': `http://mixed.shop.svc:${servers.allowed.port}/healthz?evil` }));
  t.regex(mixed.detail ?? '', /mixed\.shop\.svc resolves to a loopback address/, 'one refused address refuses the name');
  t.false(
    [...servers.refused.hits, ...servers.allowed.hits].some((hit) => hit.endsWith('?evil')),
    'no server got a request',
  );
});

test('probe: a rebinding resolver cannot switch the checked address to a refused one', async (t) => {
  // Allowed on the first answer, loopback on every later one: the request must use the first.
  let lookups = 0;
  const rebinding: Resolve = async () => [{ address: lookups++ === 0 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
  const rebound = createHttpProbe({
    timeoutMs: 30_000,
    prefix: 'havoc',
    rules: { allowHosts: [], allowCidrs: [ALLOWED] },
    apiServer: [],
    resolve: rebinding,
  });
  const hits = (counted: Counted) => counted.hits.filter((hit) => hit.endsWith('?rebind')).length;
  const first = await rebound.check(workload({ 'havoc/probe-url': svc('/healthz?rebind') }));
  t.true(first.ok, 'the checked address answered');
  t.is(lookups, 1, 'one lookup per probe: the socket asks no resolver again');
  t.is(hits(servers.allowed), 1, 'the checked address got the request');
  const second = await rebound.check(workload({ 'havoc/probe-url': svc('/healthz?rebind') }));
  t.false(second.ok, 'the next probe checks the new answer and refuses it');
  t.regex(second.detail ?? '', /resolves to a loopback address/);
  t.is(hits(servers.refused), 0, 'the refused address never got a request');
});

test('probe: a pod IP of the workload is allowed by default; another address is not', async (t) => {
  const noAllowList = createHttpProbe({
    timeoutMs: 30_000,
    prefix: 'havoc',
    rules: { allowHosts: [], allowCidrs: [] },
    apiServer: [],
  });
  const url = `http://127.0.0.2:${servers.allowed.port}/healthz`;
  // Loopback is refused unless listed, even as a pod IP: a hostNetwork pod's IP is the node's.
  t.regex((await noAllowList.check(workload({ 'havoc/probe-url': url }, ['127.0.0.2']))).detail ?? '', /loopback/);
  const pods = createHttpProbe({ timeoutMs: 30_000, prefix: 'havoc', rules: { allowHosts: [], allowCidrs: [] }, apiServer: [] });
  const other = await pods.check(workload({ 'havoc/probe-url': 'http://10.1.2.4:8080/healthz' }, ['10.1.2.3']));
  t.is(
    other.detail,
    'probe-url refused by the probe address policy: 10.1.2.4 is not a pod IP of this workload nor in pods.probeAllowCidrs',
  );
});

test('probe: credentials in the URL are refused and never echoed', async (t) => {
  const result = await probe.check(
    workload({ 'havoc/probe-url': `http://admin:hunter2@web.shop.svc:${servers.allowed.port}/healthz` }),
  );
  t.false(result.ok);
  t.regex(result.detail ?? '', /must not carry credentials/);
  t.false((result.detail ?? '').includes('hunter2'));
});

test('probe: the API server is refused by its address, whatever name leads there', async (t) => {
  const guarded = createHttpProbe({
    timeoutMs: 30_000,
    prefix: 'havoc',
    rules: { allowHosts: [], allowCidrs: [cidr('127.0.0.0/8')] },
    apiServer: ['127.0.0.2'],
    resolve: resolver({ 'web.shop.svc': ['127.0.0.2'] }),
  });
  const result = await guarded.check(workload({ 'havoc/probe-url': svc('/healthz') }));
  t.regex(result.detail ?? '', /web\.shop\.svc resolves to the API server/);
});

test('probe: no annotation (or another prefix) means nothing to check', async (t) => {
  t.deepEqual(await probe.check(workload({})), { ok: true });
  t.deepEqual(await probe.check(workload({ 'chaos/probe-url': svc('/sick') })), { ok: true });
  const chaos = createHttpProbe({
    timeoutMs: 30_000,
    prefix: 'chaos',
    rules: { allowHosts: [], allowCidrs: [ALLOWED] },
    apiServer: [],
    resolve: resolver({ 'web.shop.svc': ['127.0.0.2'] }),
  });
  t.false((await chaos.check(workload({ 'chaos/probe-url': svc('/sick') }))).ok);
});
