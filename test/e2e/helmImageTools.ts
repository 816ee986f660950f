// What the image suite needs besides the cluster: podman (with this sandbox's
// runtime limits, see scripts/image/build.sh), Debian's docker-registry (the
// CNCF distribution registry) on a free loopback port, cosign (built by
// scripts/image/cosign.sh) kept to that registry, and in-cluster credentials
// laid out as the kubelet mounts them for a pod.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './harness/cluster.ts';
import { run, type RunResult } from './harness/run.ts';
import { readJsonLines } from './harness/jsonLines.ts';
import { closedPort, freePort } from './harness/freePort.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** podman with the runtime and ulimits this machine needs (not the project's: the chart sets none of them). */
export function podman(args: readonly string[], timeoutMs = 10 * 60_000): Promise<string> {
  const runtime = ['--runtime', 'runc'];
  return run('podman', [...runtime, ...args], { timeoutMs }).then((r) => r.stdout.trim());
}
export const RUN_LIMITS = ['--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];

/** Builds the Dockerfile with scripts/image/build.sh; resolves with the image ID and the seconds it took. */
export async function buildImage(tag: string): Promise<{ id: string; seconds: number }> {
  const started = Date.now();
  const { stdout } = await run('bash', [path.join(ROOT, 'scripts', 'image', 'build.sh'), tag], {
    timeoutMs: 20 * 60_000,
    onStderrLine: (line) => {
      if (/ base: |STEP \d+\/\d+: (FROM|RUN)/.test(line)) process.stderr.write(`${line}\n`);
    },
  });
  return { id: stdout.trim().split('\n').at(-1) ?? '', seconds: (Date.now() - started) / 1000 };
}

export interface Registry {
  /** 127.0.0.1:PORT, plain HTTP. */
  readonly host: string;
  stop(): Promise<void>;
}

/** Starts /usr/bin/docker-registry on a free loopback port with storage in a temporary folder. */
export async function startRegistry(): Promise<Registry> {
  // A port checked free can be taken before the registry binds it: new port, new try.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRegistryOnce();
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test(String((error as Error).message))) throw error;
    }
  }
}

async function startRegistryOnce(): Promise<Registry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "${host}" }`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (b: Buffer) => stderr.push(b.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitFor(async () => gone() || (await fetch(`http://${host}/v2/`)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `docker-registry on ${host}`,
    });
  } catch (error) {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  if (gone()) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`docker-registry on ${host} exited (${child.exitCode}): ${stderr.join('').slice(-500)}`);
  }
  return {
    host,
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
      // The pushed image is some hundred MB.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Cosign {
  /** cosign ARGS; rejects with cosign's stderr on a non-zero exit. */
  run(args: readonly string[]): Promise<RunResult>;
  /** `cosign generate-key-pair` in a folder of its own: the paths of the (password-protected) private key and the public key. */
  keyPair(): Promise<{ key: string; pub: string }>;
}
/** `cosign sign`/`attest` flags for the plain-HTTP loopback registry: no Rekor upload (no transparency log here), no prompt. */
export const COSIGN_SIGN_LOCAL = ['--yes', '--tlog-upload=false', '--allow-insecure-registry'];
/** `cosign verify`/`verify-attestation` flags for it: the signatures carry no Rekor entry to check. */
export const COSIGN_VERIFY_LOCAL = ['--insecure-ignore-tlog=true', '--allow-insecure-registry'];

/**
 * cosign from scripts/image/cosign.sh (built once, then cached), with the key
 * password in COSIGN_PASSWORD, its TUF cache in a temporary folder, and every
 * connection that is not to loopback sent to a refusing port on 127.0.0.1:
 * `cosign verify` looks up Sigstore's TUF repository even with --key, and must
 * fail at once here instead of leaving the machine (it then goes on with the key).
 */
export async function startCosign(): Promise<Cosign> {
  const { stdout } = await run('bash', [path.join(ROOT, 'scripts', 'image', 'cosign.sh')], { timeoutMs: 30 * 60_000 });
  const bin = stdout.trim().split('\n').at(-1) ?? 'cosign';
  const home = mkdtempSync(path.join(tmpdir(), 'havoc-cosign-'));
  const deadProxy = `http://127.0.0.1:${await closedPort()}`;
  const env = {
    ...process.env,
    COSIGN_PASSWORD: randomBytes(16).toString('hex'),
    TUF_ROOT: path.join(home, 'tuf'),
    HTTPS_PROXY: deadProxy,
    HTTP_PROXY: deadProxy,
    NO_PROXY: '',
  };
  const cosign = (args: readonly string[]) => run(bin, args, { env, timeoutMs: 120_000 });
  let pairs = 0;
  return {
    run: cosign,
    async keyPair() {
      const dir = path.join(home, `keys-${++pairs}`);
      mkdirSync(dir);
      await cosign(['generate-key-pair', '--output-key-prefix', path.join(dir, 'cosign')]);
      return { key: path.join(dir, 'cosign.key'), pub: path.join(dir, 'cosign.pub') };
    },
  };
}

/**
 * The folder the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount:
 * token, ca.crt and namespace, readable by any UID (the container's is arbitrary).
 */
export function serviceAccountDir(options: { token: string; caFile: string; namespace: string }): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'havoc-sa-')), 'serviceaccount');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'token'), options.token);
  copyFileSync(options.caFile, path.join(dir, 'ca.crt'));
  writeFileSync(path.join(dir, 'namespace'), options.namespace);
  chmodSync(path.dirname(dir), 0o755);
  chmodSync(dir, 0o755);
  for (const f of ['token', 'ca.crt', 'namespace']) chmodSync(path.join(dir, f), 0o644);
  return dir;
}

export interface LogLine {
  readonly level: string | number;
  readonly msg: string;
  readonly event?: string;
  readonly [key: string]: unknown;
}

export interface Container {
  readonly lines: LogLine[];
  readonly output: string[];
  waitForLine(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** `podman stop` (SIGTERM, then SIGKILL after the grace period); resolves with the exit code and the seconds the stop took. */
  stop(): Promise<{ code: number | null; seconds: number }>;
}

/** `podman run --rm --name NAME ...args` in the foreground, reading the daemon's JSON log lines from its stdout. */
export function startContainer(name: string, args: readonly string[]): Container {
  const child = spawn('podman', ['--runtime', 'runc', 'run', '--rm', '--name', name, ...RUN_LIMITS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const output: string[] = [];
  if (child.stdout)
    readJsonLines<LogLine>(
      child.stdout,
      (line) => lines.push(line),
      (text) => output.push(text),
    );
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    lines,
    output,
    async waitForLine(what, match, timeoutMs = 60_000) {
      let found: LogLine | undefined;
      await waitFor(
        async () => {
          if (child.exitCode !== null)
            throw new Error(`the container exited (${child.exitCode}): ${output.join('').slice(-800)}`);
          found = lines.find(match);
          return found !== undefined;
        },
        {
          timeoutMs,
          intervalMs: 200,
          what: `${what}; the container said: ${lines
            .slice(-5)
            .map((l) => l.msg)
            .join(' | ')} ${output.join('').slice(-500)}`,
        },
      );
      return found as LogLine;
    },
    async stop() {
      const started = Date.now();
      if (child.exitCode === null)
        await run('podman', ['--runtime', 'runc', 'stop', '--time', '10', name], { timeoutMs: 60_000 }).catch(() => undefined);
      const code = await exited;
      return { code, seconds: (Date.now() - started) / 1000 };
    },
  };
}
