// `npm run demo [-- --duration 60s]`: kube-havoc at work without a cluster of
// your own. Starts a throwaway control plane (the e2e suite's), deploys a small
// shop, runs the daemon LIVE on an accelerated schedule and narrates what it
// does, with its Slack messages caught on 127.0.0.1. Ctrl-C or the duration
// stops everything it started, by PID, and deletes its temporary folder.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseDuration } from '../../src/domain/duration.ts';
import { KUBECTL } from '../../test/e2e/harness/cluster.ts';
import { run } from '../../test/e2e/harness/run.ts';
import { provisionBinaries, startLocalCluster, type LocalCluster } from './localCluster.ts';
import { narrate, paintFor, type DaemonLine } from './narrator.ts';
import { DAEMON_NAMESPACE, SHOP, SHOP_NAMESPACE, demoConfig, shopManifest } from './shop.ts';
import { startSlackReceiver, type SlackReceiver } from './slackReceiver.ts';
import { freePort } from '../../test/e2e/harness/freePort.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');
const USAGE = `Usage: npm run demo [-- --duration 60s]

Starts a throwaway local Kubernetes control plane, deploys a small shop and runs
kube-havoc LIVE against it, a kill every few seconds. Stops with Ctrl-C or after
--duration (e.g. 60s, 5m), and removes everything it started.`;

const paint = paintFor(process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
const say = (line: string) => process.stdout.write(`${paint('bold', 'demo')}  ${line}\n`);
const section = (title: string) => process.stdout.write(`\n${paint('bold', `== ${title}`)}\n`);

function parseCommandLine(): { durationMs?: number } | undefined {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return undefined;
  }
  if (values.duration === undefined) return {};
  const seconds = parseDuration(values.duration);
  if (seconds instanceof Error) throw new Error(`--duration: ${seconds.message}`);
  return { durationMs: seconds * 1000 };
}

/** Resolves with why the demo should stop: Ctrl-C, SIGTERM or the duration, counted from startTimer() (the daemon's start). */
function stopSignal(
  durationMs: number | undefined,
  cleanupNote: () => string,
): { readonly stopped: Promise<string>; requested(): boolean; startTimer(): void } {
  let why: string | undefined;
  let resolve: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((r) => {
    resolve = r;
  });
  const request = (reason: string) => {
    if (why === undefined) {
      why = reason;
      resolve(reason);
      return;
    }
    say(`already stopping (${why}); ${cleanupNote()}`);
  };
  let presses = 0;
  process.on('SIGINT', () => {
    presses += 1;
    if (presses >= 3) process.exit(130); // the exit hook still stops what it can
    request('Ctrl-C');
  });
  process.on('SIGTERM', () => request('SIGTERM'));
  const startTimer = () => {
    if (durationMs !== undefined) setTimeout(() => request(`--duration ${durationMs / 1000}s is over`), durationMs).unref();
  };
  return { stopped, requested: () => why !== undefined, startTimer };
}

/** Processes whose command line names `dir`: what the demo started and must not leave running. */
function processesNaming(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (
        readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir) &&
        !/State:\s+Z/.test(readFileSync(`/proc/${entry}/status`, 'utf8'))
      )
        found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

function startDaemon(
  configFile: string,
  kubeconfig: string,
  counts: Map<string, number>,
): { child: ChildProcess; exited: Promise<number | null> } {
  // Its own process group: Ctrl-C reaches the demo, which stops the daemon itself after reading its metrics.
  const child = spawn(process.execPath, [MAIN, 'run', '--config', configFile, '--kubeconfig', kubeconfig], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      let line: DaemonLine;
      try {
        line = JSON.parse(text) as DaemonLine;
      } catch {
        process.stdout.write(`${text}\n`);
        continue;
      }
      const key =
        line.event === 'kill'
          ? `kill:${String(line.result)}`
          : line.event === 'recovery'
            ? `recovery:${String(line.recovered)}`
            : String(line.event);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const shown = narrate(line, paint);
      if (shown !== undefined) process.stdout.write(`${shown}\n`);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

async function stopDaemon(daemon: { child: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  daemon.child.kill('SIGTERM');
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 15_000);
  await daemon.exited;
  clearTimeout(timer);
}

async function main(): Promise<number> {
  const options = parseCommandLine();
  if (options === undefined) return 0;
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm run demo does)`);
  const root = mkdtempSync(path.join(tmpdir(), 'kube-havoc-demo-'));
  const cleanups: { what: string; run: () => Promise<void> | void }[] = [];
  const stop = stopSignal(options.durationMs, () => `removing ${root} (Ctrl-C once more to abandon it)`);
  let cluster: LocalCluster | undefined;
  let daemonPid: number | undefined;
  // Safety net for an exit that skips the finally below (a third Ctrl-C): stop by PID, synchronously.
  process.once('exit', () => {
    if (daemonPid !== undefined)
      try {
        process.kill(daemonPid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    if (existsSync(root))
      spawnSync('bash', [path.join(ROOT, 'scripts', 'e2e', 'cluster.sh'), 'down', '--purge', path.join(root, 'cluster')], {
        stdio: 'ignore',
        timeout: 30_000,
      });
    rmSync(root, { recursive: true, force: true });
  });
  const counts = new Map<string, number>();
  let status = 0;
  try {
    say(`temporary folder: ${root}`);
    section('1. A throwaway Kubernetes control plane on 127.0.0.1');
    const binDir = await provisionBinaries(say);
    if (stop.requested()) return 130;
    cluster = await startLocalCluster({ binDir, dir: path.join(root, 'cluster'), nodes: 3, say });
    cleanups.push({ what: 'the control plane', run: () => cluster?.stop() });
    const kubeconfig = cluster.kubeconfig;
    const kubectl = async (args: string[], input?: string) =>
      (
        await run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
          ...(input === undefined ? {} : { input }),
          timeoutMs: 180_000,
        })
      ).stdout;
    const started = cluster.pids();

    section('2. A small shop');
    await kubectl(['create', 'namespace', SHOP_NAMESPACE]);
    await kubectl(['create', 'namespace', DAEMON_NAMESPACE]);
    for (
      let i = 0;
      i < 100 && !(await kubectl(['-n', SHOP_NAMESPACE, 'get', 'serviceaccounts', '-o', 'name'])).includes('default');
      i++
    )
      await new Promise((r) => setTimeout(r, 300));
    await kubectl(['apply', '-f', '-'], shopManifest());
    await kubectl(['-n', SHOP_NAMESPACE, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=120s']);
    for (const w of SHOP) {
      const labels =
        Object.entries(w.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || '(no havoc labels)';
      say(
        `${`${SHOP_NAMESPACE}/${w.name}`.padEnd(15)} ${String(w.replicas)} pods  ${labels}\n${' '.repeat(6)}${' '.repeat(24)}${paint('dim', w.role)}`,
      );
    }
    if (stop.requested()) return 130;

    const slack: SlackReceiver = await startSlackReceiver({
      onMessage: (summary) => {
        counts.set('slack', (counts.get('slack') ?? 0) + 1);
        process.stdout.write(
          `${paint('dim', new Date().toISOString().slice(11, 19))}  ${paint('cyan', 'SLACK'.padEnd(10))} ${summary}\n`,
        );
      },
    });
    cleanups.push({ what: 'the Slack receiver', run: () => slack.close() });
    const metricsPort = await freePort();
    const configFile = path.join(root, 'config.yaml');
    writeFileSync(configFile, stringify(demoConfig({ metricsPort, slackUrl: slack.url })));
    // A one-shot command's report is its whole stdout (its log goes to stderr).
    const cli = async (...args: string[]) =>
      (await run(process.execPath, [MAIN, ...args, '--config', configFile, '--kubeconfig', kubeconfig], { timeoutMs: 60_000 }))
        .stdout;

    section('3. `kube-havoc plan`: what chaos would do now (read-only)');
    process.stdout.write(await cli('plan'));

    section('4. `kube-havoc run`, LIVE: a tick every 2 s, MTBFs of seconds');
    const daemon = startDaemon(configFile, kubeconfig, counts);
    daemonPid = daemon.child.pid;
    stop.startTimer();
    cleanups.push({
      what: 'the daemon',
      run: async () => {
        await stopDaemon(daemon);
        daemonPid = undefined;
      },
    });
    say(`config: ${configFile} (dryRun: false, schedule.cron "*/2 * * * * *")`);
    say(`metrics: http://127.0.0.1:${metricsPort}/metrics   Slack webhook: ${slack.url}`);
    say(
      `started by the demo (stopped by PID at the end): ${[...started.map((p) => `${p.name} ${p.pid}`), `kube-havoc ${String(daemon.child.pid)}`].join(', ')}`,
    );
    say(
      options.durationMs === undefined
        ? 'Ctrl-C stops the demo and removes everything it started.'
        : `running for ${options.durationMs / 1000}s (Ctrl-C stops earlier)`,
    );
    const why = await Promise.race([stop.stopped, daemon.exited.then((code) => `the daemon exited (code ${String(code)})`)]);

    section(`5. Stopping: ${why}`);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    const kills = scraped.split('\n').filter((l) => l.startsWith('havoc_kills_total{'));
    if (kills.length > 0) say(`from /metrics, havoc_kills_total:\n${kills.map((l) => `      ${l}`).join('\n')}`);
    await stopDaemon(daemon);
    say('`kube-havoc status`:');
    process.stdout.write(await cli('status'));
    const n = (key: string) => counts.get(key) ?? 0;
    say(
      `summary: ${n('kill:killed')} kills, ${n('kill:blocked')} blocked by a PodDisruptionBudget, ${n('recovery:true')} recovered, ${n('recovery:false')} not recovered, ${n('skip')} skips, ${n('invalid-label')} bad-label warnings, ${n('slack')} Slack messages`,
    );
  } catch (error) {
    status = 1;
    process.stderr.write(`demo: ${(error as Error).message}\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        status = 1;
        process.stderr.write(`demo: stopping ${cleanup.what} failed: ${(error as Error).message}\n`);
      }
    }
    rmSync(root, { recursive: true, force: true });
    const left = processesNaming(root);
    if (left.length > 0) {
      status = 1;
      process.stderr.write(`demo: still running although stopped: PIDs ${left.join(', ')}\n`);
    } else {
      say(`cleaned up: every process the demo started has stopped and ${root} is gone`);
    }
  }
  return stop.requested() && status === 0 ? 0 : status;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
