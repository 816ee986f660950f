#!/usr/bin/env node
// The composition root: the only place that reads argv and the environment,
// creates SDK clients and timers, installs signal handlers and exits.

import { hostname } from 'node:os';
import type { V1Node } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { createApiReadinessListener, createReadiness } from './adapters/http/readiness.ts';
import { createHttpServer, type HttpServer } from './adapters/http/httpServer.ts';
import { createConfigMapStateStore } from './adapters/kubernetes/configMapStateStore.ts';
import { createEventListener } from './adapters/kubernetes/eventRecorder.ts';
import { createKubernetesCluster } from './adapters/kubernetes/kubernetesCluster.ts';
import { createLeaderElector, type LeaderElector } from './adapters/kubernetes/leaderElection.ts';
import { loadKubeConfig, type LoadedKubeConfig } from './adapters/kubernetes/loadKubeConfig.ts';
import { createNodeDrainer } from './adapters/kubernetes/nodeDrainer.ts';
import { createPodKiller } from './adapters/kubernetes/podKiller.ts';
import { createLogger } from './adapters/log/logger.ts';
import { createLogListener } from './adapters/log/logListener.ts';
import { createHavocMetrics } from './adapters/metrics/havocMetrics.ts';
import { createHttpProbe } from './adapters/probe/httpProbe.ts';
import { createCronTicker } from './adapters/schedule/cronTicker.ts';
import { createSlackListener } from './adapters/slack/slackListener.ts';
import { parseCommandLine, type CommandLine } from './cli/args.ts';
import { planReport, renderPlan } from './cli/planReport.ts';
import { renderStatus } from './cli/statusReport.ts';
import type { HavocConfig } from './config/config.ts';
import { ConfigError, loadConfig, redacted } from './config/load.ts';
import { toSettings } from './config/settings.ts';
import { durationSeconds } from './domain/duration.ts';
import { pauseChaos, resumeChaos } from './domain/killSwitch.ts';
import type { Clock, Listener, Log } from './domain/ports.ts';
import { seededRandom } from './domain/random.ts';
import { createReporter } from './domain/reporter.ts';
import { createChaosRound } from './domain/round/chaosRound.ts';

type Env = Readonly<Record<string, string | undefined>>;

const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  }),
};

async function main(argv: readonly string[], env: Env): Promise<number> {
  const cli = parseCommandLine(argv);
  if ('help' in cli) return print(process.stdout, cli.help, 0);
  if ('error' in cli) return print(process.stderr, `kube-havoc: ${cli.error}\nRun 'kube-havoc --help' for usage.`, 2);
  let config: HavocConfig;
  try {
    config = loadConfig({ ...(cli.config === undefined ? {} : { file: cli.config }), env });
  } catch (error) {
    if (error instanceof ConfigError) return print(process.stderr, `kube-havoc: ${error.message}`, 1);
    throw error;
  }
  if (cli.command === 'validate') return print(process.stdout, `${cli.config}: valid${config.dryRun ? ' (dry run)' : ' (LIVE: kills are real)'}`, 0);

  const log = createLogger({ level: config.log.level, pretty: cli.logPretty || config.log.pretty });
  let cluster: LoadedKubeConfig;
  try {
    cluster = loadKubeConfig({ ...(cli.kubeconfig === undefined ? {} : { file: cli.kubeconfig }), ...(cli.context === undefined ? {} : { context: cli.context }), env });
  } catch (error) {
    return print(process.stderr, `kube-havoc: ${(error as Error).message}`, 2);
  }
  try {
    if (cli.command === 'run') return await run(config, cluster, log);
    return await oneShot(cli, config, cluster, log);
  } catch (error) {
    // One clear line, not a stack trace: these are operational problems (API down, RBAC).
    return print(process.stderr, `kube-havoc ${cli.command}: ${(error as Error).message}`, 1);
  }
}

async function oneShot(cli: CommandLine, config: HavocConfig, loaded: LoadedKubeConfig, log: Log): Promise<number> {
  const settings = toSettings(config);
  const store = createConfigMapStateStore({ kubeConfig: loaded.kubeConfig, namespace: config.daemon.namespace, name: config.daemon.stateConfigMap, log });
  const by = cli.by ?? process.env.USER ?? hostname();
  switch (cli.command) {
    case 'pause': {
      const result = await pauseChaos({ store, reason: cli.reason ?? '', by, now: new Date() });
      return print(process.stdout, `chaos paused by ${by}: ${cli.reason ?? ''}${result.previous ? ` (replacing the pause by ${result.previous.by})` : ''}; every replica stops at its next tick`, 0);
    }
    case 'resume': {
      const result = await resumeChaos({ store, by, now: new Date() });
      return print(process.stdout, result.previous ? `chaos resumed by ${by} (was paused by ${result.previous.by}: ${result.previous.reason})` : 'chaos was not paused', 0);
    }
    case 'status': {
      const state = await store.load();
      return print(process.stdout, cli.json ? JSON.stringify(state, null, 2) : renderStatus(state, settings, new Date()), 0);
    }
    default: {
      const clusterReader = createKubernetesCluster({
        kubeConfig: loaded.kubeConfig, labelPrefix: config.labelPrefix, kubeMonkey: config.compat.kubeMonkey, nodeChaos: config.nodes.enabled, clock: systemClock, log,
        namespaces: config.namespaces.include,
      });
      await clusterReader.start();
      try {
        if (!clusterReader.synced()) throw new Error(`cannot read the cluster at ${loaded.server} (${loaded.source}); see the log lines above`);
        const ticker = createCronTicker({ expression: config.schedule.cron, timezone: config.schedule.timezone, onTick: async () => undefined });
        ticker.start();
        const nextTick = ticker.nextRun() ?? undefined;
        await ticker.stop();
        const report = planReport({
          snapshot: await clusterReader.snapshot(), settings, state: await store.load(), now: new Date(),
          ...(nextTick ? { nextTick } : {}), ...(cli.seed === undefined ? {} : { random: seededRandom(cli.seed) }),
        });
        return print(process.stdout, cli.json ? JSON.stringify(report, null, 2) : renderPlan(report), 0);
      } finally {
        await clusterReader.stop();
      }
    }
  }
}

async function run(config: HavocConfig, loaded: LoadedKubeConfig, log: Log): Promise<number> {
  const settings = toSettings(config);
  const { kubeConfig } = loaded;
  const identity = config.daemon.podName || `${hostname()}-${process.pid}`;
  log.debug({ config: redacted(config) }, 'configuration');
  log.info({
    kubeconfig: loaded.source, server: loaded.server, identity, dryRun: config.dryRun, cron: config.schedule.cron,
    window: `${config.schedule.weekdays.join(',')} ${config.schedule.start}-${config.schedule.end} ${config.schedule.timezone}`,
    caps: config.blastRadius, nodeChaos: config.nodes.enabled,
  }, `kube-havoc starting${config.dryRun ? ' in DRY RUN (nothing will really be killed)' : ' LIVE: kills are real'}`);

  const registry = new Registry();
  const metrics = createHavocMetrics({ registry });
  const readiness = createReadiness({ conditions: ['config', 'api'] });
  readiness.set('config', true);
  const listeners: Listener[] = [
    createLogListener({ log }), metrics.listener, createApiReadinessListener({ readiness, condition: 'api' }),
    createEventListener({ kubeConfig, reportingInstance: identity, log }),
  ];
  const slack = createSlackListener({ slack: config.slack, clusterName: config.clusterName, log, onDelivery: metrics.deliveries('slack') });
  if (slack) listeners.push(slack);
  const reporter = createReporter(listeners, log);
  const server: HttpServer | undefined = config.server.port === 0 ? undefined
    : await createHttpServer({ registry, readiness: () => readiness.status(), host: config.server.host, port: config.server.port, log });

  const cluster = createKubernetesCluster({
    kubeConfig, labelPrefix: config.labelPrefix, kubeMonkey: config.compat.kubeMonkey, nodeChaos: config.nodes.enabled, clock: systemClock, log, report: reporter.report,
    namespaces: config.namespaces.include, onRelist: metrics.relist,
  });
  await cluster.start();
  // A standby replica never ticks against the API; its caches syncing is what proves the API answers.
  const syncCheck = setInterval(() => { if (cluster.synced()) readiness.set('api', true); }, 5000);
  if (cluster.synced()) readiness.set('api', true);
  else log.error({ server: loaded.server, kubeconfig: loaded.source }, `cannot reach or read the Kubernetes API at ${loaded.server}; the daemon keeps running and retries with backoff (check the kubeconfig context and RBAC)`);

  let elector: LeaderElector | undefined;
  if (config.daemon.leaderElection.enabled) {
    elector = createLeaderElector({
      kubeConfig, namespace: config.daemon.namespace, leaseName: config.daemon.leaderElection.leaseName, identity,
      leaseDurationSeconds: durationSeconds(config.daemon.leaderElection.leaseDuration),
      renewIntervalSeconds: durationSeconds(config.daemon.leaderElection.renewInterval),
      clock: systemClock, log, report: reporter.report,
      onChange: (leader) => reporter.report({ type: 'leader', at: new Date(), leader, identity }),
    });
    await elector.start();
  }
  const evictor = createPodKiller({ kubeConfig, method: 'evict', gracePeriodSeconds: config.pods.gracePeriodSeconds });
  const round = createChaosRound({
    settings, cluster, clock: systemClock, random: { next: Math.random }, report: reporter.report,
    killer: config.pods.method === 'evict' ? evictor : createPodKiller({ kubeConfig, method: 'delete', gracePeriodSeconds: config.pods.gracePeriodSeconds }),
    probe: createHttpProbe({ timeoutMs: durationSeconds(config.pods.probeTimeout) * 1000, prefix: config.labelPrefix }),
    state: createConfigMapStateStore({ kubeConfig, namespace: config.daemon.namespace, name: config.daemon.stateConfigMap, log }),
    podMethod: config.pods.method,
    ...(elector ? { leadership: elector } : {}),
    ...(config.nodes.enabled ? {
      drainer: createNodeDrainer({
        kubeConfig, evictor, labelPrefix: config.labelPrefix, clock: systemClock,
        drainTimeoutSeconds: durationSeconds(config.nodes.drainTimeout), podEvictionTimeoutSeconds: durationSeconds(config.nodes.podEvictionTimeout),
        deleteEmptyDirData: config.nodes.deleteEmptyDirData, evictBarePods: config.nodes.evictBarePods, self: settings.self,
        protectedNamespaces: settings.namespaces.protected,
        watchedNodes: () => cluster.watchedNodes() as readonly V1Node[] | undefined,
      }),
    } : {}),
  });
  const ticker = createCronTicker({ expression: config.schedule.cron, timezone: config.schedule.timezone, onTick: (tick) => round.tick(tick) });
  ticker.start();
  // Give-back does not wait for the next tick: a cron limited to business hours would keep a node cordoned overnight.
  const giveBack = config.nodes.enabled ? setInterval(() => void round.giveBack(new Date()), 30_000) : undefined;
  log.info({ nextTick: ticker.nextRun(), window: config.schedule }, 'schedule started');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping: no new kills; recovery watches and drains are abandoned, the lease is released');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  clearInterval(syncCheck);
  clearInterval(giveBack);
  await ticker.stop();
  await round.stop();
  await elector?.stop();
  await cluster.stop();
  // Messages still queued for Slack are dropped rather than delaying the exit; the one in flight finishes.
  await slack?.close();
  await Promise.race([reporter.flush(), systemClock.sleep(5000)]);
  await server?.close();
  log.info({}, 'stopped');
  return 0;
}

function print(stream: NodeJS.WriteStream, text: string, code: number): number {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
  return code;
}

main(process.argv.slice(2), process.env).then((code) => {
  // Exit explicitly: a watch or socket left open must not keep a stopped daemon alive.
  process.stdout.write('', () => process.exit(code));
}, (error: unknown) => {
  process.stderr.write(`kube-havoc: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 70;
});
