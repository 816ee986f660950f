// The one Deployment the e2e suite, the benchmark and the self-check create:
// pods selected by app=<name> that land on kwok's fake nodes (no kubelet, so
// the image is never pulled) and go at once when deleted.

import { KWOK_NODE_SELECTOR, KWOK_TOLERATION } from './cluster.ts';

export interface KwokDeploymentOptions {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  /** The app=<value> label its pods are selected by (default: the name; a label value has at most 63 characters). */
  readonly app?: string;
  /** On the Deployment itself, where kube-havoc reads the opt-in and the mtbf. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** On the pod template besides app=<name>: many users copy the opt-in label there too. */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * On the pod template: kwok removes a deleted pod at once, where a kubelet
   * takes its grace period; a finalizer keeps it terminating (with what the
   * API server marked on it) until the test removes it.
   */
  readonly podFinalizers?: readonly string[];
}

/** The manifest as an object: JSON.stringify it for kubectl, or put several in a v1 List. */
export function kwokDeployment(options: KwokDeploymentOptions): object {
  const { namespace, name, replicas, app = name, labels = {}, annotations, podLabels = {}, podFinalizers } = options;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    // JSON.stringify leaves out undefined annotations.
    metadata: { name, namespace, labels, annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, ...podLabels }, finalizers: podFinalizers },
        spec: {
          nodeSelector: KWOK_NODE_SELECTOR,
          tolerations: [KWOK_TOLERATION],
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'app', image: 'example.invalid/app:1' }],
        },
      },
    },
  };
}
