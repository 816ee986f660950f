// Runs `kube-havoc run` as a real process (the built dist/main.js on the
// project's Node 24) with a kubeconfig and a config file, and reads its JSON
// log lines, so e2e scenarios watch the daemon the way an operator would.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from './harness/cluster.ts';
import { readJsonLines } from './harness/jsonLines.ts';

export interface LogLine {
  /** "info", "warn", ... (log.format json, the default); levelNumber() compares them. */
  readonly level: string | number;
  readonly msg: string;
  readonly event?: string;
  readonly [key: string]: unknown;
}

/** When a line was written, in epoch ms: ISO times by default (log.format json), epoch ms with log.format pino. */
export function lineTime(line: LogLine): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}

export interface DaemonProcess {
  /** Process id (the benchmark reads its memory and CPU from /proc). */
  readonly pid: number;
  readonly lines: LogLine[];
  readonly stderr: string[];
  /** Resolves with the first log line matching, failing after timeoutMs. */
  waitForLine(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing is cleaned up. */
  kill(): Promise<void>;
  /** Resolves when the process has exited, by itself or not (exit code, or the signal). */
  readonly exited: Promise<number | string | null>;
}

/** Config for e2e: a window that is always open, ticks every second, live kills. */
export function e2eConfig(namespace: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    dryRun: false,
    clusterName: 'e2e',
    schedule: {
      cron: '* * * * * *',
      timezone: 'UTC',
      weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      start: '00:00',
      end: '24:00',
    },
    selection: { defaultMtbf: '1s', minPodAge: '1s', minTimeBetweenKills: '1h' },
    pods: { recoveryTimeout: '2m', recoveryPollInterval: '1s' },
    // Short timeouts, so the renewal may be short too: it may not be shorter than a read and two writes (9 s here).
    kubernetes: { readTimeout: '3s', writeTimeout: '3s' },
    daemon: { namespace, leaderElection: { leaseDuration: '18s', renewInterval: '9s' } },
    // Both listeners off unless a test asks for one (a free port): the defaults bind 0.0.0.0 and would collide.
    server: { host: '127.0.0.1', port: 0, healthHost: '127.0.0.1', healthPort: 0 },
    log: { level: 'debug' },
  };
  return deepMerge(base, over);
}

/** e2e config for node chaos on pods of `ns` only: a drain of the opted-in nodes every tick, given back after 8 s. */
export function nodeChaosConfig(namespace: string, ns: string, nodes: Record<string, unknown> = {}): Record<string, unknown> {
  return e2eConfig(namespace, {
    namespaces: { include: [ns] },
    nodes: {
      enabled: true,
      mtbf: '1s',
      drainDuration: '8s',
      // Shorter than the drain, or the daemon refuses the config: the node is never given back mid-eviction.
      drainTimeout: '7s',
      podEvictionTimeout: '60s',
      minReadyNodes: 1,
      minReadyPercent: 30,
      ...nodes,
    },
  });
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const left = out[k];
    out[k] =
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      typeof left === 'object' &&
      left !== null &&
      !Array.isArray(left)
        ? deepMerge(left as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function startDaemon(options: {
  kubeconfig: string;
  config: Record<string, unknown>;
  name?: string;
  env?: Record<string, string>;
  main?: string;
}): DaemonProcess {
  const server = options.config.server as { port?: unknown; healthPort?: unknown } | undefined;
  if (server?.port === undefined || server.healthPort === undefined)
    throw new Error(
      'an e2e daemon names server.port and server.healthPort (0 or a free port): the defaults, 0.0.0.0:8080 and ' +
        '0.0.0.0:8081, collide between concurrent runs',
    );
  const dir = mkdtempSync(join(tmpdir(), 'havoc-daemon-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(options.config));
  const child: ChildProcess = spawn(
    process.execPath,
    [options.main ?? 'dist/main.js', 'run', '--config', file, '--kubeconfig', options.kubeconfig],
    {
      env: { ...process.env, POD_NAME: options.name ?? 'havoc-e2e', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  if (child.stdout)
    readJsonLines<LogLine>(
      child.stdout,
      (line) => lines.push(line),
      (text) => stderr.push(`stdout: ${text}`),
    );
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const exitedWith = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return {
    pid: child.pid ?? 0,
    lines,
    stderr,
    exited: exitedWith,
    async waitForLine(what, match, timeoutMs = 60_000) {
      let found: LogLine | undefined;
      try {
        await waitFor(
          async () => {
            found = lines.find(match);
            return found !== undefined;
          },
          { timeoutMs, intervalMs: 200, what },
        );
      } catch (error) {
        // What the daemon said by the deadline, not when the wait began.
        const said = `${lines
          .slice(-8)
          .map((l) => l.msg)
          .join(' | ')} ${stderr.join('').slice(-500)}`;
        throw new Error(`${(error as Error).message}; daemon said: ${said}`, { cause: error });
      }
      return found as LogLine;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs body while the daemon runs, then stops the daemon, also when body throws. */
export async function withDaemon<T>(daemon: DaemonProcess, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await daemon.stop();
  }
}
