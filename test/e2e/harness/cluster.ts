// A real, kubelet-less Kubernetes control plane on 127.0.0.1 for the e2e tests:
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok with
// fake nodes, run by scripts/e2e/cluster.sh from binaries that
// scripts/e2e/provision.sh builds once and caches outside the repository.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.ts';
import { waitFor } from './wait-for.ts';

export { waitFor } from './wait-for.ts';
export type { WaitForOptions } from './wait-for.ts';

/** kubectl used by the harness (the machine's /usr/bin/kubectl unless HAVOC_E2E_KUBECTL says otherwise). */
export const KUBECTL = process.env.HAVOC_E2E_KUBECTL ?? '/usr/bin/kubectl';
/** Every fake node carries this label; use it as a pod nodeSelector. */
export const KWOK_NODE_SELECTOR: Readonly<Record<string, string>> = { type: 'kwok' };
/** The taint on fake nodes (unless started with taint: false); test pods need this toleration. */
export const KWOK_TOLERATION = { key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' } as const;

export interface StartClusterOptions {
  /** Number of fake kwok nodes, named kwok-node-0 ... (default 3). */
  nodes?: number;
  /** Taint the fake nodes with kwok.x-k8s.io/node=fake:NoSchedule (default true). */
  taint?: boolean;
  /** Limit for provisioning; a cold build takes tens of minutes (default 60 min). */
  provisionTimeoutMs?: number;
  /** Limit for starting the cluster (default 3 min). */
  startTimeoutMs?: number;
  /** Hide the scripts' timestamped progress lines (default: shown unless HAVOC_E2E_QUIET=1). */
  quiet?: boolean;
}

export interface Cluster {
  /** Path of an admin (system:masters) kubeconfig for https://127.0.0.1:PORT. */
  readonly kubeconfig: string;
  /** API server URL, https://127.0.0.1:PORT. */
  readonly server: string;
  /** CA certificate that signed the API server's serving certificate. */
  readonly caFile: string;
  /** State dir: kubeconfig, pki/, logs/<component>.log, pids. */
  readonly dir: string;
  /** Folder with kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok, kwokctl. */
  readonly binDir: string;
  /** Names of the fake nodes. */
  readonly nodes: readonly string[];
  /** Runs kubectl --kubeconfig <kubeconfig> ...args (input on stdin); resolves with stdout, rejects with an Error carrying stderr (killed after 5 min). */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** Creates a namespace and waits for its default ServiceAccount; see createNamespace. */
  createNamespace(name?: string): Promise<string>;
  /** Stops every process this cluster started (reverse order) and deletes `dir` unless HAVOC_E2E_KEEP=1. Safe to call more than once. */
  stop(): Promise<void>;
}

function findScripts(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'scripts', 'e2e');
    if (existsSync(path.join(candidate, 'provision.sh'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('scripts/e2e/provision.sh not found above ' + import.meta.url);
    dir = parent;
  }
}

const SCRIPTS = findScripts();

function progress(quiet: boolean | undefined): ((line: string) => void) | undefined {
  if (quiet ?? process.env.HAVOC_E2E_QUIET === '1') return undefined;
  return (line) => {
    if (/^\d\d:\d\d:\d\d (provision|cluster): /.test(line)) process.stderr.write(line + '\n');
  };
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}

/** Builds or finds the binaries (fast when cached) and resolves with their folder. */
export async function provision(opts: Pick<StartClusterOptions, 'provisionTimeoutMs' | 'quiet'> = {}): Promise<string> {
  const { stdout } = await run('bash', [path.join(SCRIPTS, 'provision.sh')], {
    timeoutMs: opts.provisionTimeoutMs ?? 60 * 60_000,
    onStderrLine: progress(opts.quiet),
  });
  return lastLine(stdout);
}

/** Starts a fresh cluster in a new temporary dir. Call stop() when done (also done on process exit). */
export async function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  const nodes = opts.nodes ?? 3;
  if (!Number.isInteger(nodes) || nodes < 0) throw new Error(`nodes must be a whole number, got ${nodes}`);
  const binDir = await provision(opts);
  const args = [path.join(SCRIPTS, 'cluster.sh'), 'up', '--bin-dir', binDir, '--nodes', String(nodes)];
  if (opts.taint === false) args.push('--no-taint');
  const up = () => run('bash', args, { timeoutMs: opts.startTimeoutMs ?? 3 * 60_000, onStderrLine: progress(opts.quiet) });
  // A port checked free can still be taken before a component binds it; new ports, new try.
  let started: Awaited<ReturnType<typeof up>> | undefined;
  for (let attempt = 1; started === undefined; attempt++) {
    try {
      started = await up();
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test(String((error as Error).message))) throw error;
    }
  }
  const { stdout } = started;
  const kubeconfig = lastLine(stdout);
  const dir = path.dirname(kubeconfig);
  // cluster.sh writes the kubeconfig as JSON.
  const server =
    (JSON.parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] }).clusters[0]?.cluster
      .server ?? '';
  // stop() deletes the cluster dir (logs included) unless HAVOC_E2E_KEEP=1.
  const downArgs = [path.join(SCRIPTS, 'cluster.sh'), 'down', ...(process.env.HAVOC_E2E_KEEP === '1' ? [] : ['--purge']), dir];
  const down = () => run('bash', downArgs, { timeoutMs: 60_000 });
  // Safety net: a test process that exits without stop() still ends the cluster.
  const onExit = () => {
    spawnSync('bash', downArgs, { stdio: 'ignore', timeout: 30_000 });
  };
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  const cluster: Cluster = {
    kubeconfig,
    server,
    caFile: path.join(dir, 'pki', 'ca.crt'),
    dir,
    binDir,
    nodes: Array.from({ length: nodes }, (_, i) => `kwok-node-${i}`),
    async kubectl(kargs, input) {
      const { stdout: out } = await run(KUBECTL, ['--kubeconfig', kubeconfig, ...kargs], {
        ...(input === undefined ? {} : { input }),
        timeoutMs: 5 * 60_000, // room for `kubectl wait --timeout=...`
      });
      return out;
    },
    createNamespace: (name) => createNamespace(cluster, name),
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        await down();
      })();
      return stopping;
    },
  };
  return cluster;
}

/**
 * Creates namespace `name` (default: a fresh "e2e-xxxxxx") and waits until its
 * serviceaccount/default exists, so pods can be created in it. Resolves with the name.
 */
export async function createNamespace(
  cluster: Pick<Cluster, 'kubectl'>,
  name = `e2e-${Math.random().toString(36).slice(2, 8)}`,
  timeoutMs = 30_000,
): Promise<string> {
  await cluster.kubectl(['create', 'namespace', name]);
  await waitFor(() => cluster.kubectl(['-n', name, 'get', 'serviceaccount', 'default', '-o', 'name']), {
    timeoutMs,
    what: `serviceaccount/default in namespace ${name}`,
  });
  return name;
}

/**
 * Writes a kubeconfig that authenticates with `token` only (e.g. from
 * `kubectl create token SA`), for running a process as a ServiceAccount.
 * Returns its path, inside the cluster dir.
 */
export function tokenKubeconfig(cluster: Pick<Cluster, 'server' | 'caFile' | 'dir'>, token: string, name = 'token'): string {
  const file = path.join(cluster.dir, `${name}-${Math.random().toString(36).slice(2, 8)}.kubeconfig`);
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
    users: [{ name, user: { token } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: name } }],
    'current-context': 'e2e',
  };
  writeFileSync(file, JSON.stringify(cfg, null, 1), { mode: 0o600 });
  return file;
}
