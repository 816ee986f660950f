// The cluster view against a small HTTP server on 127.0.0.1 that answers every
// list (empty, except the nodes) and holds every watch open: without node
// chaos the view still holds the nodes this install marked, for the give-back,
// and only those; the snapshot stays without nodes. With the zone rule it
// watches every node once, for the zones of the pods' nodes.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { KubeConfig } from '@kubernetes/client-node';
import {
  createKubernetesCluster,
  type KubernetesCluster,
  type KubernetesClusterOptions,
} from '../../../../src/adapters/kubernetes/kubernetesCluster.ts';
import type { Log } from '../../../../src/domain/ports.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const SELECTOR = 'havoc/drained-by=havoc.kube-havoc-state';
const marked = {
  metadata: {
    name: 'worker-1',
    uid: 'n1',
    resourceVersion: '5',
    labels: { 'havoc/drained-by': 'havoc.kube-havoc-state' },
    annotations: { 'havoc/drained-by': 'havoc/kube-havoc-state', 'havoc/drained-until': '2026-11-20T10:10:00Z' },
  },
  spec: { unschedulable: true },
};

/**
 * A server that lists `nodes(query)` for /api/v1/nodes (nothing else) and holds every watch open, and the view on it.
 * `nodeRequests` are the queries of every node list and watch.
 */
async function viewOn(
  nodes: (query: URLSearchParams) => object[],
  view: Pick<KubernetesClusterOptions, 'nodeChaos' | 'zones'>,
): Promise<{ cluster: KubernetesCluster; nodeRequests: URLSearchParams[]; close: () => Promise<void> }> {
  const nodeRequests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v1/nodes') nodeRequests.push(url.searchParams);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('watch') === 'true') return res.flushHeaders(); // held open until the test stops the view
    const items = url.pathname === '/api/v1/nodes' ? nodes(url.searchParams) : [];
    res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    { name: 'u' },
  );
  const cluster = createKubernetesCluster({
    kubeConfig,
    labelPrefix: 'havoc',
    kubeMonkey: false,
    ...view,
    drainMarkSelector: SELECTOR,
    namespaceLabels: false,
    clock: fakeClock(new Date('2026-11-20T10:00:00Z')),
    log: quiet,
  });
  await cluster.start();
  const close = async () => {
    await cluster.stop();
    server.closeAllConnections();
    server.close();
  };
  return { cluster, nodeRequests, close };
}

test("without node chaos the view watches only the nodes carrying this install's mark, and the snapshot has no nodes", async (t) => {
  const { cluster, nodeRequests, close } = await viewOn((q) => (q.get('labelSelector') === SELECTOR ? [marked] : []), {
    nodeChaos: false,
  });
  try {
    t.true(cluster.synced());
    t.deepEqual(
      cluster.watchedNodes()?.map((n) => n.metadata?.name),
      ['worker-1'],
    );
    t.deepEqual((await cluster.snapshot()).nodes, []);
    t.true(nodeRequests.length > 0);
    t.true(
      nodeRequests.every((q) => q.get('labelSelector') === SELECTOR),
      'no unselected node list or watch',
    );
  } finally {
    await close();
  }
});

test('with the zone rule and without node chaos every node is watched for its zone: one list, then the watch', async (t) => {
  const zoned = {
    metadata: { name: 'worker-2', uid: 'n2', resourceVersion: '6', labels: { 'topology.kubernetes.io/zone': 'eu-1a' } },
    spec: {},
  };
  const { cluster, nodeRequests, close } = await viewOn(() => [marked, zoned], { nodeChaos: false, zones: true });
  try {
    t.is(cluster.zoneOf('worker-2'), 'eu-1a');
    t.is(cluster.zoneOf('worker-1'), undefined, 'no zone label');
    t.is(cluster.zoneOf('gone'), undefined);
    t.deepEqual((await cluster.snapshot()).nodes, [], 'the snapshot still has no nodes without node chaos');
    t.deepEqual(
      cluster.watchedNodes()?.map((n) => n.metadata?.name),
      ['worker-1', 'worker-2'],
      'the give-back reads the same watch',
    );
    const lists = () => nodeRequests.filter((q) => q.get('watch') !== 'true').length;
    t.is(lists(), 1, 'one list of the nodes');
    t.true(
      nodeRequests.every((q) => q.get('labelSelector') === null),
      'one unselected watch, no marked-only one',
    );
    t.is(cluster.zoneOf('worker-2'), 'eu-1a');
    t.is(lists(), 1, 'asking for zones costs no request');
  } finally {
    await close();
  }
});
