// Whether an install's state ConfigMap is there: a pause written into a
// namespace no daemon reads would stop nothing while on-call believes it did.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { isNotFound, toKubernetesError } from './errors.ts';

export async function stateConfigMapExists(options: {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
}): Promise<boolean> {
  try {
    await options.kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ namespace: options.namespace, name: options.name });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw toKubernetesError(error, `read state ConfigMap ${options.namespace}/${options.name}`);
  }
}
