// The soak benchmark's simulated time cannot be switched on by accident:
// `kube-havoc run` refuses HAVOC_TEST_SIMULATED_TIME without the explicit test
// flag, in a pod, and with a start that is not after the real time, before it
// sends a single request.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

async function countingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function kubeconfigFor(url: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'havoc-simtime-')), 'kubeconfig');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    }),
  );
  return file;
}

async function run(kubeconfig: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('HAVOC_') && !k.startsWith('KUBERNETES_'));
  const child = spawn(process.execPath, ['dist/main.js', 'run', '--kubeconfig', kubeconfig], {
    env: { ...Object.fromEntries(inherited), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr };
}

const future = JSON.stringify({ start: new Date(Date.now() + 7 * 86_400_000).toISOString(), paceMs: 100 });

for (const [name, env, message] of [
  [
    'without HAVOC_TEST_HOOKS=simulated-time',
    { HAVOC_TEST_SIMULATED_TIME: future },
    /HAVOC_TEST_SIMULATED_TIME \(a test hook of the soak benchmark\): refused without HAVOC_TEST_HOOKS=simulated-time/,
  ],
  [
    'with another test flag',
    { HAVOC_TEST_SIMULATED_TIME: future, HAVOC_TEST_HOOKS: '1' },
    /refused without HAVOC_TEST_HOOKS=simulated-time/,
  ],
  [
    'in a pod',
    { HAVOC_TEST_SIMULATED_TIME: future, HAVOC_TEST_HOOKS: 'simulated-time', KUBERNETES_SERVICE_HOST: '10.96.0.1' },
    /refused in a pod: a chaos daemon in a cluster runs on real time/,
  ],
  [
    'with a start in the past',
    { HAVOC_TEST_SIMULATED_TIME: '{"start":"2020-01-06T00:00:00Z","paceMs":100}', HAVOC_TEST_HOOKS: 'simulated-time' },
    /start "2020-01-06T00:00:00Z" must be an ISO instant after the real time/,
  ],
  [
    'with a pace that is not a whole number',
    { HAVOC_TEST_SIMULATED_TIME: future.replace('100', '"fast"'), HAVOC_TEST_HOOKS: 'simulated-time' },
    /paceMs fast must be a whole number of milliseconds/,
  ],
] as const) {
  test(`simulated time is refused ${name}, before any request`, async (t) => {
    const api = await countingServer();
    t.teardown(api.close);
    const { code, stderr } = await run(kubeconfigFor(api.url), env);
    t.is(code, 1, stderr);
    t.regex(stderr, message);
    t.is(api.connections(), 0, 'nothing was asked of the API server');
  });
}
