// Which Kubernetes the e2e suite ran against: the one provision.sh builds by
// default, or the one HAVOC_E2E_K8S_VERSION asks for (docs: CONTRIBUTING.md,
// "Supported Kubernetes versions"). The API server must say so itself.

import { readFileSync } from 'node:fs';
import test from 'ava';
import { startCluster } from './harness/cluster.ts';

const DEFAULT = /K8S_VERSION=\$\{HAVOC_E2E_K8S_VERSION:-(v[\d.]+)\}/.exec(readFileSync('scripts/e2e/provision.sh', 'utf8'))?.[1];

test('the control plane is the Kubernetes version asked for', async (t) => {
  const wanted = process.env.HAVOC_E2E_K8S_VERSION ?? DEFAULT;
  t.regex(wanted ?? '', /^v1\.\d+\.\d+$/, 'provision.sh names its default version');
  const cluster = await startCluster({ nodes: 0 });
  try {
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as { serverVersion?: { gitVersion?: string } };
    t.is(version.serverVersion?.gitVersion, wanted);
    t.log(`e2e suite against Kubernetes ${String(version.serverVersion?.gitVersion)}`);
  } finally {
    await cluster.stop();
  }
});
