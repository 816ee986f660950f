// Two installs whose namespaces overlap, as two daemon processes with their
// own namespaces (state, Lease): the first covers shared, the second shared
// and xonly. Each finds the other through the Leases they advertise on; the
// overlap is reported (log line, Event on the Lease), and the one installed
// later leaves shared to the first while it goes on acting in xonly.

import { clusterTest } from './harness/clusterTest.ts';
import { e2eConfig, startDaemon, type LogLine } from './daemonProcess.ts';
import { deploy } from './workloads.ts';

const test = clusterTest({ nodes: 2 });

const overlap = (l: LogLine) => l.event === 'install-overlap';
const killIn = (namespace: string) => (l: LogLine) => l.event === 'kill' && l.namespace === namespace;

test('overlapping installs: the overlap is reported, and the one installed later refuses the shared namespace', async (t) => {
  const { cluster } = t.context;
  const shared = await cluster.createNamespace('shared');
  const xonly = await cluster.createNamespace('xonly');
  const homeA = await cluster.createNamespace('havoc-a');
  const homeB = await cluster.createNamespace('havoc-b');
  await deploy(cluster, shared, 'checkout', 2, { 'havoc/enabled': 'true' });
  await deploy(cluster, xonly, 'cart', 2, { 'havoc/enabled': 'true' });
  const first = startDaemon({
    kubeconfig: cluster.kubeconfig,
    name: 'havoc-a-0',
    config: e2eConfig(homeA, { namespaces: { include: [shared] } }),
  });
  try {
    await first.waitForLine('the first install leads', (l) => l.event === 'leader' && l.leader === true);
    const second = startDaemon({
      kubeconfig: cluster.kubeconfig,
      name: 'havoc-b-0',
      config: e2eConfig(homeB, { namespaces: { include: [shared, xonly] } }),
    });
    try {
      const refused = await second.waitForLine('the overlap, seen by the second', overlap);
      t.like(refused, { other: `${homeA}/kube-havoc-state`, namespaces: [shared], resolution: 'refused' });
      const kept = await first.waitForLine('the overlap, seen by the first', overlap);
      t.like(kept, { other: `${homeB}/kube-havoc-state`, namespaces: [shared], resolution: 'kept' });
      // The second acts where it alone acts; the first acts in shared.
      await second.waitForLine('a kill in xonly by the second', killIn(xonly), 60_000);
      await first.waitForLine('a kill in shared by the first', killIn(shared), 60_000);
      // Ten more ticks of the second: none of them reaches into shared.
      const ticks = () => second.lines.filter((l) => l.event === 'tick').length;
      const seen = ticks();
      await second.waitForLine('ten more ticks', () => ticks() >= seen + 10, 30_000);
      t.is(second.lines.filter(killIn(shared)).length, 0, 'the second never kills in shared');
      t.is(second.lines.filter(overlap).length, 1, 'reported once, not every renewal');
      const events = JSON.parse(await cluster.kubectl(['-n', homeB, 'get', 'events.v1.events.k8s.io', '-o', 'json'])) as {
        items: { reason?: string; regarding?: { kind?: string; name?: string }; note?: string }[];
      };
      const event = events.items.find((e) => e.reason === 'HavocInstallOverlap');
      t.like(event, { regarding: { kind: 'Lease', name: 'kube-havoc' } });
      t.regex(event?.note ?? '', new RegExp(`overlaps install ${homeA}/kube-havoc-state in namespace\\(s\\) ${shared}`));
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});
