import type { ExecutionContext } from 'ava';
// Faults against the real control plane, the way a skeptical SRE tries a
// chaos tool: a leader killed mid-kill, an eviction whose answer is lost, an
// API server stopped mid-tick. Each case compares the daemon's own account
// (state, Events, metrics, log) with the truth read from the API server: the
// pods gone by UID.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { clusterTest } from './harness/clusterTest.ts';
import { waitFor, type Cluster } from './harness/cluster.ts';
import { e2eConfig, lineTime, nodeChaosConfig, startDaemon, type DaemonProcess, type LogLine } from './daemonProcess.ts';
import { deploy, havocEvents, pods, readyPods, type PodView } from './workloads.ts';
import { freePort } from './harness/freePort.ts';
import { kubeconfigVia, startHoldingProxy } from './harness/holdingProxy.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';

const test = clusterTest({ nodes: 3 });
const optIn = { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' };

interface StoredKill {
  id: string;
  result: string;
  count: number;
  victims?: { uid: string }[];
  owner?: string;
}

async function storedKills(cluster: Cluster, own: string): Promise<StoredKill[]> {
  const text = await cluster.kubectl(['-n', own, 'get', 'configmap', 'kube-havoc-state', '-o', 'jsonpath={.data.state\\.json}']);
  return (JSON.parse(text) as { kills: StoredKill[] }).kills;
}

async function scrape(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}

function metric(text: string, name: string, labels: Record<string, string>): number {
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/**
 * kwok removes a deleted pod at once; a kubelet takes the pod's grace period,
 * during which the API server's mark (DisruptionTarget, EvictionByEvictionAPI)
 * is what tells a successor or a lost answer that an eviction took it. This
 * finalizer holds evicted pods terminating like that, until release().
 */
const LINGER = 'e2e.kube-havoc.test/linger';

/**
 * The Deployment leaves chaos with its test, and its pods' finalizers go: a later test's daemon (one without
 * namespaces.include) would otherwise evict them into pods that terminate for good, and a drain waits on them.
 */
async function deployLingering(
  t: ExecutionContext,
  cluster: Cluster,
  ns: string,
  name: string,
  replicas: number,
): Promise<PodView[]> {
  const manifest = kwokDeployment({ namespace: ns, name, replicas, labels: optIn, podFinalizers: [LINGER] });
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
  t.teardown(async () => {
    await cluster.kubectl(['-n', ns, 'label', 'deployment', name, 'havoc/enabled-']);
    for (const p of await pods(cluster, ns, name)) {
      // A pod that went between the list and the patch needs nothing more.
      await cluster
        .kubectl(['-n', ns, 'patch', 'pod', p.name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])
        .catch((error: unknown) => {
          if (!/NotFound|not found/.test(String(error))) throw error;
        });
    }
  });
  return upPods(cluster, ns, name, replicas);
}

/** The ready pods once `count` are up, whatever still terminates beside them. */
function upPods(cluster: Cluster, ns: string, app: string, count: number): Promise<PodView[]> {
  return waitFor(
    async () => {
      const ready = (await pods(cluster, ns, app)).filter((p) => p.ready && !p.terminating);
      return ready.length === count ? ready : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: `${count} ready pods of ${ns}/${app}` },
  );
}

/** Ends the grace period of the terminating pods: their finalizer goes, and the API server removes them. */
async function release(cluster: Cluster, ns: string, app: string): Promise<void> {
  for (const p of (await pods(cluster, ns, app)).filter((x) => x.terminating)) {
    await cluster.kubectl(['-n', ns, 'patch', 'pod', p.name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  }
  await waitFor(async () => ((await pods(cluster, ns, app)).some((p) => p.terminating) ? undefined : true), {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: `no terminating pod of ${ns}/${app} left`,
  });
}

/** A run that stops itself (SIGKILL) at `at`; resolves with how it ended ("still running" after 90 s: it is then killed). */
async function runUntilStop(
  cluster: Cluster,
  config: Record<string, unknown>,
  name: string,
  at: 'reserved' | 'killed',
): Promise<{ daemon: DaemonProcess; how: number | string | null }> {
  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config, name, env: { HAVOC_TEST_STOP_AT: at } });
  const how = await Promise.race([daemon.exited, sleep(90_000).then(() => 'still running')]);
  if (how === 'still running') await daemon.kill();
  return { daemon, how };
}

/** `kube-havoc pause` against the cluster, as an on-call would run it. */
function pause(cluster: Cluster, config: Record<string, unknown>, reason: string) {
  return cli(['pause', '--config', configFile(config), '--kubeconfig', cluster.kubeconfig, '--reason', reason, '--by', 'e2e']);
}

/** A successor with the kill switch on, so that it only settles what its predecessors left; /metrics on `port`. */
async function pausedSuccessor(
  cluster: Cluster,
  config: Record<string, unknown>,
  name: string,
): Promise<{ successor: DaemonProcess; port: number }> {
  const paused = await pause(cluster, config, 'fault e2e');
  if (paused.code !== 0) throw new Error(`kube-havoc pause exited ${paused.code}: ${paused.stderr}`);
  const port = await freePort();
  const successor = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: { ...config, server: { host: '127.0.0.1', port, healthPort: 0 } },
    name,
  });
  return { successor, port };
}

function configFile(config: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'havoc-faults-')), 'config.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** Runs the CLI; resolves with its exit code, output and how long it took. */
async function cli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['dist/main.js', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr, ms: Date.now() - started };
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

test.serial(
  'the leader SIGKILLed after reserving and after evicting, repeatedly: every real kill recorded once, no phantom, no overrun',
  async (t) => {
    const { cluster } = t.context;
    const ns = await cluster.createNamespace('crash');
    const own = await cluster.createNamespace('havoc-crash');
    // The evicted pods stay terminating: a successor judges them by the API server's mark, as it would in production.
    await deployLingering(t, cluster, ns, 'web', 4);
    const config = e2eConfig(own, {
      namespaces: { include: [ns] },
      selection: { minTimeBetweenKills: '1s' },
      blastRadius: { maxKillsPerTick: 1, maxKillsPerHour: 10, maxKillsPerDay: 10 },
    });
    const seen = new Set<string>();
    const look = async () => {
      for (const p of await upPods(cluster, ns, 'web', 4)) seen.add(p.uid);
    };
    const daemons: DaemonProcess[] = [];
    const stops = ['reserved', 'killed', 'reserved', 'killed'] as const;
    for (const [i, at] of stops.entries()) {
      await look();
      const { daemon, how } = await runUntilStop(cluster, config, `havoc-crash-${i}`, at);
      daemons.push(daemon);
      t.is(
        how,
        'SIGKILL',
        `run ${i} stopped itself after the kill was ${at}; it said: ${daemon.lines
          .slice(-3)
          .map((l) => l.msg)
          .join(' | ')}`,
      );
    }
    await look();

    const { successor, port } = await pausedSuccessor(cluster, config, 'havoc-crash-successor');
    daemons.push(successor);
    try {
      await waitFor(async () => !(await storedKills(cluster, own)).some((k) => k.result === 'reserved'), {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'every reservation settled',
      });
      await successor.waitForLine('the last leftover kill announced', (l) => l.event === 'kill' && l.result === 'killed');
      const metrics = await scrape(port, '/metrics');
      t.is(
        metric(metrics.body, 'havoc_kills_total', { result: 'killed', dry_run: 'false' }),
        1,
        'the successor counted the one kill it settled',
      );
    } finally {
      await successor.stop();
    }

    await release(cluster, ns, 'web');
    const kills = await storedKills(cluster, own);
    const current = new Set((await pods(cluster, ns, 'web')).map((p) => p.uid));
    const gone = [...seen].filter((uid) => !current.has(uid)).sort();
    const recorded = kills
      .filter((k) => k.result === 'killed')
      .flatMap((k) => (k.victims ?? []).map((v) => v.uid))
      .sort();
    t.is(gone.length, 2, 'two runs evicted a pod before they died');
    t.deepEqual(recorded, gone, 'the pods gone by UID are exactly the ones recorded as killed');
    const untouched = kills.filter((k) => k.result === 'not-attempted');
    t.is(untouched.length, 2);
    // A later run may pick the same pod after its reservation was settled untouched: then a recorded kill explains its absence.
    t.true(
      untouched.every((k) => (k.victims ?? []).every((v) => current.has(v.uid) || recorded.includes(v.uid))),
      'no phantom: a not-attempted victim is still there, or a later recorded kill took it',
    );
    t.is(
      kills.reduce((sum, k) => sum + k.count, 0),
      4,
      'every reservation stays charged; no more than the caps',
    );
    t.is(kills.length, 4, 'one record per attempt, none twice');

    const announced = daemons.flatMap((d) => d.lines).filter((l: LogLine) => l.event === 'kill' && l.result === 'killed');
    t.is(announced.length, 2, 'one kill log line per real kill over all runs');
    const events = (await havocEvents(cluster, ns)).filter((e) => e.reason === 'HavocKilled' && e.kind === 'Deployment');
    t.is(events.length, 2, JSON.stringify(events));
  },
);

test.serial(
  'the leader SIGKILLed after evicting a pod that is gone before the successor looks: recorded and told as unknown, never as a kill',
  async (t) => {
    const { cluster } = t.context;
    const ns = await cluster.createNamespace('gone');
    const own = await cluster.createNamespace('havoc-gone');
    // kwok removes an evicted pod at once: by the time a successor reads it, no mark of the eviction is left.
    const before = await deploy(cluster, ns, 'web', 3, optIn);
    const config = e2eConfig(own, { namespaces: { include: [ns] } });
    const { how } = await runUntilStop(cluster, config, 'havoc-gone-0', 'killed');
    t.is(how, 'SIGKILL', 'the first run stopped itself right after its eviction');
    const after = await readyPods(cluster, ns, 'web', 3);
    const gone = before.filter((p) => !after.some((a) => a.uid === p.uid)).map((p) => p.uid);
    t.is(gone.length, 1, 'the eviction happened');

    const { successor, port } = await pausedSuccessor(cluster, config, 'havoc-gone-successor');
    try {
      const told = await successor.waitForLine('the leftover told', (l) => l.event === 'kill');
      t.is(told.result, 'unknown', JSON.stringify(told));
      t.regex(String(told.detail), /the pod is gone; what removed it cannot be told/);
      const metrics = await scrape(port, '/metrics');
      t.is(metric(metrics.body, 'havoc_kills_total', { result: 'unknown', dry_run: 'false' }), 1);
      t.is(metric(metrics.body, 'havoc_kills_total', { result: 'killed' }), 0);
    } finally {
      await successor.stop();
    }
    const kills = await storedKills(cluster, own);
    t.is(kills.length, 1);
    t.like(kills[0], { result: 'unknown', count: 1 }, 'stays charged');
    t.deepEqual(
      kills[0]?.victims?.map((v) => v.uid),
      gone,
    );
    const events = await havocEvents(cluster, ns);
    t.is(events.filter((e) => e.reason === 'HavocKillUnknown' && e.kind === 'Deployment').length, 1, JSON.stringify(events));
    t.is(events.filter((e) => e.reason === 'HavocKilled').length, 0, 'nothing told as a kill');
  },
);

const isEviction = (method: string, path: string) => method === 'POST' && /\/pods\/[^/]+\/eviction$/.test(path);

test.serial(
  'an eviction the API server performed but whose answer was withheld is recorded as killed, and its recovery watched',
  async (t) => {
    const { cluster } = t.context;
    const ns = await cluster.createNamespace('lost');
    const own = await cluster.createNamespace('havoc-lost');
    // The evicted pod stays terminating, as with a kubelet's grace period: the follow sees the API server's mark.
    const before = await deployLingering(t, cluster, ns, 'web', 3);
    const proxy = await startHoldingProxy(cluster, { withhold: isEviction });
    t.teardown(proxy.close);
    const port = await freePort();
    const daemon = startDaemon({
      kubeconfig: kubeconfigVia(cluster, proxy.url),
      config: e2eConfig(own, {
        namespaces: { include: [ns] },
        kubernetes: { writeTimeout: '3s' },
        server: { host: '127.0.0.1', port },
      }),
    });
    try {
      const kill = await daemon.waitForLine('the kill with the lost answer', (l) => l.event === 'kill');
      t.is(kill.result, 'killed', JSON.stringify(kill));
      t.regex(
        String(kill.detail),
        /answer was lost .*no answer from the API server within 3s.*but the pod is terminating, evicted through the Eviction API \(DisruptionTarget: EvictionByEvictionAPI\)/,
      );
      await release(cluster, ns, 'web');
      const recovery = await daemon.waitForLine('the recovery verdict', (l) => l.event === 'recovery', 120_000);
      t.true(recovery.recovered, JSON.stringify(recovery));
      const metrics = await scrape(port, '/metrics');
      t.is(metric(metrics.body, 'havoc_kills_total', { result: 'killed' }), 1);
      t.is(metric(metrics.body, 'havoc_kills_total', { result: 'failed' }), 0);
    } finally {
      await daemon.stop();
    }
    t.deepEqual(
      proxy.passed.filter((r) => isEviction(r.method, r.path)).map((r) => r.status),
      [201],
      'the API server did evict, once',
    );
    const after = await pods(cluster, ns, 'web');
    const gone = before.filter((p) => !after.some((a) => a.uid === p.uid)).map((p) => p.uid);
    const kills = await storedKills(cluster, own);
    t.is(kills.length, 1);
    t.like(kills[0], { result: 'killed', count: 1 });
    t.deepEqual(
      kills[0]?.victims?.map((v) => v.uid),
      gone,
    );
    const events = await havocEvents(cluster, ns);
    t.is(events.filter((e) => e.reason === 'HavocKilled' && e.kind === 'Deployment').length, 1, JSON.stringify(events));
    t.is(events.filter((e) => e.reason === 'HavocKillFailed').length, 0);
  },
);

function apiServerPid(cluster: Cluster): number {
  const line = readFileSync(join(cluster.dir, 'pids'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('kube-apiserver '));
  const pid = Number(line?.split(' ')[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no kube-apiserver pid in ${cluster.dir}/pids`);
  return pid;
}

test.serial(
  'kube-apiserver stopped mid-tick: requests end at their timeouts, missed ticks are reported, /readyz goes 503 and back, pause answers, chaos resumes',
  async (t) => {
    const { cluster } = t.context;
    const own = await cluster.createNamespace('havoc-stall');
    // /metrics on port, /readyz on the health listener's own port.
    const [port, healthPort] = [await freePort(), await freePort()];
    const config = e2eConfig(own, {
      schedule: { cron: '*/2 * * * * *' },
      kubernetes: { readTimeout: '2s', writeTimeout: '2s' },
      daemon: { leaderElection: { enabled: false } },
      server: { host: '127.0.0.1', port, healthPort },
    });
    const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config });
    const pid = apiServerPid(cluster);
    let stopped = false;
    t.teardown(() => {
      if (stopped) process.kill(pid, 'SIGCONT');
    });
    try {
      await daemon.waitForLine('a tick that read the cluster', (l) => l.event === 'tick' && l.outcome === 'idle');
      await waitFor(async () => (await scrape(healthPort, '/readyz')).status === 200, {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: 'ready before the stop',
      });

      process.kill(pid, 'SIGSTOP');
      stopped = true;
      const stoppedAt = Date.now();
      const paused = await pause(cluster, config, 'stalled');
      t.is(paused.code, 1);
      t.regex(paused.stderr, /kube-havoc pause: .*no answer from the API server within 2s/);
      t.log(`pause answered after ${paused.ms} ms against the stopped API server`);
      // The state's reads fail too (`state`), often first; the API server's silence (`api`) follows within a
      // tick's read timeout and one check.
      const notReady = await waitFor(
        async () => {
          const r = await scrape(healthPort, '/readyz');
          return r.status === 503 && r.body.includes('api') ? r.body : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, what: '/readyz 503 naming api while the API server is stopped' },
      );
      // The body names the unmet conditions only (it discloses nothing); the log says why.
      t.regex(notReady, /^not ready: (api|api, state|state, api)\n$/);
      t.true(
        daemon.lines.some((l) => String(l.msg).includes('not ready: cluster view is stale')),
        'the log says why',
      );
      await sleep(Math.max(0, stoppedAt + 20_000 - Date.now()));

      process.kill(pid, 'SIGCONT');
      stopped = false;
      const resumedAt = Date.now();
      await waitFor(async () => (await scrape(healthPort, '/readyz')).status === 200, {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'ready again',
      });
      t.log(`ready again ${Date.now() - resumedAt} ms after SIGCONT`);
      const back = await daemon.waitForLine(
        'a tick that read the cluster after the stop',
        (l) => l.event === 'tick' && l.outcome === 'idle' && lineTime(l) > resumedAt,
        30_000,
      );
      t.log(`first good tick ${lineTime(back) - resumedAt} ms after SIGCONT`);

      const during = daemon.lines.filter((l) => l.event === 'tick' && lineTime(l) > stoppedAt && lineTime(l) < resumedAt);
      const outcomes = during.map((l) => String(l.outcome));
      t.log(`ticks during the stop: ${outcomes.join(', ')}`);
      t.true(during.length >= 7, `every due tick is reported (${during.length} in 20 s at one per 2 s)`);
      t.true(
        outcomes.every((o) => ['failed', 'deadline', 'overlap'].includes(o)),
        outcomes.join(','),
      );
      t.true(outcomes.includes('deadline') || outcomes.includes('overlap'), 'a tick running into the next is said');
      const longest = Math.max(...during.map((l) => Number(l.durationMs)));
      t.true(longest <= 6000, `no tick waited on a request beyond its timeouts (longest ${longest} ms)`);
      const metrics = await scrape(port, '/metrics');
      const missed =
        metric(metrics.body, 'havoc_ticks_total', { outcome: 'overlap' }) +
        metric(metrics.body, 'havoc_ticks_total', { outcome: 'deadline' });
      t.is(missed, outcomes.filter((o) => o === 'overlap' || o === 'deadline').length, 'the metric counts what the log says');
    } finally {
      if (stopped) {
        process.kill(pid, 'SIGCONT');
        stopped = false;
      }
      await daemon.stop();
    }
    t.false(daemon.stderr.join('').includes('NODE-CRON'), 'node-cron printed nothing behind the log');
  },
);

test.serial("an administrator's keep-cordoned on a drained node holds through give-back", async (t) => {
  const { cluster } = t.context;
  const target = cluster.nodes[0] ?? '';
  for (const n of cluster.nodes)
    await cluster.kubectl(['label', 'node', n, n === target ? 'havoc/enabled=true' : 'havoc/enabled-', '--overwrite']);
  t.teardown(async () => {
    await cluster.kubectl(['annotate', 'node', target, 'havoc/keep-cordoned-']);
    await cluster.kubectl(['label', 'node', target, 'havoc/enabled-']);
    await cluster.kubectl(['uncordon', target]);
  });
  const ns = await cluster.createNamespace('keep');
  const own = await cluster.createNamespace('havoc-keep');
  await deploy(cluster, ns, 'web', 6);
  // Time for the drain to finish (passes wait while a workload may lose no more pods) before its give-back.
  const daemon = startDaemon({
    kubeconfig: cluster.kubeconfig,
    config: nodeChaosConfig(own, ns, { drainDuration: '40s', drainTimeout: '30s' }),
  });
  try {
    await daemon.waitForLine('the drain starting', (l) => l.event === 'drain-started' && l.node === target);
    await cluster.kubectl(['annotate', 'node', target, 'havoc/keep-cordoned=true']);
    const released = await daemon.waitForLine('the give-back', (l) => l.event === 'node-released' && l.node === target, 90_000);
    t.regex(String(released.detail), /left cordoned as an administrator asked/);
    // More give-backs run at every tick meanwhile; none may touch the node again.
    await sleep(5000);
  } finally {
    await daemon.stop();
  }
  const node = JSON.parse(await cluster.kubectl(['get', 'node', target, '-o', 'json'])) as {
    metadata: { annotations?: Record<string, string> };
    spec: { unschedulable?: boolean };
  };
  t.true(node.spec.unschedulable === true, 'the node is still cordoned');
  t.is(node.metadata.annotations?.['havoc/drained-by'], undefined, "no longer kube-havoc's");
  t.is(node.metadata.annotations?.['havoc/keep-cordoned'], 'true');
  t.is(daemon.lines.filter((l) => l.event === 'node-released').length, 1);
  const events = await cluster.kubectl([
    'get',
    'events.v1.events.k8s.io',
    '-A',
    '--field-selector',
    `regarding.name=${target}`,
    '-o',
    'jsonpath={range .items[*]}{.reason}:{.note}{"\\n"}{end}',
  ]);
  t.regex(events, /HavocNodeReleased:Left cordoned \(keep-cordoned\) node/);
});
