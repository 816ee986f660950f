// The kill-switch read of a drain pass through the real client library, over
// HTTP on 127.0.0.1: it asks for the state ConfigMap's metadata alone (the
// Accept header the API server answers with PartialObjectMetadata), reads the
// answer, and is bounded by the read timeout like every other GET.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import test from 'ava';
import { BoundedKubeConfig, RequestTimeoutError } from '../../src/adapters/kubernetes/boundedKubeConfig.ts';
import { createConfigMapStateStore, STATE_KEY } from '../../src/adapters/kubernetes/configMapStateStore.ts';
import { recordingLog } from '../unit/fakes/recordingListener.ts';

const PATH = '/api/v1/namespaces/havoc/configmaps/kube-havoc-state';

/** One ConfigMap, answered as the API server does: the object, or with `as=PartialObjectMetadata` its metadata only. */
async function configMapServer(state: object, options: { stall?: boolean } = {}) {
  const seen: { accept: string; bytes: number }[] = [];
  let object = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-havoc-state', namespace: 'havoc', resourceVersion: '41' },
    data: { [STATE_KEY]: JSON.stringify(state) },
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (options.stall) return; // accepted, never answered
    if (request.method !== 'GET' || request.url?.split('?')[0] !== PATH) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
      return;
    }
    const accept = request.headers.accept ?? '';
    const partial = accept.includes('as=PartialObjectMetadata');
    const body = JSON.stringify(
      partial ? { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: object.metadata } : object,
    );
    seen.push({ accept, bytes: Buffer.byteLength(body) });
    const type = partial ? 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' : 'application/json';
    response.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    /** Someone else writes: a new resourceVersion. */
    write(next: object) {
      object = {
        ...object,
        metadata: { ...object.metadata, resourceVersion: String(Number(object.metadata.resourceVersion) + 1) },
        data: { [STATE_KEY]: JSON.stringify(next) },
      };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function storeOn(url: string, readMs = 5000) {
  const kubeConfig = new BoundedKubeConfig({ readMs, writeMs: 5000 });
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'local', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'u' }],
    currentContext: 'local',
  });
  return createConfigMapStateStore({ kubeConfig, namespace: 'havoc', name: 'kube-havoc-state', log: recordingLog() });
}

const kills = Array.from({ length: 300 }, (_, i) => ({
  id: `2026-03-04T10:${String(i % 60).padStart(2, '0')}:00.000Z/shop/Deployment/web-${i}`,
  at: '2026-03-04T10:00:00.000Z',
  target: `shop/Deployment/web-${i}`,
  action: 'pod-evict',
  result: 'killed',
  dryRun: false,
  count: 1,
}));

test('the kill-switch read asks the API server for the metadata alone, and reads the whole state only after a change', async (t) => {
  const api = await configMapServer({ kills });
  t.teardown(api.close);
  const store = storeOn(api.url);
  t.is((await store.load()).kills.length, 300);
  t.is(await store.killSwitch?.(), undefined);
  t.is(await store.killSwitch?.(), undefined);
  const pause = { reason: 'incident', by: 'oncall', at: '2026-03-04T10:05:00.000Z' };
  api.write({ kills, paused: pause });
  t.deepEqual(await store.killSwitch?.(), pause);
  const partial = (s: { accept: string }) => s.accept.includes('as=PartialObjectMetadata');
  t.deepEqual(
    api.seen.map(partial),
    [false, true, true, true, false],
    'load; two checks on the known version; a check that finds a new version, then one full read',
  );
  const full = api.seen[0]?.bytes ?? 0;
  const meta = api.seen[1]?.bytes ?? 0;
  t.log(`answers here: whole state ${full} B, metadata ${meta} B`);
  t.true(meta * 50 < full, 'no data in the metadata answer');
});

test('the kill-switch read is bounded by the read timeout when the API server stalls', async (t) => {
  const api = await configMapServer({ kills: [] }, { stall: true });
  t.teardown(api.close);
  const error = await t.throwsAsync(storeOn(api.url, 500).killSwitch?.() ?? Promise.resolve());
  t.regex(
    error.message,
    /no answer from the API server within 0.5s \(GET \/api\/v1\/namespaces\/havoc\/configmaps\/kube-havoc-state\)/,
  );
  t.like(error, { kind: 'api-unreachable' });
  t.true(error.cause instanceof RequestTimeoutError, String(error.cause));
});
