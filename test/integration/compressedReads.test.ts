// Large reads come compressed when the API server compresses them: the typed
// clients (undici's fetch under @kubernetes/client-node) ask for gzip on every
// request and decode the answer, and so do the watches. kube-apiserver itself
// compresses only answers over 128 KiB (defaultGzipThresholdBytes in
// k8s.io/apiserver responsewriters), so a start-up LIST of many workloads is
// gzipped and a per-kill pod LIST of a few dozen kB is not; docs/scale.md.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { BoundedKubeConfig } from '../../src/adapters/kubernetes/boundedKubeConfig.ts';

test('a LIST asks for gzip and a gzipped answer is decoded; a watch asks for it too', async (t) => {
  const heads: { url: string; headers: IncomingHttpHeaders }[] = [];
  const items = Array.from({ length: 300 }, (_, i) => ({
    metadata: { name: `web-${i}`, namespace: 'shop', labels: { app: 'web' } },
  }));
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '7' }, items });
  let sentBytes = 0;
  const server = createServer((req, res) => {
    heads.push({ url: req.url ?? '', headers: req.headers });
    if (new URL(req.url ?? '/', 'http://x').searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end();
      return;
    }
    const zipped = gzipSync(body);
    sentBytes = zipped.length;
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(zipped);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const kc = new BoundedKubeConfig({ readMs: 30_000, writeMs: 30_000 });
  kc.loadFromClusterAndUser(
    { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    { name: 'u' },
  );
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web' });
  t.is(list.items.length, 300);
  t.is(list.items[299]?.metadata?.name, 'web-299');
  t.true(sentBytes < body.length / 5, `${sentBytes} bytes on the wire for ${body.length} of JSON`);
  t.regex(String(heads[0]?.headers['accept-encoding']), /\bgzip\b/);
  await new Promise<void>((resolve) => {
    void new Watch(kc).watch(
      '/api/v1/pods',
      {},
      () => undefined,
      () => resolve(),
    );
  });
  t.regex(String(heads[1]?.headers['accept-encoding']), /\bgzip\b/, 'the watch request');
});
