// `npm run bench`: what the daemon costs the API server and the machine, at
// several numbers of opted-in Deployments on one e2e control plane (kwok
// nodes, real API server). The daemon runs as a process (dry run, a tick every
// few seconds) through a counting proxy on 127.0.0.1; the figures are printed
// as a table and written as JSON. docs/scale.md shows them and says how.
//
//   npm run bench -- [--nodes 20] [--deployments 100] [--replicas 3]
//     [--opted-in 0,50,100] [--ticks 10] [--interval 5]
//     [--daemon after=dist/main.js[,before=/path/to/other/dist/main.js]] [--out bench-results.json]

import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startCluster, waitFor, type Cluster } from '../../test/e2e/harness/cluster.ts';
import { kwokDeployment } from '../../test/e2e/harness/kwokDeployment.ts';
import { startCountingProxy } from '../../test/e2e/harness/countingProxy.ts';
import { e2eConfig, lineTime, startDaemon } from '../../test/e2e/daemonProcess.ts';
import { wholeNumberFlag } from '../tools/wholeNumberFlag.ts';
import { bytesSoFar, sampleProcess, spread, tickCosts, type ProcessSample, type Spread } from './measure.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '20' },
    deployments: { type: 'string', default: '100' },
    replicas: { type: 'string', default: '3' },
    'opted-in': { type: 'string', default: '0,50,100' },
    ticks: { type: 'string', default: '10' },
    interval: { type: 'string', default: '5' },
    daemon: { type: 'string', default: 'after=dist/main.js' },
    out: { type: 'string', default: 'bench-results.json' },
  },
});
const nodes = wholeNumberFlag('nodes', values.nodes);
const deployments = wholeNumberFlag('deployments', values.deployments, 1);
const replicas = wholeNumberFlag('replicas', values.replicas, 1);
const ticks = wholeNumberFlag('ticks', values.ticks, 2);
const interval = wholeNumberFlag('interval', values.interval, 1);
const scales = (values['opted-in'] ?? '').split(',').map((s) => wholeNumberFlag('opted-in', s));
if (scales.some((k) => k > deployments))
  throw new Error(`--opted-in ${values['opted-in']}: at most --deployments ${deployments}`);
const daemons = (values.daemon ?? '').split(',').map((pair) => {
  const [label, main] = pair.split('=');
  if (!label || !main) throw new Error(`--daemon wants label=path/to/main.js pairs, got "${pair}"`);
  return { label, main };
});

export interface ScaleResult {
  readonly daemon: string;
  readonly optedIn: number;
  readonly startupSyncMs: number;
  readonly idleTick: { readonly requests: Spread; readonly bytes: Spread; readonly decisionMs: Spread };
  readonly killTick: { readonly requests: Spread; readonly bytes: Spread; readonly evictionMs: Spread };
  readonly perHour: { readonly requests: number; readonly bytes: number; readonly cpuSeconds: number };
  readonly memory: { readonly steadyMiB: number; readonly peakMiB: number };
}

async function populate(cluster: Cluster, ns: string): Promise<void> {
  for (let from = 0; from < deployments; from += 100) {
    // The template carries the opt-in label, as many users' do.
    const items = Array.from({ length: Math.min(100, deployments - from) }, (_, i) =>
      kwokDeployment({ namespace: ns, name: `app-${from + i}`, replicas, podLabels: { 'havoc/enabled': 'true' } }),
    );
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
  const timeout = 120 + Math.ceil((deployments * replicas) / 20);
  await cluster.kubectl(['-n', ns, 'wait', '--for=condition=Available', 'deployment', '--all', `--timeout=${timeout}s`]);
}

async function optIn(cluster: Cluster, ns: string, from: number, to: number, mtbf: string): Promise<void> {
  for (let i = from; i < to; i += 200) {
    const names = Array.from({ length: Math.min(200, to - i) }, (_, j) => `app-${i + j}`);
    await cluster.kubectl(['-n', ns, 'label', '--overwrite', 'deployment', ...names, 'havoc/enabled=true', `havoc/mtbf=${mtbf}`]);
  }
}

async function measure(
  cluster: Cluster,
  own: string,
  daemon: { label: string; main: string },
  optedIn: number,
): Promise<ScaleResult> {
  const proxy = await startCountingProxy(cluster);
  const started = Date.now();
  const daemonProcess = startDaemon({
    kubeconfig: proxy.kubeconfig,
    main: daemon.main,
    name: `bench-${daemon.label}`,
    config: e2eConfig(own, {
      dryRun: true,
      schedule: { cron: `*/${interval} * * * * *` },
      daemon: { leaderElection: { enabled: false } },
      selection: { minPodAge: '1s', minTimeBetweenKills: '1s' },
      // Within the hot-state bound (a config past it is refused at start-up); a run kills far fewer.
      blastRadius: { maxKillsPerTick: 1, maxKillsPerHour: 100, maxKillsPerDay: 100 },
    }),
  });
  const samples: ProcessSample[] = [];
  const sampler = setInterval(() => {
    const sample = sampleProcess(daemonProcess.pid);
    if (sample) samples.push(sample);
  }, 1000);
  try {
    const synced = await daemonProcess.waitForLine('cluster watches synced', (l) => l.msg === 'cluster watches synced', 300_000);
    const tickLines = () => daemonProcess.lines.filter((l) => l.event === 'tick');
    // Two ticks to settle (the daily plan is written once), then the measured ones.
    await waitFor(() => tickLines().length >= 2, { timeoutMs: (interval * 3 + 120) * 1000, what: 'two warm-up ticks' });
    const begin = {
      at: Date.now(),
      bytes: bytesSoFar(proxy.requests),
      requests: proxy.requests.length,
      cpu: sampleProcess(daemonProcess.pid)?.cpuSeconds ?? 0,
    };
    const skip = tickLines().length;
    await waitFor(() => tickLines().length >= skip + ticks, {
      timeoutMs: (interval * ticks * 3 + 120) * 1000,
      intervalMs: 500,
      what: `${ticks} measured ticks`,
    });
    const end = {
      at: Date.now(),
      bytes: bytesSoFar(proxy.requests),
      requests: proxy.requests.length,
      cpu: sampleProcess(daemonProcess.pid)?.cpuSeconds ?? 0,
    };
    const costs = tickCosts(
      daemonProcess.lines.filter((l) => lineTime(l) > begin.at),
      proxy.requests,
    );
    // "Idle": nothing drawn. A tick that drew a workload but killed nothing (a skip) is in neither column.
    const idle = costs.filter((c) => c.outcome === 'idle');
    const kills = costs.filter((c) => c.killed > 0);
    const hours = (end.at - begin.at) / 3_600_000;
    const window = samples.filter((s) => s.at >= begin.at);
    return {
      daemon: daemon.label,
      optedIn,
      startupSyncMs: lineTime(synced) - started,
      idleTick: {
        requests: spread(idle.map((c) => c.requests)),
        bytes: spread(idle.map((c) => c.bytes)),
        decisionMs: spread(idle.map((c) => c.durationMs)),
      },
      killTick: {
        requests: spread(kills.map((c) => c.requests)),
        bytes: spread(kills.map((c) => c.bytes)),
        evictionMs: spread(kills.flatMap((c) => (c.evictionMs === undefined ? [] : [c.evictionMs]))),
      },
      perHour: {
        requests: Math.round((end.requests - begin.requests) / hours),
        bytes: Math.round((end.bytes - begin.bytes) / hours),
        cpuSeconds: Math.round((end.cpu - begin.cpu) / hours),
      },
      memory: {
        steadyMiB: mib(spread(window.map((s) => s.rssBytes)).p50),
        peakMiB: mib(Math.max(0, ...samples.map((s) => s.peakBytes))),
      },
    };
  } finally {
    clearInterval(sampler);
    await daemonProcess.stop();
    await proxy.close();
  }
}

const mib = (bytes: number) => Math.round(bytes / 1048576);
const kb = (bytes: number) => (bytes / 1000).toFixed(1);

function render(results: readonly ScaleResult[]): string {
  const head =
    '| daemon | opted in | idle tick: requests p50/max | bytes p50/max (KB) | decision ms p50/p99/max | kill tick: requests p50/max | eviction ms p50/p99/max | per hour: requests, MB, CPU s | RSS steady/peak MiB | start-up sync ms |';
  const rows = results.map(
    (r) =>
      `| ${r.daemon} | ${r.optedIn} | ${r.idleTick.requests.p50}/${r.idleTick.requests.max} | ${kb(r.idleTick.bytes.p50)}/${kb(r.idleTick.bytes.max)} | ` +
      `${r.idleTick.decisionMs.p50}/${r.idleTick.decisionMs.p99}/${r.idleTick.decisionMs.max} | ` +
      `${r.killTick.requests.n === 0 ? '–' : `${r.killTick.requests.p50}/${r.killTick.requests.max}`} | ` +
      `${r.killTick.evictionMs.n === 0 ? '–' : `${r.killTick.evictionMs.p50}/${r.killTick.evictionMs.p99}/${r.killTick.evictionMs.max}`} | ` +
      `${r.perHour.requests}, ${(r.perHour.bytes / 1e6).toFixed(1)}, ${r.perHour.cpuSeconds} | ${r.memory.steadyMiB}/${r.memory.peakMiB} | ${r.startupSyncMs} |`,
  );
  return [head, `|${'---|'.repeat(10)}`, ...rows].join('\n');
}

const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadAverageAtStart: loadavg().map((l) => l.toFixed(2)),
};
const params = {
  nodes,
  deployments,
  replicas,
  ticks,
  intervalSeconds: interval,
  optedIn: scales,
  daemons: daemons.map((d) => d.label),
};
console.error(`bench: ${JSON.stringify(params)} on ${machine.cpus} x ${machine.model}`);
const cluster = await startCluster({ nodes, startTimeoutMs: (180 + nodes) * 1000 });
const results: ScaleResult[] = [];
try {
  const ns = await cluster.createNamespace('bench');
  const own = await cluster.createNamespace('havoc-bench');
  await populate(cluster, ns);
  for (const optedIn of [...scales].sort((a, b) => a - b)) {
    // About one kill every other tick whatever the scale: mtbf = 2 x opted-in x interval.
    const mtbf = `${Math.max(1, Math.ceil((2 * optedIn * interval) / 60))}m`;
    await optIn(cluster, ns, 0, optedIn, mtbf);
    for (const daemon of daemons) {
      console.error(`bench: ${daemon.label} with ${optedIn} opted in (mtbf ${mtbf})`);
      const result = await measure(cluster, own, daemon, optedIn);
      results.push(result);
      console.error(render([result]).split('\n').at(-1));
    }
  }
} finally {
  await cluster.stop();
}
const table = render(results);
console.log(table);
writeFileSync(
  values.out ?? 'bench-results.json',
  `${JSON.stringify({ at: new Date().toISOString(), machine, params, results }, null, 2)}\n`,
);
console.error(`bench: wrote ${values.out}`);
