#!/usr/bin/env node
// The composition root: the only place that reads argv and the environment,
// creates SDK clients and timers, installs signal handlers and exits.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { V1Node } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { createApiReadinessListener, createReadiness } from './adapters/http/readiness.ts';
import { createHealthServer } from './adapters/http/healthServer.ts';
import type { HttpServer } from './adapters/http/httpServer.ts';
import { createMetricsServer, type MetricsServerOptions } from './adapters/http/metricsServer.ts';
import { createStateReadiness } from './adapters/http/stateReadiness.ts';
import { cachedRecentKills } from './adapters/http/recentKills.ts';
import { createHistoryListener } from './adapters/history/historyListener.ts';
import { createConfigMapHistoryStore } from './adapters/kubernetes/configMapHistoryStore.ts';
import { createConfigMapStateStore } from './adapters/kubernetes/configMapStateStore.ts';
import { stateConfigMapExists } from './adapters/kubernetes/stateConfigMapExists.ts';
import { createEventListener } from './adapters/kubernetes/eventRecorder.ts';
import { createApiHealthCheck } from './adapters/kubernetes/apiHealth.ts';
import { createApiContact, type ApiContact } from './adapters/kubernetes/apiContact.ts';
import { INACTIVITY_MS } from './adapters/kubernetes/watchedCache.ts';
import { createKubernetesCluster, type KubernetesClusterOptions } from './adapters/kubernetes/kubernetesCluster.ts';
import { advertisement, createInstallRegistry } from './adapters/kubernetes/installRegistry.ts';
import { createLeaderElector, type LeaderElector } from './adapters/kubernetes/leaderElection.ts';
import { loadKubeConfig, type LoadedKubeConfig } from './adapters/kubernetes/loadKubeConfig.ts';
import { drainMark, markSelector } from './adapters/kubernetes/drainMark.ts';
import { createNodeDrainer } from './adapters/kubernetes/nodeDrainer.ts';
import { createPodKiller } from './adapters/kubernetes/podKiller.ts';
import { createLogger } from './adapters/log/logger.ts';
import { createLogListener } from './adapters/log/logListener.ts';
import { createHavocMetrics } from './adapters/metrics/havocMetrics.ts';
import { createHttpProbe } from './adapters/probe/httpProbe.ts';
import { systemClock } from './adapters/clock/systemClock.ts';
import { createSimulatedClock } from './adapters/clock/simulatedClock.ts';
import { createCronTicker, type Schedule } from './adapters/schedule/cronTicker.ts';
import { simulatedSchedule } from './adapters/schedule/simulatedSchedule.ts';
import { cronWindowWarning } from './adapters/schedule/firstTickInWindow.ts';
import { nextRun } from './adapters/schedule/nextRun.ts';
import { createSlackListener } from './adapters/slack/slackListener.ts';
import { parseCommandLine, type CommandLine } from './cli/args.ts';
import { installFor, pauseCommands, requester } from './cli/install.ts';
import { completionScript } from './cli/completion.ts';
import { planReport, readZones, renderPlan } from './cli/planReport.ts';
import { renderStatus } from './cli/statusReport.ts';
import { historyCsv, renderHistory } from './cli/historyReport.ts';
import type { HavocConfig } from './config/config.ts';
import { ConfigError, loadConfig, redacted } from './config/load.ts';
import { toSettings } from './config/settings.ts';
import type { Settings } from './domain/settings.ts';
import { steadyStateGateFromConfig } from './config/steadyStateSource.ts';
import { steadyStatePlan } from './cli/steadyStatePlan.ts';
import { durationSeconds } from './domain/duration.ts';
import { boundedStateStore } from './domain/boundedStateStore.ts';
import { daemonStateStore } from './daemonStateStore.ts';
import { readAttempts } from './domain/history/readAttempts.ts';
import { pauseChaos, resumeChaos } from './domain/killSwitch.ts';
import type { Clock, Listener, Log } from './domain/ports.ts';
import { seededRandom } from './domain/random.ts';
import type { Redactor } from './domain/redactor.ts';
import { createReporter } from './domain/reporter.ts';
import { NO_ALLOW_LIST } from './domain/optin/probeTarget.ts';
import { redactorFromConfig } from './config/redactorFromConfig.ts';
import { createChaosRound, type ChaosRound } from './domain/round/chaosRound.ts';
import { scopeOf } from './domain/install/installOverlap.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** How often /readyz's API condition is judged again: local work only, no request. */
const API_CHECK_MS = 5000;
/**
 * A healthy API server is heard on every watch at least once per INACTIVITY_MS
 * (a bookmark, or the answer to the reconnect); silence longer than that, with
 * a margin for a slow reconnect, is a problem in itself. A stalled server is
 * usually told sooner: the first watch to time out, or the first request
 * abandoned at its timeout, says so at once.
 */
const API_SILENT_AFTER_MS = INACTIVITY_MS + 10_000;

// package.json sits beside src/ and dist/ alike (the image copies it too); the release sets its version from the tag.
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main(argv: readonly string[], env: Env): Promise<number> {
  const cli = parseCommandLine(argv);
  if ('help' in cli) return print(process.stdout, cli.help, 0);
  if ('version' in cli) return print(process.stdout, `kube-havoc ${packageVersion()}`, 0);
  if ('completion' in cli) return print(process.stdout, completionScript(cli.completion).trimEnd(), 0);
  if ('error' in cli) return print(process.stderr, `kube-havoc: ${cli.error}\nRun 'kube-havoc --help' for usage.`, 2);
  let config: HavocConfig;
  try {
    config = loadConfig({ file: cli.config, env });
  } catch (error) {
    if (error instanceof ConfigError) return print(process.stderr, `kube-havoc: ${error.message}`, 1);
    throw error;
  }
  if (cli.command === 'validate') {
    // Valid, but worth saying: a cron that never meets the window never kills.
    const neverInWindow = cronWindowWarning(config.schedule.cron, toSettings(config).window, new Date());
    if (neverInWindow) process.stderr.write(`kube-havoc: warning: ${neverInWindow}\n`);
    return print(process.stdout, `${cli.config}: valid${config.dryRun ? ' (dry run)' : ' (LIVE: kills are real)'}`, 0);
  }

  // One redactor for every text that leaves: log lines, occurrences (Events, Slack), /kills, status and plan.
  let kubeSecrets: readonly (string | undefined)[] = [];
  const redactor = redactorFromConfig(config, { values: () => kubeSecrets });
  const unbounded = (text: string) => redactor.text(text, Number.POSITIVE_INFINITY);
  // The daemon's log is its output; a one-shot command's output is its report (`plan --json | jq`), so its log goes to stderr.
  let log: Log;
  try {
    log = createLogger({
      level: config.log.level,
      pretty: cli.logPretty || config.log.pretty,
      format: config.log.format,
      destination: cli.command === 'run' ? process.stdout : process.stderr,
      redact: unbounded,
    });
  } catch (error) {
    // Pretty logs asked of an install without the optional pino-pretty (the image): say so, no stack.
    return print(process.stderr, `kube-havoc: ${(error as Error).message}`, 2);
  }
  // The daemon's readiness is judged from its own traffic; a one-shot command has none to judge.
  const contact =
    cli.command === 'run' ? createApiContact({ clock: systemClock, silentAfterMs: API_SILENT_AFTER_MS }) : undefined;
  let cluster: LoadedKubeConfig;
  try {
    cluster = loadKubeConfig({
      file: cli.kubeconfig,
      context: cli.context,
      env,
      timeouts: {
        readMs: durationSeconds(config.kubernetes.readTimeout) * 1000,
        writeMs: durationSeconds(config.kubernetes.writeTimeout) * 1000,
      },
      ...(contact ? { contact } : {}),
    });
  } catch (error) {
    return print(process.stderr, `kube-havoc: ${redactor.text((error as Error).message)}`, 2);
  }
  const user = cluster.kubeConfig.getCurrentUser();
  kubeSecrets = [user?.token, user?.password];
  try {
    if (contact) return await run(config, cluster, log, env, redactor, contact);
    return await oneShot(cli, config, cluster, log, env, unbounded);
  } catch (error) {
    // One clear line, not a stack trace: these are operational problems (API down, RBAC).
    return print(process.stderr, `kube-havoc ${cli.command}: ${redactor.text((error as Error).message)}`, 1);
  }
}

async function oneShot(
  cli: CommandLine,
  config: HavocConfig,
  loaded: LoadedKubeConfig,
  log: Log,
  env: Env,
  redact: (text: string) => string,
): Promise<number> {
  const { kubeConfig } = loaded;
  const defaults = loadConfig({ env: {} });
  const install = installFor(cli.command, {
    flagNamespace: cli.namespace,
    flagStateConfigMap: cli.stateConfigMap,
    configNamespace: config.daemon.namespace,
    defaultNamespace: defaults.daemon.namespace,
    stateConfigMap: config.daemon.stateConfigMap,
    contextNamespace: contextNamespace(kubeConfig),
  });
  // plan -n NS looks at the cluster as the daemon installed in NS would: its own namespace protected.
  const settings = toSettings({ ...config, daemon: { ...config.daemon, namespace: install.namespace } });
  // The CLI does not know the running daemon's gap, so it compacts nothing; the bound holds all the same.
  const store = boundedStateStore({
    store: createConfigMapStateStore({ kubeConfig, namespace: install.namespace, name: install.stateConfigMap, log }),
    clock: systemClock,
  });
  const history = createConfigMapHistoryStore({
    kubeConfig,
    namespace: install.namespace,
    localDate: settings.window.localDate,
    retentionSeconds: durationSeconds(config.history.retention),
    clock: systemClock,
    log,
  });
  // The daemon's days are in its time zone, which may not be this command's: 14 h more at both ends covers any.
  const historySince = (seconds: number, now: Date) =>
    readAttempts({
      store: history,
      since: new Date(now.getTime() - seconds * 1000),
      now,
      localDate: settings.window.localDate,
      padHours: 14,
    });
  const inPod = loaded.source === 'in-cluster service account';
  const by = requester({
    by: cli.by,
    user: env.USER,
    ...(inPod ? {} : { kubeUser: kubeConfig.getCurrentUser()?.name ?? '' }),
    host: hostname(),
  });
  // A guessed namespace (kubeconfig context, default) must hold an install; a pause nobody reads would stop nothing.
  if (
    (cli.command === 'pause' || cli.command === 'resume' || cli.command === 'status' || cli.command === 'history') &&
    (install.namespaceFrom === 'kubeconfig context' || install.namespaceFrom === 'default') &&
    !(await stateConfigMapExists({ kubeConfig, namespace: install.namespace, name: install.stateConfigMap }))
  ) {
    return print(
      process.stderr,
      `kube-havoc ${cli.command}: no kube-havoc state (ConfigMap ${install.stateConfigMap}) ` +
        `in namespace "${install.namespace}" (from the ${install.namespaceFrom}); ` +
        'name the namespace kube-havoc is installed in with -n NAMESPACE',
      1,
    );
  }
  switch (cli.command) {
    case 'pause': {
      const result = await pauseChaos({ store, reason: cli.reason ?? '', by, now: systemClock.now() });
      const replacing = result.previous ? ` (replacing the pause by ${result.previous.by})` : '';
      return print(
        process.stdout,
        `chaos paused by ${by}: ${cli.reason ?? ''}${replacing}; every replica in ${install.namespace} stops at its next tick`,
        0,
      );
    }
    case 'resume': {
      const result = await resumeChaos({ store, by, now: systemClock.now() });
      return print(
        process.stdout,
        result.previous
          ? `chaos resumed by ${by} (was paused by ${result.previous.by}: ${result.previous.reason})`
          : 'chaos was not paused',
        0,
      );
    }
    case 'status': {
      const state = await store.load();
      const now = systemClock.now();
      if (cli.json) return print(process.stdout, redact(JSON.stringify(state, null, 2)), 0);
      return print(process.stdout, redact(renderStatus(state, settings, now, await historySince(86_400, now))), 0);
    }
    case 'history': {
      const now = systemClock.now();
      const seconds = cli.sinceSeconds ?? 7 * 86_400;
      const rows = await historySince(seconds, now);
      const since = new Date(now.getTime() - seconds * 1000).toISOString();
      return print(
        process.stdout,
        redact(cli.json ? JSON.stringify(rows, null, 2) : cli.csv ? historyCsv(rows) : renderHistory(rows, since)),
        0,
      );
    }
    default: {
      const clusterReader = createKubernetesCluster({
        kubeConfig: loaded.kubeConfig,
        ...clusterView(settings),
        clock: systemClock,
        log,
      });
      await clusterReader.start();
      try {
        if (!clusterReader.synced())
          throw new Error(`cannot read the cluster at ${loaded.server} (${loaded.source}); see the log lines above`);
        const now = systemClock.now();
        const nextTick = nextRun(config.schedule.cron, config.schedule.timezone, now) ?? undefined;
        const snapshot = await clusterReader.snapshot();
        const gate = steadyStateGateFromConfig({ config, clock: systemClock, report: () => undefined });
        const zones =
          settings.keepReadyPerZone > 0
            ? await readZones(clusterReader, snapshot.workloads, settings.keepReadyPerZone)
            : undefined;
        const report = planReport({
          snapshot,
          settings,
          ...(zones ? { zones } : {}),
          state: await store.load(),
          now,
          ...(gate ? { steadyState: await steadyStatePlan(gate, snapshot, settings) } : {}),
          ...(nextTick ? { nextTick } : {}),
          random: cli.seed === undefined ? undefined : seededRandom(cli.seed),
        });
        return print(process.stdout, redact(cli.json ? JSON.stringify(report, null, 2) : renderPlan(report)), 0);
      } finally {
        await clusterReader.stop();
      }
    }
  }
}

async function run(
  config: HavocConfig,
  loaded: LoadedKubeConfig,
  log: Log,
  env: Env,
  redactor: Redactor,
  contact: ApiContact,
): Promise<number> {
  const settings = toSettings(config);
  const { kubeConfig } = loaded;
  const identity = config.daemon.podName || `${hostname()}-${process.pid}`;
  const version = packageVersion();
  // Business time: the real clock, or the soak benchmark's simulated one (test hook, refused in a pod).
  const simulated = testSimulatedTime(env, log, loaded);
  const clock = simulated?.clock ?? systemClock;
  log.debug({ config: redacted(config) }, 'configuration');
  log.info(
    {
      version,
      kubeconfig: loaded.source,
      server: loaded.server,
      identity,
      dryRun: config.dryRun,
      cron: config.schedule.cron,
      window: `${config.schedule.weekdays.join(',')} ${config.schedule.start}-${config.schedule.end} ${config.schedule.timezone}`,
      caps: config.blastRadius,
      nodeChaos: config.nodes.enabled,
    },
    `kube-havoc ${version} starting${config.dryRun ? ' in DRY RUN (nothing will really be killed)' : ' LIVE: kills are real'}`,
  );

  // Its reads and writes are /readyz's `state` condition: a failure counts until one succeeds, for 15 minutes at
  // most (docs/operations.md).
  const stateHealth = createStateReadiness({ clock, holdSeconds: 15 * 60, log });
  const registry = new Registry();
  const metrics = createHavocMetrics({ registry, build: { version, revision: process.env.HAVOC_REVISION } });
  // Without leader election this replica acts from the start;
  // the README's "no replica acts" alert must not fire after each restart.
  if (!config.daemon.leaderElection.enabled) metrics.leader.set(1);
  const readiness = createReadiness({ conditions: ['config', 'api'], checks: { state: stateHealth.problem } });
  readiness.set('config', true);
  const retentionSeconds = durationSeconds(config.history.retention);
  const history = createConfigMapHistoryStore({
    kubeConfig,
    namespace: config.daemon.namespace,
    localDate: settings.window.localDate,
    retentionSeconds,
    clock,
    log,
  });
  const listeners: Listener[] = [
    createHistoryListener({ store: history }),
    createLogListener({ log }),
    metrics.listener,
    createApiReadinessListener({ readiness, condition: 'api' }),
    createEventListener({ kubeConfig, reportingInstance: identity, log }),
  ];
  const defaults = loadConfig({ env: {} });
  const slack = createSlackListener({
    slack: config.slack,
    clusterName: config.clusterName,
    log,
    onDelivery: metrics.deliveries('slack'),
    pauseCommands: pauseCommands(
      { namespace: config.daemon.namespace, stateConfigMap: config.daemon.stateConfigMap },
      defaults.daemon.stateConfigMap,
    ),
  });
  if (slack) listeners.push(slack);
  const reporter = createReporter({ listeners, log, redact: redactor.value });
  const state = daemonStateStore({
    stored: createConfigMapStateStore({
      kubeConfig,
      namespace: config.daemon.namespace,
      name: config.daemon.stateConfigMap,
      log,
    }),
    health: stateHealth,
    minGapSeconds: settings.minGapSeconds,
    history,
    clock,
    localDate: settings.window.localDate,
    retentionSeconds,
    report: reporter.report,
    log,
  });
  // Two listeners: the kubelet's probes on one port, Prometheus (and /kills) on the other; 0 turns either off.
  const health: HttpServer | undefined =
    config.server.healthPort === 0
      ? undefined
      : await createHealthServer({
          readiness: () => readiness.status(),
          host: config.server.healthHost,
          port: config.server.healthPort,
          log,
        });
  const server: HttpServer | undefined =
    config.server.port === 0
      ? undefined
      : await createMetricsServer({
          registry,
          host: config.server.host,
          port: config.server.port,
          log,
          redact: redactor,
          ...killsEndpoint(config.server, {
            // Read on request from the durable history, so every replica serves the same rows, also right after a restart.
            // Dashboards refresh every panel for every viewer: one read of the history per 10 s serves them all.
            recentKills: cachedRecentKills({
              load: () => {
                const now = clock.now();
                const since = new Date(now.getTime() - retentionSeconds * 1000);
                return readAttempts({ store: history, since, now, localDate: settings.window.localDate, limit: 200 });
              },
              limit: 200,
              maxAgeMs: 10_000,
              now: () => clock.now().getTime(),
            }),
          }),
        });

  // Days past the retention go at start-up (and at the first write of each day); a failure waits for that write.
  void history.prune(clock.now()).catch((error: unknown) => {
    log.warn({ err: error }, `history: deleting days older than ${config.history.retention} failed: ${(error as Error).message}`);
  });

  // Give-back of the nodes this install drained is wired whatever nodes.enabled says: turning node chaos off mid-drain
  // must not strand a node. Without node chaos the view holds only the nodes carrying this install's mark.
  const mark = drainMark({ namespace: config.daemon.namespace, stateConfigMap: config.daemon.stateConfigMap });
  const cluster = createKubernetesCluster({
    kubeConfig,
    ...clusterView(settings),
    drainMarkSelector: markSelector(config.labelPrefix, mark),
    clock,
    log,
    report: reporter.report,
    onRelist: metrics.relist,
  });
  await cluster.start();
  // Ready only while the cluster view is fresh: the caches synced and the API server answering (standby replicas too),
  // judged from the traffic the daemon has anyway, so the check itself makes no request.
  const apiHealth = createApiHealthCheck({ contact, cachesSynced: () => cluster.synced() });
  let lastProblem: string | undefined;
  const checkApi = () => {
    const problem = apiHealth();
    readiness.set('api', problem === undefined, problem);
    if (problem !== lastProblem) {
      if (problem === undefined) log.info({}, 'cluster view is fresh again: ready');
      else log.warn({ reason: problem }, `not ready: ${problem}`);
    }
    lastProblem = problem;
  };
  const syncCheck = setInterval(checkApi, API_CHECK_MS);
  if (cluster.synced()) readiness.set('api', true);
  else
    log.error(
      { server: loaded.server, kubeconfig: loaded.source },
      `cannot reach or read the Kubernetes API at ${loaded.server}; ` +
        'the daemon keeps running and retries with backoff (check the kubeconfig context and RBAC)',
    );

  // Reservations carry this run's name, so a successor (or this pod restarted) can tell a leftover from its own.
  const owner = `${identity}@${clock.now().toISOString()}`;
  let round: ChaosRound | undefined;
  const settleLeftovers = () =>
    void round?.settleLeftovers().catch((error: unknown) => {
      log.warn(
        { err: error },
        `settling a previous leader's reservations failed; the next tick retries: ${(error as Error).message}`,
      );
    });
  // Other installs acting where this one does: found by the scope each advertises on its Lease; see docs/installs.md.
  const scope = scopeOf(mark.install, settings.namespaces);
  const lease = { namespace: config.daemon.namespace, name: config.daemon.leaderElection.leaseName };
  const installs = createInstallRegistry({
    kubeConfig,
    labelPrefix: config.labelPrefix,
    scope,
    label: mark.label,
    ...(config.daemon.leaderElection.enabled ? { lease } : {}),
    allowOverlap: config.namespaces.allowOverlap,
    // Lease times are compared with other processes' real times: never simulated.
    clock: systemClock,
    log,
    report: reporter.report,
  });
  await installs.start();
  let elector: LeaderElector | undefined;
  if (config.daemon.leaderElection.enabled) {
    elector = createLeaderElector({
      kubeConfig,
      namespace: config.daemon.namespace,
      leaseName: config.daemon.leaderElection.leaseName,
      identity,
      leaseDurationSeconds: durationSeconds(config.daemon.leaderElection.leaseDuration),
      renewIntervalSeconds: durationSeconds(config.daemon.leaderElection.renewInterval),
      clock: systemClock,
      log,
      report: reporter.report,
      advertise: advertisement(config.labelPrefix, mark.label, scope),
      onChange: (leader) => {
        reporter.report({ type: 'leader', at: clock.now(), leader, identity });
        if (leader) settleLeftovers();
      },
    });
    await elector.start();
  }
  const steadyState = steadyStateGateFromConfig({ config, clock, report: reporter.report });
  // origin + path: user:password in a URL must not reach the log.
  const prometheusUrl =
    config.steadyState.prometheus.url === ''
      ? ''
      : `${new URL(config.steadyState.prometheus.url).origin}${new URL(config.steadyState.prometheus.url).pathname}`;
  if (steadyState)
    log.info(
      { prometheus: prometheusUrl, blockers: config.steadyState.blockers },
      'steady state on real metrics: no chaos while a blocker fires or Prometheus cannot answer',
    );
  // A kill whose answer was lost is followed for as long as its answer was awaited.
  const killing = {
    kubeConfig,
    gracePeriodSeconds: config.pods.gracePeriodSeconds,
    lostAnswerSeconds: durationSeconds(config.kubernetes.writeTimeout),
    clock,
  };
  const evictor = createPodKiller({ ...killing, method: 'evict' });
  round = createChaosRound({
    settings: { ...settings, namespaces: { ...settings.namespaces, claims: installs } },
    cluster,
    clock,
    random: { next: Math.random },
    report: reporter.report,
    owner,
    ...testStopAt(env, log, () => reporter.flush()),
    killer: config.pods.method === 'evict' ? evictor : createPodKiller({ ...killing, method: 'delete' }),
    probe: createHttpProbe({
      timeoutMs: durationSeconds(config.pods.probeTimeout) * 1000,
      prefix: config.labelPrefix,
      rules: settings.policy.probe ?? NO_ALLOW_LIST,
      apiServer: [env.KUBERNETES_SERVICE_HOST ?? '', URL.canParse(loaded.server) ? new URL(loaded.server).hostname : ''],
      log,
    }),
    state,
    podMethod: config.pods.method,
    ...(elector ? { leadership: elector } : {}),
    ...(steadyState ? { steadyState } : {}),
    drainer: createNodeDrainer({
      kubeConfig,
      evictor,
      labelPrefix: config.labelPrefix,
      clock,
      drainTimeoutSeconds: durationSeconds(config.nodes.drainTimeout),
      podEvictionTimeoutSeconds: durationSeconds(config.nodes.podEvictionTimeout),
      deleteEmptyDirData: config.nodes.deleteEmptyDirData,
      evictBarePods: config.nodes.evictBarePods,
      self: settings.self,
      protectedNamespaces: settings.namespaces.protected,
      watchedNodes: () => cluster.watchedNodes() as readonly V1Node[] | undefined,
      mark,
      markedOnly: !config.nodes.enabled,
    }),
  });
  // Before the first tick can kill: every kill series exists at zero (so Prometheus counts the first kill)
  // and the recent kills come back from the persisted history after a restart or a change of leader.
  await round.announceTargets(clock.now()).catch((error: unknown) => {
    log.warn({ err: error }, 'could not announce the targets at start-up; the first tick does it');
  });
  const acting = round;
  const ticker = createCronTicker({
    expression: config.schedule.cron,
    timezone: config.schedule.timezone,
    onTick: (tick) => acting.tick(tick),
    log,
    deadlineMs: durationSeconds(config.schedule.tickDeadline) * 1000,
    // A step of the wall clock re-arms the schedule; it and any slot that never ran are counted and logged.
    clock,
    ...(simulated ? { schedule: simulated.schedule } : {}),
    onClockStep: (step) => reporter.report({ type: 'clock-step', ...step }),
    onMissed: (at) =>
      reporter.report({ type: 'tick', at, outcome: 'missed', eligible: 0, killed: 0, durationMs: 0, dryRun: settings.dryRun }),
  });
  ticker.start();
  if (!elector || elector.isLeader()) settleLeftovers();
  // Give-back does not wait for the next tick: a cron limited to business hours would keep a node cordoned overnight.
  const giveBack = setInterval(() => void acting.giveBack(clock.now()), 30_000);
  log.info({ nextTick: ticker.nextRun(), window: config.schedule }, 'schedule started');
  const neverInWindow = cronWindowWarning(config.schedule.cron, settings.window, clock.now());
  if (neverInWindow) log.warn({ cron: config.schedule.cron, window: config.schedule }, neverInWindow);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(
        { signal },
        'stopping: no new kills; recovery watches are abandoned, drains in progress stop and give their node back, ' +
          'the lease is released',
      );
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  clearInterval(syncCheck);
  clearInterval(giveBack);
  await ticker.stop();
  await acting.stop();
  await elector?.stop();
  await installs.stop();
  await cluster.stop();
  // Messages still queued for Slack are dropped rather than delaying the exit; the one in flight finishes.
  await slack?.close();
  await Promise.race([reporter.flush(), systemClock.sleep(5000)]);
  await server?.close();
  await health?.close();
  log.info({}, 'stopped');
  return 0;
}

/** /kills: not served (off), behind the token of server.killsTokenFile, or open. */
function killsEndpoint(
  server: HavocConfig['server'],
  endpoint: Pick<MetricsServerOptions, 'recentKills'>,
): Pick<MetricsServerOptions, 'recentKills' | 'killsToken'> {
  if (server.kills === 'off') return {};
  if (server.kills === 'open') return endpoint;
  return { ...endpoint, killsToken: () => readFileSync(server.killsTokenFile, 'utf8').trim() };
}

/** Which objects the cluster view watches, from the settings the round decides with: `plan` must see what `run` would. */
function clusterView(
  settings: Settings,
): Pick<KubernetesClusterOptions, 'labelPrefix' | 'kubeMonkey' | 'nodeChaos' | 'zones' | 'namespaces' | 'namespaceLabels'> {
  return {
    labelPrefix: settings.policy.prefix,
    kubeMonkey: settings.policy.kubeMonkey,
    nodeChaos: settings.nodes.enabled,
    zones: settings.keepReadyPerZone > 0,
    namespaces: [...settings.namespaces.include],
    // Namespace labels decide only through namespaces.selector: without one, nothing reads them.
    namespaceLabels: settings.namespaces.selector.requirements.length > 0,
  };
}

/** The namespace of the kubeconfig's current context, when it names one. */
function contextNamespace(kubeConfig: LoadedKubeConfig['kubeConfig']): string | undefined {
  return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
}

/**
 * Test hook of the fault-injection e2e suite (test/e2e/faults.e2e.test.ts,
 * docs/reliability.md): HAVOC_TEST_STOP_AT=reserved or killed makes the
 * process SIGKILL itself at that step of a kill, the way a crashed leader
 * would. Unset in every real deployment; read only here.
 */
function testStopAt(
  env: Env,
  log: Log,
  flush: () => Promise<void>,
): { checkpoint?: (point: 'reserved' | 'killed') => Promise<void> } {
  const at = env.HAVOC_TEST_STOP_AT;
  if (at === undefined || at === '') return {};
  if (at !== 'reserved' && at !== 'killed') throw new Error(`HAVOC_TEST_STOP_AT "${at}" must be reserved or killed`);
  log.warn({ stopAt: at }, `TEST HOOK: this process kills itself with SIGKILL after a kill is ${at}`);
  return {
    checkpoint: async (point) => {
      if (point !== at) return;
      // Announcements already under way (a predecessor's kill) finish first:
      // the suite tests the kill step, not a lost Event write.
      await Promise.race([flush(), systemClock.sleep(5000)]);
      process.kill(process.pid, 'SIGKILL');
    },
  };
}

/**
 * Test hook of the soak benchmark (scripts/bench/soak.ts, docs/scale.md):
 * HAVOC_TEST_SIMULATED_TIME={"start":"<ISO instant>","paceMs":<n>} runs the
 * daemon on simulated time from that start: its clock and its tick schedule
 * jump from one slot of the cron to the next, paceMs of real time after the
 * previous tick ended, so months of business days pass in minutes. Everything
 * else is the real daemon. Leases keep real time. Refused unless
 * HAVOC_TEST_HOOKS=simulated-time is set too, and always refused in a pod.
 * Unset in every real deployment; read only here.
 */
function testSimulatedTime(env: Env, log: Log, loaded: LoadedKubeConfig): { clock: Clock; schedule: Schedule } | undefined {
  const given = env.HAVOC_TEST_SIMULATED_TIME;
  if (given === undefined || given === '') return undefined;
  const refuse = (why: string) => new Error(`HAVOC_TEST_SIMULATED_TIME (a test hook of the soak benchmark): ${why}`);
  if (env.HAVOC_TEST_HOOKS !== 'simulated-time') throw refuse('refused without HAVOC_TEST_HOOKS=simulated-time');
  if (loaded.source === 'in-cluster service account' || (env.KUBERNETES_SERVICE_HOST ?? '') !== '')
    throw refuse('refused in a pod: a chaos daemon in a cluster runs on real time');
  let parsed: { start?: unknown; paceMs?: unknown };
  try {
    parsed = JSON.parse(given) as typeof parsed;
  } catch {
    throw refuse(`"${given}" is not JSON like {"start":"2027-01-04T00:00:00Z","paceMs":100}`);
  }
  const start = new Date(typeof parsed.start === 'string' ? parsed.start : Number.NaN);
  const paceMs = parsed.paceMs;
  // After the real time: pods and records the cluster dated in real time must look past, never ahead.
  if (Number.isNaN(start.getTime()) || start.getTime() <= Date.now())
    throw refuse(`start "${String(parsed.start)}" must be an ISO instant after the real time`);
  if (typeof paceMs !== 'number' || !Number.isInteger(paceMs) || paceMs < 0)
    throw refuse(`paceMs ${String(paceMs)} must be a whole number of milliseconds`);
  log.warn(
    { simulatedTime: { start: start.toISOString(), paceMs } },
    `TEST HOOK: SIMULATED TIME from ${start.toISOString()}, the next slot of the cron ${paceMs} ms after each tick: ` +
      'the budget, window and history run on simulated time. Never use this outside the soak benchmark.',
  );
  const clock = createSimulatedClock(start);
  return { clock, schedule: simulatedSchedule({ clock, paceMs }) };
}

function print(stream: NodeJS.WriteStream, text: string, code: number): number {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
  return code;
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    // Exit explicitly: a watch or socket left open must not keep a stopped daemon alive.
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`kube-havoc: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
