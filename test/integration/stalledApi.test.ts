// An API server that accepts connections and never answers (a stopped or
// wedged kube-apiserver): every request of the typed clients is abandoned at
// its timeout, and the kill switch says so instead of hanging for minutes;
// the daemon's readiness hears of it from those requests themselves.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { CoreV1Api } from '@kubernetes/client-node';
import { BoundedKubeConfig, RequestTimeoutError } from '../../src/adapters/kubernetes/boundedKubeConfig.ts';
import { createApiHealthCheck } from '../../src/adapters/kubernetes/apiHealth.ts';
import { createApiContact, type ApiContact } from '../../src/adapters/kubernetes/apiContact.ts';
import { fakeClock } from '../unit/fakes/fakeClock.ts';
import { toKubernetesError } from '../../src/adapters/kubernetes/errors.ts';
import { createServer as createHttpServer } from 'node:http';

/** Accepts TCP connections on 127.0.0.1 and never answers; counts the requests that arrived. */
async function stalledServer(): Promise<{
  url: string;
  requests: () => string[];
  until: (count: number, ms: number) => Promise<void>;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      seen.push(chunk.toString('latin1').split('\r\n')[0] ?? '');
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => seen,
    /** Resolves once `count` requests arrived, or after `ms` whatever arrived. */
    until: async (count: number, ms: number) => {
      const end = Date.now() + ms;
      while (seen.length < count && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function kubeConfigFor(url: string, timeouts: { readMs: number; writeMs: number }, contact?: ApiContact): BoundedKubeConfig {
  const kc = new BoundedKubeConfig(timeouts, contact);
  kc.loadFromOptions({
    clusters: [{ name: 'stalled', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'stalled', cluster: 'stalled', user: 'u' }],
    currentContext: 'stalled',
  });
  return kc;
}

test('a read and a write to a stalled API server are abandoned at their own timeouts, with a clear error', async (t) => {
  const api = await stalledServer();
  t.teardown(api.close);
  // Long enough that each request reaches the server before it is abandoned, even on a loaded machine.
  const core = kubeConfigFor(api.url, { readMs: 3000, writeMs: 4000 }).makeApiClient(CoreV1Api);

  const read = await t.throwsAsync(core.readNamespacedConfigMap({ namespace: 'kube-havoc', name: 'state' }));
  t.true(read instanceof RequestTimeoutError, `a timeout, not ${String(read)}`);
  t.is((read as RequestTimeoutError).timeoutMs, 3000, 'reads use the read timeout');
  const asDomain = toKubernetesError(read, 'read state');
  t.is(asDomain.kind, 'api-unreachable');
  t.regex(
    asDomain.message,
    /no answer from the API server within 3s \(GET \/api\/v1\/namespaces\/kube-havoc\/configmaps\/state\)/,
  );

  const write = await t.throwsAsync(
    core.createNamespacedPodEviction({ namespace: 'shop', name: 'web-1', body: { metadata: { name: 'web-1' } } }),
  );
  t.is((write as RequestTimeoutError).timeoutMs, 4000, 'writes use the write timeout');
  // The server reads what the client sent in a later turn of the event loop than the client's abandon:
  // wait for both before counting, then a moment more, so that a retry would be counted too.
  await api.until(2, 5_000);
  await new Promise((resolve) => setTimeout(resolve, 250));
  t.deepEqual(
    api.requests().map((r) => r.split(' ')[0]),
    ['GET', 'POST'],
    'each request reached the server once',
  );
});

test('`kube-havoc pause` against a stalled API server fails at the read timeout with a message naming it', async (t) => {
  const api = await stalledServer();
  t.teardown(api.close);
  const dir = mkdtempSync(join(tmpdir(), 'havoc-stalled-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'stalled',
      clusters: [{ name: 'stalled', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'stalled', context: { cluster: 'stalled', user: 'u' } }],
    }),
  );
  const child = spawn(
    process.execPath,
    ['dist/main.js', 'pause', '--kubeconfig', kubeconfig, '--reason', 'incident 42', '--by', 'oncall'],
    {
      env: { ...process.env, HAVOC_KUBERNETES_READ_TIMEOUT: '1s', HAVOC_KUBERNETES_WRITE_TIMEOUT: '1s' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.is(code, 1);
  t.regex(
    stderr,
    /kube-havoc pause: read state ConfigMap kube-havoc\/kube-havoc-state: API server unreachable \(timeout\): no answer from the API server within 1s/,
  );
  t.is(api.requests().length, 1, 'one read, abandoned; nothing written');
});

test('the contact hears every answer and is told of each request abandoned at its timeout; readiness judges from it', async (t) => {
  const stalled = await stalledServer();
  t.teardown(stalled.close);
  const answering = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"state","namespace":"kube-havoc"}}');
  });
  await new Promise<void>((resolve) => answering.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => answering.close(() => resolve())));
  const up = `http://127.0.0.1:${(answering.address() as { port: number }).port}`;
  const contact = createApiContact({ clock: fakeClock(new Date('2025-06-06T10:00:00Z')), silentAfterMs: 100_000 });
  let synced = true;
  const health = createApiHealthCheck({ contact, cachesSynced: () => synced });
  t.regex(health() ?? '', /cluster view is stale: nothing heard from the API server yet/);
  // Short only where the timeout is the point; the answering server gets a generous one, so a loaded machine does not fail it.
  const read = { namespace: 'kube-havoc', name: 'state' };
  await kubeConfigFor(up, { readMs: 30_000, writeMs: 30_000 }, contact).makeApiClient(CoreV1Api).readNamespacedConfigMap(read);
  t.is(health(), undefined, 'an answer: fresh');
  await t.throwsAsync(
    kubeConfigFor(stalled.url, { readMs: 2_000, writeMs: 2_000 }, contact).makeApiClient(CoreV1Api).readNamespacedConfigMap(read),
  );
  t.regex(
    health() ?? '',
    /^cluster view is stale: no answer from the API server within 2s \(GET \/api\/v1\/namespaces\/kube-havoc\/configmaps\/state\)$/,
  );
  await kubeConfigFor(up, { readMs: 30_000, writeMs: 30_000 }, contact).makeApiClient(CoreV1Api).readNamespacedConfigMap(read);
  t.is(health(), undefined, 'answering again: fresh at once');
  synced = false;
  t.regex(health() ?? '', /cluster view is stale: a watch is failing/);
  // The server reads the abandoned GET in a later turn of the event loop (see the first test): wait for it.
  await stalled.until(1, 5_000);
  t.deepEqual(
    stalled.requests().map((r) => r.split(' ')[0]),
    ['GET'],
    'the judgement itself made no request: only the read did',
  );
});
