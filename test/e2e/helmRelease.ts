// The chart on a real API server: install it with the real helm binary, then
// act as its ServiceAccount through a token from the TokenRequest API, so a
// test (or a locally started daemon) has exactly the rights the chart grants.
// Running the daemon as the chart would (see daemonProcess.ts):
//   startDaemon({ kubeconfig: await chartServiceAccountKubeconfig(cluster, r),
//     config: { ...await installedConfig(cluster, r), server: { host: '127.0.0.1', port: 0, healthPort: 0 } }, env: podEnv(r) })

import { parse as parseYaml } from 'yaml';
import { CHART_DIR, kubeTools } from '../../scripts/tools/helm.ts';
import { tokenKubeconfig, type Cluster } from './harness/cluster.ts';
import { run } from './harness/run.ts';

export interface Release {
  readonly name: string;
  readonly namespace: string;
  /** <release>-kube-havoc, the name of the Deployment, ServiceAccount, Service and Role. */
  readonly fullname: string;
}

export function release(name: string, namespace: string): Release {
  return { name, namespace, fullname: name.includes('kube-havoc') ? name : `${name}-kube-havoc` };
}

/** Runs helm against the cluster; resolves with stdout (for install: the NOTES), rejects with helm's message. */
export async function helm(cluster: Pick<Cluster, 'kubeconfig'>, args: readonly string[]): Promise<string> {
  const { stdout } = await run(kubeTools().helm, [...args, '--kubeconfig', cluster.kubeconfig], { timeoutMs: 120_000 });
  return stdout;
}

/** `helm install` (or upgrade --install) of helm/kube-havoc with --set values. */
export function installChart(
  cluster: Pick<Cluster, 'kubeconfig'>,
  r: Release,
  sets: readonly string[] = [],
  upgrade = false,
): Promise<string> {
  const verb = upgrade ? ['upgrade', r.name, CHART_DIR, '--reuse-values'] : ['install', r.name, CHART_DIR];
  return helm(cluster, [...verb, '--namespace', r.namespace, ...sets.flatMap((s) => ['--set', s])]);
}

/**
 * A kubeconfig that authenticates as the chart's ServiceAccount, with a
 * short-lived token from the TokenRequest API (`kubectl create token`). Use it
 * to run the daemon locally with exactly the chart's RBAC.
 */
export async function chartServiceAccountKubeconfig(cluster: Cluster, r: Release, serviceAccount = r.fullname): Promise<string> {
  const token = (await cluster.kubectl(['-n', r.namespace, 'create', 'token', serviceAccount, '--duration', '1h'])).trim();
  return tokenKubeconfig(cluster, token, `${r.namespace}-${serviceAccount}`);
}

/** The config.yaml the chart installed (its ConfigMap), parsed, for running the daemon with it. */
export async function installedConfig(cluster: Cluster, r: Release): Promise<Record<string, unknown>> {
  const data = await cluster.kubectl([
    '-n',
    r.namespace,
    'get',
    'configmap',
    `${r.fullname}-config`,
    '-o',
    'jsonpath={.data.config\\.yaml}',
  ]);
  return parseYaml(data) as Record<string, unknown>;
}

/**
 * The chart's installed config made live and always open, with 1 s ticks and
 * mtbf and a 6 s Lease, so a scenario sees a kill within seconds instead of
 * waiting for business hours; everything else stays as the chart rendered it.
 */
export function liveConfig(installed: Record<string, unknown>): Record<string, unknown> {
  return {
    ...installed,
    dryRun: false,
    schedule: {
      ...(installed.schedule as object),
      cron: '* * * * * *',
      weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      start: '00:00',
      end: '24:00',
      overnight: false,
      excludedDates: [],
    },
    selection: { ...(installed.selection as object), defaultMtbf: '1s', minPodAge: '1s' },
    // The renewal may not be shorter than a read and two writes: short timeouts for a short lease.
    kubernetes: { ...(installed.kubernetes as object), readTimeout: '3s', writeTimeout: '3s' },
    daemon: {
      ...(installed.daemon as object),
      leaderElection: { enabled: true, leaseName: 'kube-havoc', leaseDuration: '18s', renewInterval: '9s' },
    },
  };
}

/** The environment the chart's Deployment gives the daemon (downward API), for a local process standing in for the pod. */
export function podEnv(r: Release, podName = `${r.fullname}-local`): Record<string, string> {
  return { POD_NAMESPACE: r.namespace, POD_NAME: podName };
}

export interface Access {
  readonly verb: string;
  /** resource[.group], as kubectl auth can-i takes it, e.g. pods, leases.coordination.k8s.io */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export function describe(a: Access): string {
  return `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.name ? ` "${a.name}"` : ''} ${a.namespace ? `in ${a.namespace}` : 'cluster-wide'}`;
}

/** `kubectl auth can-i` as whoever the kubeconfig authenticates: true for yes, false for no. */
export async function canI(kubeconfig: string, a: Access): Promise<boolean> {
  const args = ['--kubeconfig', kubeconfig, 'auth', 'can-i', a.verb, a.name ? `${a.resource}/${a.name}` : a.resource];
  if (a.subresource) args.push('--subresource', a.subresource);
  args.push(...(a.namespace ? ['--namespace', a.namespace] : ['--all-namespaces']));
  try {
    const { stdout } = await run(kubeTools().kubectl, args, { timeoutMs: 30_000 });
    if (stdout.trim() !== 'yes') throw new Error(`kubectl auth can-i said ${JSON.stringify(stdout)}`);
    return true;
  } catch (error) {
    const { code, stdout } = error as { code?: number; stdout?: string };
    if (code === 1 && stdout?.trim() === 'no') return false;
    throw error;
  }
}
