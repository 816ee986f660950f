// Which install a command talks to, who is asking, and the command that
// pauses chaos for an install. Pure: main.ts reads the flags, the config, the
// kubeconfig and the environment and passes them in.

export interface Install {
  readonly namespace: string;
  /** The ConfigMap holding the kill history and the kill switch. */
  readonly stateConfigMap: string;
  /** Where the namespace came from, for messages ("from your kubeconfig context"). */
  readonly namespaceFrom: 'flag' | 'config' | 'kubeconfig context' | 'default';
}

export interface InstallChoice {
  /** -n / --namespace */
  readonly flagNamespace?: string;
  /** --state-configmap */
  readonly flagStateConfigMap?: string;
  /** daemon.namespace after loading config and env (POD_NAMESPACE, HAVOC_DAEMON_NAMESPACE). */
  readonly configNamespace: string;
  /** daemon.namespace with no config and no env: tells an explicit setting from the default. */
  readonly defaultNamespace: string;
  readonly contextNamespace?: string;
  readonly stateConfigMap: string;
}

/**
 * `plan` shows what `run` would do, and `run` acts on daemon.namespace (config, env, else the default):
 * plan never takes the kubeconfig context's namespace. The kill-switch commands may, checked by main.ts.
 */
export function installFor(command: string, choice: InstallChoice): Install {
  if (command !== 'plan') return resolveInstall(choice);
  const { contextNamespace: _ignored, ...rest } = choice;
  return resolveInstall(rest);
}

/** -n beats a namespace set in config or env, which beats the kubeconfig context's, which beats the default. */
export function resolveInstall(choice: InstallChoice): Install {
  const stateConfigMap = choice.flagStateConfigMap ?? choice.stateConfigMap;
  if (choice.flagNamespace !== undefined) return { namespace: choice.flagNamespace, stateConfigMap, namespaceFrom: 'flag' };
  if (choice.configNamespace !== choice.defaultNamespace)
    return { namespace: choice.configNamespace, stateConfigMap, namespaceFrom: 'config' };
  if (choice.contextNamespace !== undefined && choice.contextNamespace !== '')
    return { namespace: choice.contextNamespace, stateConfigMap, namespaceFrom: 'kubeconfig context' };
  return { namespace: choice.defaultNamespace, stateConfigMap, namespaceFrom: 'default' };
}

const KUBECTL_PAUSE = 'havoc/pause="<why>" havoc/paused-by="$USER"';

/**
 * The exact commands that stop all chaos of this install, for Slack and the docs:
 * plain kubectl first (on-call has it at 3 a.m.), then the CLI.
 */
export function pauseCommands(
  install: { readonly namespace: string; readonly stateConfigMap: string },
  defaultStateConfigMap: string,
): readonly string[] {
  const state = install.stateConfigMap === defaultStateConfigMap ? '' : ` --state-configmap ${install.stateConfigMap}`;
  return [
    `kubectl -n ${install.namespace} annotate configmap ${install.stateConfigMap} --overwrite ${KUBECTL_PAUSE}`,
    `kube-havoc pause -n ${install.namespace}${state} --reason "<why>"`,
  ];
}

export interface RequesterChoice {
  readonly by?: string;
  readonly user?: string;
  /** The kubeconfig context's user entry; undefined in a pod (the service account is no person). */
  readonly kubeUser?: string;
  readonly host: string;
}

/**
 * Who pauses or resumes, as the kill switch records it: --by, then the login
 * name, then the kubeconfig user, and the host name (in a pod: the pod's name)
 * only when nothing names a person.
 */
export function requester(choice: RequesterChoice): string {
  for (const name of [choice.by, choice.user, choice.kubeUser]) {
    if (name !== undefined && name.trim() !== '') return name.trim();
  }
  return choice.host;
}
