// The durable history end to end: the daemon as a real process writes each
// kill and its verdict into today's history ConfigMap (a merge patch per
// entry), deletes the days older than history.retention at start-up, and
// `kube-havoc history` and /kills read them back by label.

import { clusterTest } from './harness/clusterTest.ts';
import { freePort } from './harness/freePort.ts';
import { run } from './harness/run.ts';
import { waitFor } from './harness/cluster.ts';
import { e2eConfig, startDaemon, withDaemon, type LogLine } from './daemonProcess.ts';
import { deploy } from './workloads.ts';

const test = clusterTest({ nodes: 2 });
const optIn = { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' };
const killed = (l: LogLine) => l.event === 'kill' && l.result === 'killed';
const DAY = 86_400_000;
const utcDay = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);

interface ConfigMapList {
  items: { metadata: { name: string; labels: Record<string, string> }; data?: Record<string, string> }[];
}

test("a kill and its verdict land in today's history object; a day older than the retention is deleted at start-up", async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('ledger');
  const own = await cluster.createNamespace('havoc-h');
  // Two days written by an earlier daemon: 40 days ago (past the 30-day retention) and 10 days ago (kept).
  for (const day of [utcDay(40 * DAY), utcDay(10 * DAY)]) {
    const entry = {
      type: 'kill',
      at: `${day}T10:00:00.000Z`,
      target: { kind: 'Node', name: 'old', uid: `old-${day}` },
      action: 'node-drain',
      result: 'killed',
      reason: 'an earlier daemon',
    };
    await cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `kube-havoc-history-${day}-0`,
          namespace: own,
          labels: {
            'app.kubernetes.io/name': 'kube-havoc',
            'app.kubernetes.io/component': 'history',
            'kube-havoc/history-day': day,
          },
        },
        data: { [`${day.replace(/-/g, '')}T100000000Z.kill.old-${day}`]: JSON.stringify({ ...entry, dryRun: false }) },
      }),
    );
  }
  await deploy(cluster, ns, 'web', 3, optIn);
  const port = await freePort();
  const daemon = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: e2eConfig(own, { namespaces: { include: [ns] }, server: { host: '127.0.0.1', port, kills: 'open' } }),
  });
  const today = utcDay(0);
  const history = async () =>
    JSON.parse(
      await cluster.kubectl(['-n', own, 'get', 'configmaps', '-l', 'app.kubernetes.io/component=history', '-o', 'json']),
    ) as ConfigMapList;
  const { kill, kills } = await withDaemon(daemon, async () => {
    const kill = await daemon.waitForLine('a pod evicted', killed);
    await daemon.waitForLine('the recovery verdict', (l) => l.event === 'recovery', 120_000);
    const list = await waitFor(
      async () => {
        const found = (await history()).items.find((cm) => cm.metadata.name === `kube-havoc-history-${today}-0`);
        const types = Object.keys(found?.data ?? {}).map((k) => k.split('.')[1]);
        return types.includes('kill') && types.includes('recovery') ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: "the kill and its verdict in today's history object" },
    );
    t.is(list.metadata.labels['kube-havoc/history-day'], today);
    const kills = (await (await fetch(`http://127.0.0.1:${port}/kills`)).json()) as Record<string, unknown>[];
    return { kill, kills };
  });

  const names = (await history()).items.map((cm) => cm.metadata.name).sort();
  t.deepEqual(names, [`kube-havoc-history-${utcDay(10 * DAY)}-0`, `kube-havoc-history-${today}-0`], 'the 40-day-old day is gone');
  t.like(kills[0], { namespace: ns, kind: 'Deployment', workload: 'web', result: 'killed', count: 1, recovery: 'recovered' });

  // The CLI from a laptop: no daemon namespace in the environment, -n names it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'POD_NAMESPACE' && !k.startsWith('HAVOC_')));
  const cli = async (...args: string[]) =>
    (
      await run(process.execPath, ['dist/main.js', 'history', '-n', own, '--kubeconfig', cluster.kubeconfig, ...args], {
        env,
        timeoutMs: 60_000,
      })
    ).stdout;
  const rows = JSON.parse(await cli('--since', '7d', '--json')) as {
    workload: string;
    victims: string[];
    recovery?: { recovered: boolean };
  }[];
  t.is(rows.length, 1, 'the 10-day-old entry is outside --since 7d');
  t.like(rows[0], { workload: 'web', victims: [String(kill.pod)], recovery: { recovered: true } });
  t.regex(await cli('--since', '7d'), new RegExp(`pod-evict  killed {7}1  ${ns}/Deployment/web  recovered in `));
  const csv = (await cli('--since', '30d', '--csv')).split('\r\n');
  t.regex(csv[0] ?? '', /^at,namespace,kind,workload,/);
  t.is(csv.filter((l) => l !== '').length, 3, 'a header, the kill and the 10-day-old drain');
});
