// The install registry against a small HTTP server on 127.0.0.1 that serves
// the Leases carrying the install label and holds the watch open: another
// live install installed first claims the namespaces both cover; the overlap
// is reported once, and not at all when that install's Lease is not renewed.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import { advertisement, createInstallRegistry } from '../../../../src/adapters/kubernetes/installRegistry.ts';
import type { InstallScope } from '../../../../src/domain/install/installOverlap.ts';
import type { Log } from '../../../../src/domain/ports.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { recorder } from '../../fakes/recordingListener.ts';

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const NOW = new Date('2026-11-20T10:00:00Z');
const scope = (install: string, include: string[]): InstallScope => ({
  install,
  include,
  exclude: [],
  protected: ['kube-system'],
  selector: '',
});
const ownScope = scope('havoc-b/kube-havoc-state', ['shared', 'xonly']);
const lease = (namespace: string, created: string, advertised: InstallScope, renewed = NOW) => {
  const { labels, annotations } = advertisement('havoc', namespace, advertised);
  return {
    metadata: { name: 'kube-havoc', namespace, resourceVersion: '7', creationTimestamp: created, labels, annotations },
    spec: { holderIdentity: `${namespace}-0`, renewTime: renewed.toISOString(), leaseDurationSeconds: 15 },
  };
};

async function withRegistry(
  leases: object[],
  over: { allowOverlap?: boolean } = {},
  body: (registry: ReturnType<typeof createInstallRegistry>, events: ReturnType<typeof recorder>, selectors: string[]) => void,
) {
  const selectors: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    selectors.push(`${url.pathname}?${url.searchParams.get('labelSelector') ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('watch') === 'true') return res.flushHeaders();
    res.end(
      JSON.stringify({
        kind: 'LeaseList',
        apiVersion: 'coordination.k8s.io/v1',
        metadata: { resourceVersion: '9' },
        items: leases,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    { name: 'u' },
  );
  const events = recorder();
  const registry = createInstallRegistry({
    kubeConfig,
    labelPrefix: 'havoc',
    scope: ownScope,
    label: 'havoc-b.kube-havoc-state',
    lease: { namespace: 'havoc-b', name: 'kube-havoc' },
    allowOverlap: over.allowOverlap ?? false,
    clock: fakeClock(NOW),
    log: quiet,
    report: events.report,
  });
  try {
    await registry.start();
    body(registry, events, selectors);
  } finally {
    await registry.stop();
    server.closeAllConnections();
    server.close();
  }
}

const mine = lease('havoc-b', '2026-11-10T00:00:00Z', ownScope);
const earlier = lease('havoc-a', '2026-11-01T00:00:00Z', scope('havoc-a/kube-havoc-state', ['shared']));

test('an install installed first that covers shared: this one refuses shared, keeps xonly, and says so once', async (t) => {
  await withRegistry([mine, earlier], {}, (registry, events, selectors) => {
    t.is(registry.claimedBy('shared', undefined), 'havoc-a/kube-havoc-state');
    t.is(registry.claimedBy('xonly', undefined), undefined);
    t.deepEqual(
      events.of('install-overlap').map((o) => [o.other, o.namespaces, o.resolution, o.object]),
      [['havoc-a/kube-havoc-state', ['shared'], 'refused', { kind: 'Lease', namespace: 'havoc-b', name: 'kube-havoc' }]],
    );
    t.true(selectors.length > 0);
    t.true(
      selectors.every((s) => s === '/apis/coordination.k8s.io/v1/leases?havoc/install'),
      'one cluster-wide list and watch, by label',
    );
  });
});

test('the install installed first keeps acting there, and reports the overlap as kept', async (t) => {
  const later = lease('havoc-a', '2026-11-15T00:00:00Z', scope('havoc-a/kube-havoc-state', ['shared']));
  await withRegistry([mine, later], {}, (registry, events) => {
    t.is(registry.claimedBy('shared', undefined), undefined);
    t.deepEqual(
      events.of('install-overlap').map((o) => o.resolution),
      ['kept'],
    );
  });
});

test('namespaces.allowOverlap: both act, and the overlap is still reported', async (t) => {
  await withRegistry([mine, earlier], { allowOverlap: true }, (registry, events) => {
    t.is(registry.claimedBy('shared', undefined), undefined);
    t.deepEqual(
      events.of('install-overlap').map((o) => o.resolution),
      ['allowed'],
    );
  });
});

test('an install whose Lease is no longer renewed (stopped, uninstalled) claims nothing', async (t) => {
  const stale = lease(
    'havoc-a',
    '2026-11-01T00:00:00Z',
    scope('havoc-a/kube-havoc-state', ['shared']),
    new Date('2026-11-20T09:59:00Z'),
  );
  await withRegistry([mine, stale], {}, (registry, events) => {
    t.is(registry.claimedBy('shared', undefined), undefined);
    t.deepEqual(events.of('install-overlap'), []);
  });
});
