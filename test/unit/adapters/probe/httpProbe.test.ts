import { createServer, type Server } from 'node:http';
import test from 'ava';
import { createHttpProbe } from '../../../../src/adapters/probe/httpProbe.ts';
import type { Workload } from '../../../../src/domain/model.ts';
import { rolloutDone } from '../../fakes/fakeCluster.ts';

let server: Server;
let base = '';

test.before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(204).end();
    if (req.url === '/ok-body') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
    if (req.url === '/sick') return void res.writeHead(503, 'Service Unavailable').end('down');
    if (req.url === '/login') return void res.writeHead(302, { location: '/ok-body' }).end();
    if (req.url === '/slow') return; // never answers; the server's close ends it
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

test.after.always(() => {
  server.closeAllConnections();
  server.close();
});

const workload = (annotations: Record<string, string>): Workload => ({
  ref: { kind: 'Deployment', namespace: 'shop', name: 'web' },
  uid: 'u',
  labels: {},
  annotations,
  desired: 1,
  ready: 1,
  rollout: rolloutDone(1),
});
// Answers come from 127.0.0.1 at once; the generous timeout keeps a loaded
// machine from turning them into timeouts. Only the timeout case gets a short one.
const probe = createHttpProbe({ timeoutMs: 30_000, prefix: 'havoc' });

const cases: [string, string, { ok: boolean; detail?: RegExp }][] = [
  ['204 is steady', '/healthz', { ok: true }],
  ['200 with a body is steady', '/ok-body', { ok: true }],
  ['503 is not', '/sick', { ok: false, detail: /answered 503 Service Unavailable/ }],
  ['a redirect is not followed and not steady', '/login', { ok: false, detail: /answered 302/ }],
];
for (const [title, path, expected] of cases) {
  test(`probe: ${title}`, async (t) => {
    const result = await probe.check(workload({ 'havoc/probe-url': `${base}${path}` }));
    t.is(result.ok, expected.ok);
    if (expected.detail) t.regex(result.detail ?? '', expected.detail);
    if (!expected.ok) t.true(result.detail?.includes(`${base}${path}`), 'the detail names the URL');
  });
}

test('probe: no answer within the timeout is not steady', async (t) => {
  const impatient = createHttpProbe({ timeoutMs: 50, prefix: 'havoc' });
  const result = await impatient.check(workload({ 'havoc/probe-url': `${base}/slow` }));
  t.false(result.ok);
  t.regex(result.detail ?? '', /no answer within 50 ms/);
  t.true(result.detail?.includes(`${base}/slow`), 'the detail names the URL');
});

test('probe: a refused connection says so', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const result = await probe.check(workload({ 'havoc/probe-url': `http://127.0.0.1:${port}/healthz` }));
  t.false(result.ok);
  t.regex(result.detail ?? '', /ECONNREFUSED/);
});

test('probe: no annotation (or another prefix) means nothing to check', async (t) => {
  t.deepEqual(await probe.check(workload({})), { ok: true });
  t.deepEqual(await probe.check(workload({ 'chaos/probe-url': `${base}/sick` })), { ok: true });
  t.false(
    (await createHttpProbe({ timeoutMs: 30_000, prefix: 'chaos' }).check(workload({ 'chaos/probe-url': `${base}/sick` }))).ok,
  );
});
