// `npm run soak`: months of the real daemon in minutes. The built daemon runs
// as a process against the e2e control plane (real kube-apiserver, kwok nodes)
// through the counting proxy, on simulated time (the HAVOC_TEST_SIMULATED_TIME
// hook of src/main.ts): its clock and its cron jump from one business-hours
// slot to the next. Every tick, kill, eviction refused by a PDB, recovery check
// and history write is real. Per simulated week it prints the hot state's
// size, the history's objects and bytes, requests per tick, the daemon's RSS
// and the peak kills per tick, rolling hour and rolling day against the caps;
// it exits non-zero if a cap was ever passed or the state left its bound.
// docs/scale.md shows the figures and says what they leave out.
//
//   npm run soak -- [--days 180] [--caps default,max] [--killable 50] [--replicas 3]
//     [--blocked 8] [--mtbf 20m] [--pace 100] [--nodes 4] [--max-minutes 90] [--out soak-results.json]

import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { nextRun } from '../../src/adapters/schedule/nextRun.ts';
import { dataBytes, DAY_LABEL, HISTORY_LABELS } from '../../src/adapters/kubernetes/configMapHistoryStore.ts';
import { STATE_KEY } from '../../src/adapters/kubernetes/configMapStateStore.ts';
import { loadConfig } from '../../src/config/load.ts';
import { durationSeconds } from '../../src/domain/duration.ts';
import { retentionCutoff } from '../../src/domain/history/retention.ts';
import { stateBytes, STATE_BOUNDS, worstCaseStateBytes, type HavocState } from '../../src/domain/state.ts';
import { startCluster, type Cluster } from '../../test/e2e/harness/cluster.ts';
import { startCountingProxy, type ProxiedRequest } from '../../test/e2e/harness/countingProxy.ts';
import { e2eConfig, lineTime, startDaemon, type LogLine } from '../../test/e2e/daemonProcess.ts';
import { wholeNumberFlag } from '../tools/wholeNumberFlag.ts';
import { sampleProcess } from './measure.ts';
import type { Caps } from '../../src/domain/settings.ts';
import { budgetPeaks, metricsSample, overCaps, renderWeeks, requestKind, weekRow } from './soakFigures.ts';
import type { HistorySample, MetricsSample, SlotKills, StateSample, TickSeen, WeekRow } from './soakFigures.ts';
import { freePort } from '../../test/e2e/harness/freePort.ts';
import { SOAK_NAMESPACE, soakManifests, startFakePrometheus } from './soakWorld.ts';
import { capSettings } from './soakCaps.ts';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '180' },
    caps: { type: 'string', default: 'default,max' },
    killable: { type: 'string', default: '50' },
    replicas: { type: 'string', default: '3' },
    blocked: { type: 'string', default: '8' },
    mtbf: { type: 'string', default: '20m' },
    pace: { type: 'string', default: '100' },
    nodes: { type: 'string', default: '4' },
    'max-minutes': { type: 'string', default: '90' },
    out: { type: 'string', default: 'soak-results.json' },
  },
});
const days = wholeNumberFlag('days', values.days, 1);
const world = {
  namespace: SOAK_NAMESPACE,
  killable: wholeNumberFlag('killable', values.killable, 1),
  replicas: wholeNumberFlag('replicas', values.replicas, 1),
  blocked: wholeNumberFlag('blocked', values.blocked),
  mtbf: values.mtbf ?? '20m',
};
const paceMs = wholeNumberFlag('pace', values.pace);
const nodes = wholeNumberFlag('nodes', values.nodes, 1);
const maxMinutes = wholeNumberFlag('max-minutes', values['max-minutes'], 1);

// The default window (10:00-16:00 UTC, Monday to Friday) with a cron that fires only inside it, every 10 minutes.
const CRON = '*/10 10-15 * * 1-5';
const TIMEZONE = 'UTC';
const defaults = loadConfig({ env: {} });
const retentionSeconds = durationSeconds(defaults.history.retention);
const localDate = (t: Date) => t.toISOString().slice(0, 10);
const settings = capSettings(values.caps ?? '', { cron: CRON, timezone: TIMEZONE });

/** The simulated start: a Monday 00:00 UTC at least a day after now (the hook wants a start after the real time). */
function simulatedStart(): Date {
  const t = new Date(Date.now() + 86_400_000);
  t.setUTCHours(0, 0, 0, 0);
  t.setUTCDate(t.getUTCDate() + ((8 - t.getUTCDay()) % 7));
  return t;
}

interface SoakResult {
  readonly label: string;
  readonly caps: Caps;
  readonly worstCaseStateBytes: number;
  readonly simulatedDays: number;
  readonly realMinutes: number;
  readonly stoppedEarly: string | undefined;
  readonly weeks: readonly WeekRow[];
  readonly peaks: ReturnType<typeof budgetPeaks>;
  readonly daemonSaid: Record<string, Record<string, number>>;
  /** Requests by kind: per tick while ticks ran, and per tick between them (recovery checks, history, Events). */
  readonly requestsPerTick: { readonly inTick: Record<string, number>; readonly between: Record<string, number> };
  readonly prometheus: Record<string, number>;
  readonly problems: readonly string[];
}

async function readState(core: CoreV1Api, namespace: string): Promise<StateSample> {
  const cm = await core.readNamespacedConfigMap({ namespace, name: defaults.daemon.stateConfigMap });
  const text = cm.data?.[STATE_KEY] ?? '{"kills":[]}';
  const state = JSON.parse(text) as HavocState;
  const spending = { ...state, kills: state.kills.filter((k) => k.result === 'reserved' || k.count > 0) };
  return { bytes: Buffer.byteLength(text), records: state.kills.length, spendingBytes: stateBytes(spending) };
}

async function readHistory(core: CoreV1Api, namespace: string, lastSlot: Date): Promise<HistorySample> {
  const labelSelector = Object.entries(HISTORY_LABELS)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const items = (await core.listNamespacedConfigMap({ namespace, labelSelector })).items;
  const dayOf = items.map((cm) => cm.metadata?.labels?.[DAY_LABEL] ?? '').sort();
  return {
    objects: items.length,
    dataBytes: items.reduce((sum, cm) => sum + dataBytes(cm.data), 0),
    objectBytes: items.reduce((sum, cm) => sum + Buffer.byteLength(JSON.stringify(cm)), 0),
    entries: items.reduce((sum, cm) => sum + Object.keys(cm.data ?? {}).length, 0),
    oldestDay: dayOf[0] ?? '-',
    newestDay: dayOf.at(-1) ?? '-',
    cutoff: retentionCutoff(lastSlot, retentionSeconds, localDate),
  };
}

const perTick = (counts: Record<string, number>, ticks: number) =>
  Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => [kind, Number((n / Math.max(1, ticks)).toFixed(2))]),
  );
const isEviction = (r: ProxiedRequest) => r.method === 'POST' && r.path.endsWith('/eviction');
/** The health check asks GET /version every 5 s of real time: it does not scale with simulated time, so it is left out. */
const counted = (r: ProxiedRequest) => !r.watch && r.path !== '/version';
/** A warning as a kind: the workload names and the numbers taken out, so like ones add up. */
const said = (line: LogLine) =>
  String(line.msg)
    .replaceAll(SOAK_NAMESPACE, '<namespace>')
    .replace(/(killable|blocked)-\d+-x+[-a-z0-9]*/g, '<$1>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 110);
const tally = (into: Record<string, number>, key: string) => {
  into[key] = (into[key] ?? 0) + 1;
};

async function soak(label: string, caps: Caps): Promise<SoakResult> {
  const began = Date.now();
  const cluster: Cluster = await startCluster({ nodes, startTimeoutMs: (180 + nodes) * 1000 });
  const problems: string[] = [];
  const weeks: WeekRow[] = [];
  const kills: SlotKills[] = [];
  const daemonSaid: Record<string, Record<string, number>> = { tick: {}, kill: {}, skip: {}, recovery: {}, errors: {} };
  const kinds = { inTick: {} as Record<string, number>, between: {} as Record<string, number> };
  let ticksSeen = 0;
  let stoppedEarly: string | undefined;
  let businessDay = 0;
  const prometheus = await startFakePrometheus();
  try {
    const ns = await cluster.createNamespace(SOAK_NAMESPACE);
    const own = await cluster.createNamespace('havoc-soak');
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: soakManifests(world) }));
    await cluster.kubectl(['-n', ns, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=300s']);
    if (world.blocked > 0)
      await cluster.kubectl(['-n', ns, 'wait', '--for=jsonpath={.status.expectedPods}=1', 'pdb', '--all', '--timeout=120s']);
    const admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfig);
    const core = admin.makeApiClient(CoreV1Api);
    const proxy = await startCountingProxy(cluster);
    const start = simulatedStart();
    const port = await freePort();
    const daemon = startDaemon({
      kubeconfig: proxy.kubeconfig,
      name: `soak-${label}`,
      env: { HAVOC_TEST_HOOKS: 'simulated-time', HAVOC_TEST_SIMULATED_TIME: JSON.stringify({ start, paceMs }) },
      config: e2eConfig(own, {
        schedule: { cron: CRON, timezone: TIMEZONE, weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '10:00', end: '16:00' },
        selection: { defaultMtbf: '2d', minPodAge: '5m', minTimeBetweenKills: '1h' },
        blastRadius: { maxKillsPerTick: caps.perTick, maxKillsPerHour: caps.perHour, maxKillsPerDay: caps.perDay },
        pods: { recoveryTimeout: '5m', recoveryPollInterval: '5s' },
        namespaces: { include: [ns] },
        daemon: { leaderElection: { enabled: false } },
        server: { host: '127.0.0.1', port },
        steadyState: { prometheus: { url: prometheus.url }, blockers: ['severity="critical"'] },
      }),
    });
    try {
      await daemon.waitForLine('cluster watches synced', (l) => l.msg === 'cluster watches synced', 300_000);
      let expected = nextRun(CRON, TIMEZONE, start);
      let day = '';
      const newWeek = () => ({
        ticks: [] as TickSeen[],
        other: 0,
        states: [] as StateSample[],
        rss: [] as number[],
        metrics: [] as MetricsSample[],
        days: 0,
      });
      let week = newWeek();
      const scrape = async () => metricsSample(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      const pending: ProxiedRequest[] = [];
      const closeWeek = async (lastSlot: Date) => {
        const history = await readHistory(core, own, lastSlot);
        if (history.oldestDay < history.cutoff)
          problems.push(`history keeps ${history.oldestDay}, older than the retention's cutoff ${history.cutoff}`);
        const row = weekRow({
          ...week,
          week: weeks.length + 1,
          businessDays: week.days,
          allKills: kills,
          otherRequests: week.other,
          history,
          rssBytes: week.rss,
        });
        weeks.push(row);
        process.stderr.write(
          `soak ${label}: ${renderWeeks([row], caps).split('\n').at(-1)} after ${((Date.now() - began) / 60_000).toFixed(1)} min\n`,
        );
        week = newWeek();
      };
      const onTick = async (line: LogLine): Promise<boolean> => {
        const slot = expected ?? new Date(0);
        expected = typeof line.nextTick === 'string' ? new Date(line.nextTick) : nextRun(CRON, TIMEZONE, slot);
        tally(daemonSaid.tick ?? {}, String(line.outcome));
        if (localDate(slot) !== day) {
          if (day !== '') {
            const state = await readState(core, own);
            week.states.push(state);
            week.metrics.push(await scrape());
            if (state.bytes > STATE_BOUNDS.reserveBytes)
              problems.push(`the state reached ${state.bytes} bytes, over ${STATE_BOUNDS.reserveBytes}`);
            if (state.spendingBytes > worstCaseStateBytes(caps))
              problems.push(
                `its records that spend budget took ${state.spendingBytes} bytes, over the worst case ${worstCaseStateBytes(caps)}`,
              );
            week.days++;
            if (week.days === 5 || businessDay === days) await closeWeek(new Date(slot.getTime() - 1));
          }
          if (businessDay === days) return true;
          day = localDate(slot);
          businessDay++;
        }
        const end = lineTime(line);
        const begin = end - Number(line.durationMs) - 5;
        const inTick: ProxiedRequest[] = [];
        while ((pending[0]?.startedAt ?? Infinity) <= end) {
          const r = pending.shift() as ProxiedRequest;
          const kind = requestKind(r.method, r.path, defaults.daemon.stateConfigMap);
          if (r.startedAt >= begin) {
            inTick.push(r);
            tally(kinds.inTick, kind);
          } else {
            week.other++;
            tally(kinds.between, kind);
          }
        }
        const evicted = inTick.filter((r) => isEviction(r) && r.status !== undefined && r.status < 300).length;
        kills.push({ at: slot.getTime(), count: evicted });
        ticksSeen++;
        week.ticks.push({
          at: slot.getTime(),
          outcome: String(line.outcome),
          durationMs: Number(line.durationMs),
          requests: inTick.length,
          bytes: inTick.reduce((sum, r) => sum + r.requestBytes + r.responseBytes, 0),
          evicted,
          refused: inTick.filter((r) => isEviction(r) && r.status === 429).length,
        });
        return false;
      };
      for (let done = false; !done;) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const sample = sampleProcess(daemon.pid);
        if (sample) week.rss.push(sample.rssBytes);
        const lines = daemon.lines.splice(0);
        pending.push(...proxy.drain().filter(counted));
        for (const line of lines) {
          // Lines after the last simulated day are not counted: the figures end with it.
          if (done) break;
          if (line.level === 'warn' || line.level === 'error') tally(daemonSaid.errors ?? {}, `${line.level}: ${said(line)}`);
          if (line.event === 'kill') tally(daemonSaid.kill ?? {}, String(line.result));
          if (line.event === 'skip') tally(daemonSaid.skip ?? {}, String(line.reason));
          if (line.event === 'recovery')
            tally(daemonSaid.recovery ?? {}, `recovered ${String(line.recovered)}, hypothesis ${String(line.hypothesis)}`);
          if (line.event === 'tick') done = await onTick(line);
        }
        const minutes = (Date.now() - began) / 60_000;
        if (!done && minutes > maxMinutes) {
          stoppedEarly = `stopped after ${maxMinutes} minutes of real time, during simulated business day ${businessDay}`;
          done = true;
        }
        const exited = await Promise.race([daemon.exited, Promise.resolve('running')]);
        if (!done && exited !== 'running') {
          stoppedEarly = `the daemon exited (${String(exited)}) during simulated business day ${businessDay}: ${daemon.stderr.join('').slice(-500)}`;
          problems.push(stoppedEarly);
          done = true;
        }
      }
      if (stoppedEarly && week.ticks.length > 0) {
        week.states.push(await readState(core, own));
        await closeWeek(new Date((week.ticks.at(-1)?.at ?? 0) + 1));
      }
    } finally {
      await daemon.stop();
      await proxy.close();
    }
  } finally {
    await prometheus.close();
    await cluster.stop();
  }
  const peaks = budgetPeaks(kills);
  problems.push(...overCaps(peaks, caps));
  if ((daemonSaid.skip?.['state-full'] ?? 0) > 0)
    problems.push(`${daemonSaid.skip?.['state-full']} reservations refused: state-full`);
  return {
    label,
    caps,
    worstCaseStateBytes: worstCaseStateBytes(caps),
    simulatedDays: stoppedEarly ? Math.max(0, businessDay - 1) : days,
    realMinutes: Number(((Date.now() - began) / 60_000).toFixed(1)),
    stoppedEarly,
    weeks,
    peaks,
    daemonSaid,
    requestsPerTick: { inTick: perTick(kinds.inTick, ticksSeen), between: perTick(kinds.between, ticksSeen) },
    prometheus: { ...prometheus.answered },
    problems,
  };
}

const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown',
  loadAverageAtStart: loadavg().map((l) => l.toFixed(2)),
};
const params = { days, cron: CRON, timezone: TIMEZONE, paceMs, nodes, ...world, settings };
console.error(`soak: ${JSON.stringify(params)} on ${machine.cpus} x ${machine.model}`);
const results: SoakResult[] = [];
for (const { label, caps } of settings) {
  console.error(
    `soak: ${label} caps ${caps.perTick}/${caps.perHour}/${caps.perDay} (tick/hour/day), worst-case state ${worstCaseStateBytes(caps)} bytes`,
  );
  const result = await soak(label, caps);
  results.push(result);
  console.log(
    `\n${label} caps (${result.simulatedDays} simulated business days in ${result.realMinutes} min${result.stoppedEarly ? `; ${result.stoppedEarly}` : ''}):\n`,
  );
  console.log(renderWeeks(result.weeks, caps));
  console.log(`\nrequests per tick, by kind: ${JSON.stringify(result.requestsPerTick)}`);
  console.log(
    `\npeaks ${JSON.stringify(result.peaks)}; daemon said ${JSON.stringify(result.daemonSaid)}; Prometheus answered ${JSON.stringify(result.prometheus)}`,
  );
  for (const problem of result.problems) console.log(`PROBLEM: ${problem}`);
}
writeFileSync(
  values.out ?? 'soak-results.json',
  `${JSON.stringify({ at: new Date().toISOString(), machine, params, results }, null, 2)}\n`,
);
console.error(`soak: wrote ${values.out}`);
if (results.some((r) => r.problems.length > 0)) process.exitCode = 1;
