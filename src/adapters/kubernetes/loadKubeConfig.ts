// Where the daemon finds its cluster: an explicit --kubeconfig, the in-cluster
// service account, or $KUBECONFIG / ~/.kube/config. No silent fallback to
// localhost: with none of them there is a clear error instead.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ApiContact } from './apiContact.ts';
import { BoundedKubeConfig, type RequestTimeouts } from './boundedKubeConfig.ts';

export interface KubeConfigChoice {
  readonly file?: string;
  readonly context?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Bound of every request of the clients made from it (kubernetes.readTimeout / writeTimeout). */
  readonly timeouts: RequestTimeouts;
  /** Told whether the API server answers each request and watch (the daemon's readiness); the CLI needs none. */
  readonly contact?: ApiContact;
}

export interface LoadedKubeConfig {
  readonly kubeConfig: BoundedKubeConfig;
  /** Where it came from and which server, for log lines. */
  readonly source: string;
  readonly server: string;
}

export function loadKubeConfig(choice: KubeConfigChoice): LoadedKubeConfig {
  const kubeConfig = new BoundedKubeConfig(choice.timeouts, choice.contact);
  let source: string;
  const envFiles = (choice.env.KUBECONFIG ?? '').split(':').filter((f) => f !== '');
  const home = join(choice.env.HOME ?? homedir(), '.kube', 'config');
  if (choice.file !== undefined) {
    if (!existsSync(choice.file)) throw new Error(`--kubeconfig "${choice.file}" does not exist`);
    kubeConfig.loadFromFile(choice.file);
    source = choice.file;
  } else if (choice.env.KUBERNETES_SERVICE_HOST !== undefined && envFiles.length === 0) {
    kubeConfig.loadFromCluster();
    source = 'in-cluster service account';
  } else if (envFiles.some((f) => existsSync(f)) || existsSync(home)) {
    kubeConfig.loadFromDefault();
    source = envFiles.length > 0 ? `$KUBECONFIG (${envFiles.join(':')})` : home;
  } else {
    const kubeconfigEnv = envFiles.length > 0 ? `"${envFiles.join(':')}" (missing)` : 'unset';
    throw new Error(
      `no cluster to talk to: not running in a pod, $KUBECONFIG is ${kubeconfigEnv}, and ${home} does not exist; ` +
        'pass --kubeconfig FILE or point kubectl at a cluster first',
    );
  }
  if (choice.context !== undefined) {
    if (!kubeConfig.getContexts().some((c) => c.name === choice.context)) {
      throw new Error(
        `--context "${choice.context}" is not in ${source} (contexts: ${
          kubeConfig
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    }
    kubeConfig.setCurrentContext(choice.context);
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error(`${source} has no current cluster (context "${kubeConfig.getCurrentContext()}")`);
  return { kubeConfig, source, server };
}
