// The secrets the daemon holds, for the one redactor (domain/redactor.ts):
// the Slack webhook URL, the Prometheus bearer token and basic-auth password,
// the /kills token, the pod's ServiceAccount token and the kubeconfig user's
// token or password. Files are read again after `refreshMs`, so a rotated
// token is redacted too; a file that cannot be read is simply not a secret.

import { readFileSync } from 'node:fs';
import type { HavocConfig } from './config.ts';

export const SERVICE_ACCOUNT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface SecretSourceOptions {
  /** Secrets known as values (the kubeconfig user's token or password, once the kubeconfig is loaded). */
  readonly values?: () => readonly (string | undefined)[];
  readonly readFile?: (path: string) => string;
  readonly now?: () => number;
  readonly refreshMs?: number;
  /** Replaces the ServiceAccount token's path (tests). */
  readonly serviceAccountTokenFile?: string;
}

export function configuredSecrets(config: HavocConfig, options: SecretSourceOptions = {}): () => readonly string[] {
  const read = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 60_000;
  const prometheus = config.steadyState.prometheus;
  const files = [
    prometheus.bearerTokenFile,
    prometheus.basicAuthPasswordFile,
    config.server.killsTokenFile,
    options.serviceAccountTokenFile ?? SERVICE_ACCOUNT_TOKEN_FILE,
  ].filter((f) => f !== '');
  const fixed = [config.slack.webhookUrl, urlPassword(prometheus.url)];
  let cached: readonly string[] = [];
  let readAt = -Infinity;
  return () => {
    if (now() - readAt >= refreshMs) {
      readAt = now();
      const values = [...fixed, ...(options.values?.() ?? [])].filter((s): s is string => s !== undefined && s !== '');
      cached = [
        ...values,
        ...files.flatMap((file) => {
          try {
            return [read(file).trim()];
          } catch {
            return [];
          }
        }),
      ];
    }
    return cached;
  };
}

function urlPassword(text: string): string {
  return URL.canParse(text) ? decodeURIComponent(new URL(text).password) : '';
}
