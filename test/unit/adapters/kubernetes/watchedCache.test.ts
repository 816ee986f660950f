// The watch cache against a small HTTP server on 127.0.0.1 that speaks the
// watch protocol: bookmarks and a server-side timeout are asked for, objects
// are trimmed on the way in, changes are announced, and a "410 Gone" re-list
// is counted.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createWatchedCache } from '../../../../src/adapters/kubernetes/watchedCache.ts';
import { trimForCache } from '../../../../src/adapters/kubernetes/trimForCache.ts';
import { createApiContact } from '../../../../src/adapters/kubernetes/apiContact.ts';
import { BoundedKubeConfig } from '../../../../src/adapters/kubernetes/boundedKubeConfig.ts';
import type { Log } from '../../../../src/domain/ports.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { waitFor } from '../../../e2e/harness/wait-for.ts';

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const pod = (name: string, rv: string) => ({
  metadata: {
    name,
    namespace: 'shop',
    uid: `uid-${name}`,
    resourceVersion: rv,
    labels: { 'havoc/enabled': 'true' },
    managedFields: [{ manager: 'kubectl' }],
  },
  spec: { nodeName: 'n1', containers: [{ name: 'a', image: 'i' }] },
  status: { phase: 'Running' },
});

test('bookmarks and a server-side timeout are asked for, objects are trimmed, changes announced, a 410 re-list counted', async (t) => {
  const watches: URLSearchParams[] = [];
  // First watch: a bookmark, then a new pod, then the stream ends. Second: the version is too old.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    watches.push(query);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (watches.length === 1) {
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } })}\n`);
      res.end(`${JSON.stringify({ type: 'ADDED', object: pod('solo-2', '13') })}\n`);
    } else if (watches.length === 2) {
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } })}\n`,
      );
    } // later watches stay open until the test stops the cache
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    { name: 'u' },
  );
  let lists = 0;
  let relisted = 0;
  const changes: string[] = [];
  const cache = createWatchedCache<KubernetesObject>({
    kubeConfig,
    what: 'pods',
    path: '/api/v1/pods',
    labelSelector: 'havoc/enabled',
    clock: fakeClock(new Date()),
    log: quiet,
    listPage: async () => ({ items: [pod('solo-1', '10')], metadata: { resourceVersion: String(10 + (lists += 1) * 100) } }),
    transform: trimForCache('pod', ['havoc/']),
    onRelist: () => {
      relisted += 1;
    },
    random: () => 0.5,
  });
  cache.onChange((o) => changes.push(o.metadata?.name ?? ''));
  try {
    await cache.start();
    await waitFor(() => watches.length >= 3, { timeoutMs: 10_000, what: 'the watch re-opened after the 410' });
    t.is(watches[0]?.get('allowWatchBookmarks'), 'true');
    t.is(watches[0]?.get('timeoutSeconds'), '450');
    t.is(watches[0]?.get('labelSelector'), 'havoc/enabled');
    t.is(watches[0]?.get('resourceVersion'), '110', 'first watch from the list');
    t.is(watches[1]?.get('resourceVersion'), '13', 'after the bookmark and the event, from the newest version');
    t.is(lists, 2, 'the 410 forced one re-list');
    t.is(cache.relists(), 1);
    t.is(relisted, 1);
    t.is(watches[2]?.get('resourceVersion'), '210');
    t.true(changes.includes('solo-2'));
    const cached = cache.get('shop', 'solo-1') as { metadata: object; spec: object };
    t.deepEqual(cached.spec, { nodeName: 'n1' }, 'the container list is not kept');
    t.false('managedFields' in cached.metadata);
    t.is(cache.problem(), undefined);
  } finally {
    await cache.stop();
    server.closeAllConnections();
    server.close();
  }
});

test('a watch tells the contact when the API server speaks and when it fell silent past the inactivity timeout', async (t) => {
  // The first watch is answered with a bookmark, then the server stalls: it accepts every later request and says nothing.
  let watches = 0;
  let stalled = true;
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    watches += 1;
    if (watches > 1 && stalled) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } })}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const contact = createApiContact({ clock: fakeClock(new Date()), silentAfterMs: 3_600_000 });
  const kubeConfig = new BoundedKubeConfig({ readMs: 10_000, writeMs: 10_000 }, contact);
  kubeConfig.loadFromClusterAndUser(
    { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    { name: 'u' },
  );
  const cache = createWatchedCache<KubernetesObject>({
    kubeConfig,
    what: 'pods with label havoc/enabled',
    path: '/api/v1/pods',
    clock: fakeClock(new Date()),
    log: quiet,
    listPage: async () => ({ items: [], metadata: { resourceVersion: '10' } }),
    inactivityMs: 2_000, // long enough that the first bookmark arrives first on a loaded machine
  });
  try {
    await cache.start();
    t.is(contact.problem(), undefined, 'the watch was answered');
    await waitFor(() => contact.problem() !== undefined, { timeoutMs: 10_000, what: 'the silence noticed' });
    t.is(contact.problem(), 'watch pods with label havoc/enabled: nothing from the API server for 2s');
    t.is(cache.problem(), undefined, 'the cache alone would never have said: the SDK re-opens a timed-out watch quietly');
    stalled = false;
    await waitFor(() => contact.problem() === undefined, { timeoutMs: 10_000, what: 'heard again once the server answers' });
    t.pass();
  } finally {
    await cache.stop();
    server.closeAllConnections();
    server.close();
  }
});
