// A real Prometheus (Debian's package, scripts/ci/install-prometheus.sh) for
// integration tests: started on a free 127.0.0.1 port with the given scrape
// targets and rule files, 1 s scrape and evaluation, stopped at teardown (or
// earlier, by the test, to see what the daemon does without it).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import { freePort } from '../../e2e/harness/freePort.ts';

export interface QueryResult {
  status: string;
  error?: string;
  data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

export interface RealPrometheus {
  readonly url: string;
  output(): string;
  query(expr: string): Promise<QueryResult>;
  /** Any other GET of the HTTP API, e.g. /api/v1/label/namespace/values. */
  get(path: string): Promise<unknown>;
  /** Polls until `check` returns a value; fails with the last observation and Prometheus's output. */
  eventually<T>(what: string, check: () => Promise<T | undefined>, seconds?: number): Promise<T>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  readonly targets: readonly string[];
  readonly rules?: string;
  /** The scrape job's name, which queries see as `job` (default app). */
  readonly job?: string;
  /** Labels of every target (as a central Prometheus's external or relabelled `cluster`). */
  readonly labels?: Readonly<Record<string, string>>;
}

export async function startPrometheus(t: ExecutionContext, options: PrometheusOptions): Promise<RealPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'havoc-prometheus-'));
  const port = await freePort();
  const config = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    ...(options.rules === undefined ? [] : ['rule_files: [rules.yml]']),
    'scrape_configs:',
    `  - job_name: ${options.job ?? 'app'}`,
    `    static_configs: [{ targets: [${options.targets.map((target) => `'${target}'`).join(', ')}], labels: ${JSON.stringify(options.labels ?? {})} }]`,
  ];
  writeFileSync(join(dir, 'prometheus.yml'), config.join('\n'));
  if (options.rules !== undefined) writeFileSync(join(dir, 'rules.yml'), options.rules);
  let output = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => {
    output += `\nspawn failed (run scripts/ci/install-prometheus.sh): ${error.message}`;
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(hard);
  };
  t.teardown(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  const prometheus: RealPrometheus = {
    url,
    output: () => output,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      return (await response.json()) as QueryResult;
    },
    async get(path) {
      return (await fetch(`${url}${path}`)).json();
    },
    // 90 s: a bound, not a wait; under five concurrent suites on 2 cores ten 1 s scrapes took more than 30 s.
    async eventually(what, check, seconds = 90) {
      const deadline = Date.now() + seconds * 1000;
      let last: unknown;
      while (Date.now() < deadline) {
        try {
          const value = await check();
          if (value !== undefined) return value;
        } catch (error) {
          last = error;
        }
        await delay(200);
      }
      throw new Error(`${what} did not happen within ${seconds}s (last: ${String(last)}); prometheus said:\n${output}`);
    },
    stop,
  };
  await prometheus.eventually('Prometheus answers', async () =>
    (await prometheus.query('vector(1)')).status === 'success' ? true : undefined,
  );
  return prometheus;
}
