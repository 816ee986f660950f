// The chart against a real API server: `helm install` succeeds (in a namespace
// that enforces the restricted Pod Security Standard), and the chart's
// ServiceAccount, authenticated with a TokenRequest token, can do exactly what
// the daemon needs: `kubectl auth can-i` and real requests say yes to that and
// no to the rest, in cluster mode, with node chaos on and off, and in
// namespaced mode.
import test, { type ExecutionContext } from 'ava';
import { KUBECTL, startCluster, waitFor, type Cluster } from './harness/cluster.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';
import { run } from './harness/run.ts';
import { startDaemon } from './daemonProcess.ts';
import { levelNumber } from '../../src/adapters/log/logger.ts';
import {
  canI,
  chartServiceAccountKubeconfig,
  describe,
  helm,
  installChart,
  installedConfig,
  liveConfig,
  podEnv,
  release,
  type Access,
  type Release,
} from './helmRelease.ts';

let cluster: Cluster;
const clusterMode = release('havoc', 'havoc');
const namespaced = release('scoped', 'havoc-scoped');
let asDaemon = '';
let asScoped = '';

/** kubectl as whoever the kubeconfig authenticates (the harness's cluster.kubectl is the admin). */
async function kubectlAs(kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  const { stdout } = await run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
    timeoutMs: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  return stdout;
}

async function forbidden(kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  try {
    await kubectlAs(kubeconfig, args, input);
  } catch (error) {
    return String((error as Error).message);
  }
  return 'allowed';
}

/** Creates an events.k8s.io/v1 Event as the kubeconfig's user, the way the daemon records one about `regarding`. */
async function recordEventAs(kubeconfig: string, namespace: string, action: string, regarding: object): Promise<void> {
  await kubectlAs(
    kubeconfig,
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { generateName: 'havoc-', namespace },
      eventTime: new Date().toISOString().replace('Z', '000Z'),
      reportingController: 'kube-havoc',
      reportingInstance: 'e2e',
      action,
      reason: 'DryRun',
      type: 'Normal',
      note: 'helm e2e',
      regarding,
    }),
  );
}

test.before(async () => {
  cluster = await startCluster({ nodes: 1 });
  for (const ns of ['shop', 'other']) await cluster.createNamespace(ns);
  await cluster.kubectl(['create', 'namespace', clusterMode.namespace]);
  await cluster.kubectl(['label', 'namespace', clusterMode.namespace, 'pod-security.kubernetes.io/enforce=restricted']);
  await cluster.kubectl(['-n', 'shop', 'create', 'secret', 'generic', 'shop-db', '--from-literal=password=hunter2']);
  await cluster.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify(kwokDeployment({ namespace: 'shop', name: 'checkout', replicas: 1, labels: { 'havoc/enabled': 'true' } })),
  );
});

test.after.always(async () => {
  await cluster?.stop();
});

test.serial(
  'helm install succeeds with the default values, and the pod is admitted under the restricted Pod Security Standard',
  async (t) => {
    const notes = await installChart(cluster, clusterMode, [
      'tolerations[0].key=kwok.x-k8s.io/node',
      'tolerations[0].operator=Exists',
      'tolerations[0].effect=NoSchedule',
    ]);
    t.regex(notes, /STATUS: deployed/);
    t.regex(notes, /DRY-RUN IS ON/);
    t.regex(notes, /label deployment\/<name> havoc\/enabled=true/);
    const status = JSON.parse(await helm(cluster, ['status', clusterMode.name, '-n', clusterMode.namespace, '-o', 'json'])) as {
      info: { status: string };
    };
    t.is(status.info.status, 'deployed');
    // A pod exists only if admission (PodSecurity restricted) let the ReplicaSet create it.
    const pod = await waitFor(
      async () => {
        const out = await cluster.kubectl([
          '-n',
          clusterMode.namespace,
          'get',
          'pods',
          '-l',
          'app.kubernetes.io/instance=havoc',
          '-o',
          'name',
        ]);
        return out.trim() || undefined;
      },
      { timeoutMs: 60_000, what: 'a kube-havoc pod' },
    );
    t.regex(pod, /^pod\/havoc-kube-havoc-/);
    const warnings = await cluster.kubectl([
      '-n',
      clusterMode.namespace,
      'get',
      'events',
      '--field-selector',
      'reason=FailedCreate',
      '-o',
      'name',
    ]);
    t.is(warnings.trim(), '');
    asDaemon = await chartServiceAccountKubeconfig(cluster, clusterMode);
  },
);

const needs: Access[] = [
  { verb: 'list', resource: 'pods' },
  { verb: 'watch', resource: 'pods' },
  { verb: 'get', resource: 'pods', namespace: 'shop' },
  { verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'shop' },
  { verb: 'list', resource: 'deployments.apps' },
  { verb: 'watch', resource: 'statefulsets.apps' },
  { verb: 'list', resource: 'daemonsets.apps' },
  { verb: 'get', resource: 'replicasets.apps', namespace: 'shop' },
  { verb: 'list', resource: 'namespaces' },
  { verb: 'watch', resource: 'namespaces' },
  { verb: 'create', resource: 'events.events.k8s.io', namespace: 'shop' },
  { verb: 'create', resource: 'leases.coordination.k8s.io', namespace: 'havoc' },
  { verb: 'get', resource: 'leases.coordination.k8s.io', name: 'kube-havoc', namespace: 'havoc' },
  { verb: 'update', resource: 'leases.coordination.k8s.io', name: 'kube-havoc', namespace: 'havoc' },
  { verb: 'create', resource: 'configmaps', namespace: 'havoc' },
  { verb: 'get', resource: 'configmaps', name: 'kube-havoc-state', namespace: 'havoc' },
  { verb: 'update', resource: 'configmaps', name: 'kube-havoc-state', namespace: 'havoc' },
  // Give-back of the nodes this install drained runs also with node chaos off.
  { verb: 'list', resource: 'nodes' },
  { verb: 'watch', resource: 'nodes' },
  { verb: 'patch', resource: 'nodes' },
  // Other installs advertise their namespaces on their Leases.
  { verb: 'list', resource: 'leases.coordination.k8s.io' },
  { verb: 'watch', resource: 'leases.coordination.k8s.io' },
  // The history: one ConfigMap per day, read by label, an entry added by merge patch, old days deleted.
  { verb: 'list', resource: 'configmaps', namespace: 'havoc' },
  { verb: 'patch', resource: 'configmaps', name: 'kube-havoc-history-2026-12-04-0', namespace: 'havoc' },
  { verb: 'delete', resource: 'configmaps', name: 'kube-havoc-history-2026-11-04-0', namespace: 'havoc' },
];

const mustNot: Access[] = [
  // pods.method=evict (the default): a delete would bypass the PodDisruptionBudgets.
  { verb: 'delete', resource: 'pods', namespace: 'shop' },
  // Granted only what the code calls: Events are created, the state is read and replaced, the history listed and patched.
  { verb: 'patch', resource: 'events.events.k8s.io', namespace: 'havoc' },
  { verb: 'watch', resource: 'configmaps', namespace: 'havoc' },
  { verb: 'get', resource: 'configmaps', name: 'other-config', namespace: 'havoc' },
  { verb: 'patch', resource: 'configmaps', namespace: 'shop' },
  { verb: 'delete', resource: 'configmaps', namespace: 'shop' },
  { verb: 'list', resource: 'configmaps', namespace: 'shop' },
  { verb: 'delete', resource: 'nodes' },
  { verb: 'update', resource: 'nodes' },
  { verb: 'get', resource: 'secrets', namespace: 'shop' },
  { verb: 'list', resource: 'secrets' },
  { verb: 'get', resource: 'secrets', namespace: 'havoc' },
  { verb: 'create', resource: 'pods', namespace: 'shop' },
  { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop' },
  { verb: 'update', resource: 'deployments.apps', namespace: 'shop' },
  { verb: 'delete', resource: 'deployments.apps', namespace: 'shop' },
  { verb: 'delete', resource: 'namespaces' },
  { verb: 'get', resource: 'configmaps', namespace: 'shop' },
  { verb: 'update', resource: 'configmaps', name: 'other-config', namespace: 'havoc' },
  { verb: 'update', resource: 'leases.coordination.k8s.io', name: 'someone-else', namespace: 'havoc' },
  { verb: 'create', resource: 'leases.coordination.k8s.io', namespace: 'shop' },
  { verb: 'create', resource: 'clusterrolebindings.rbac.authorization.k8s.io' },
  { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'havoc' },
  { verb: 'create', resource: 'events', namespace: 'shop' },
];

test.serial('as the chart ServiceAccount: yes to everything the daemon does', async (t) => {
  for (const access of needs) t.true(await canI(asDaemon, access), describe(access));
});

test.serial(
  'as the chart ServiceAccount: no to deleting or replacing nodes, reading Secrets, creating pods, changing workloads',
  async (t) => {
    for (const access of mustNot) t.false(await canI(asDaemon, access), describe(access));
  },
);

test.serial(
  'real requests with the token: list opted-in workloads and pods, keep state and the lease, evict (server dry run), record an Event; Secrets are refused',
  async (t) => {
    t.regex(
      await kubectlAs(asDaemon, ['get', 'deployments', '-A', '-l', 'havoc/enabled', '-o', 'name']),
      /deployment\.apps\/checkout/,
    );
    const pod = await waitFor(
      async () =>
        (
          await kubectlAs(asDaemon, [
            '-n',
            'shop',
            'get',
            'pods',
            '-l',
            'app=checkout',
            '-o',
            'jsonpath={.items[0].metadata.name}',
          ])
        ).trim() || undefined,
      { what: 'a checkout pod' },
    );
    await kubectlAs(asDaemon, ['-n', 'havoc', 'create', 'configmap', 'kube-havoc-state', '--from-literal=state={}']);
    const stateMap = JSON.parse(
      await kubectlAs(asDaemon, ['-n', 'havoc', 'get', 'configmap', 'kube-havoc-state', '-o', 'json']),
    ) as object;
    await kubectlAs(asDaemon, ['replace', '-f', '-'], JSON.stringify({ ...stateMap, data: { state: 'replaced' } }));
    t.is(
      await kubectlAs(asDaemon, ['-n', 'havoc', 'get', 'configmap', 'kube-havoc-state', '-o', 'jsonpath={.data.state}']),
      'replaced',
    );
    await kubectlAs(
      asDaemon,
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'kube-havoc', namespace: 'havoc' },
        spec: { holderIdentity: 'local', leaseDurationSeconds: 15 },
      }),
    );
    // patch is not granted: the daemon reads and replaces the Lease.
    t.regex(
      await forbidden(asDaemon, [
        '-n',
        'havoc',
        'patch',
        'lease',
        'kube-havoc',
        '--type=merge',
        '-p',
        '{"spec":{"holderIdentity":"x"}}',
      ]),
      /forbidden/i,
    );
    const lease = JSON.parse(await kubectlAs(asDaemon, ['-n', 'havoc', 'get', 'lease', 'kube-havoc', '-o', 'json'])) as object;
    await kubectlAs(
      asDaemon,
      ['replace', '-f', '-'],
      JSON.stringify({ ...lease, spec: { holderIdentity: 'local-2', leaseDurationSeconds: 15 } }),
    );
    t.is(
      await kubectlAs(asDaemon, ['-n', 'havoc', 'get', 'lease', 'kube-havoc', '-o', 'jsonpath={.spec.holderIdentity}']),
      'local-2',
    );
    const eviction = JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: pod, namespace: 'shop' },
      deleteOptions: { dryRun: ['All'] },
    });
    await kubectlAs(
      asDaemon,
      ['create', '--raw', `/api/v1/namespaces/shop/pods/${pod}/eviction?dryRun=All`, '-f', '-'],
      eviction,
    );
    await recordEventAs(asDaemon, 'shop', 'Kill', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'checkout',
    });
    t.regex(await forbidden(asDaemon, ['-n', 'shop', 'get', 'secret', 'shop-db']), /forbidden/i);
    t.regex(await forbidden(asDaemon, ['-n', 'havoc', 'get', 'configmap', `${clusterMode.fullname}-config`]), /forbidden/i);
  },
);

/** Runs the daemon as a local process with a release's installed config and a token kubeconfig; resolves after a kill and its recovery. */
async function runChartDaemon(t: ExecutionContext, kubeconfig: string, r: Release): Promise<void> {
  const installed = await installedConfig(cluster, r);
  const config = {
    ...liveConfig(installed),
    log: { level: 'debug', pretty: false },
    server: { host: '127.0.0.1', port: 0, healthPort: 0 },
  };
  const before = (
    await cluster.kubectl(['-n', 'shop', 'get', 'pods', '-l', 'app=checkout', '-o', 'jsonpath={.items[*].metadata.uid}'])
  ).trim();
  const daemon = startDaemon({ kubeconfig, config, env: podEnv(r) });
  try {
    await daemon.waitForLine(
      "leadership with the chart's Lease rights",
      (l) => l.event === 'leader' && l.leader === true,
      60_000,
    );
    const kill = await daemon.waitForLine("an eviction with the chart's rights", (l) => l.event === 'kill', 60_000);
    t.is(kill.result, 'killed', JSON.stringify(kill));
    const recovery = await daemon.waitForLine('the recovery verdict', (l) => l.event === 'recovery', 90_000);
    t.true(recovery.recovered, JSON.stringify(recovery));
  } finally {
    t.is(await daemon.stop(), 0);
  }
  t.is(
    daemon.lines.filter((l) => levelNumber(l.level) >= 50).length,
    0,
    daemon.lines
      .filter((l) => levelNumber(l.level) >= 50)
      .map((l) => l.msg)
      .join('\n'),
  );
  t.not(
    (
      await cluster.kubectl(['-n', 'shop', 'get', 'pods', '-l', 'app=checkout', '-o', 'jsonpath={.items[*].metadata.uid}'])
    ).trim(),
    before,
  );
}

test.serial(
  "the daemon, authenticated only by the chart's ServiceAccount token and run with the installed config, does its work",
  async (t) => {
    await runChartDaemon(t, asDaemon, clusterMode);
    const events = await cluster.kubectl(['-n', 'shop', 'get', 'events', '--field-selector', 'reason=HavocKilled', '-o', 'name']);
    t.not(events.trim(), '');
  },
);

test.serial(
  'node chaos on (helm upgrade): the account may cordon and drain nodes, still not delete them; off again: only give-back',
  async (t) => {
    await installChart(cluster, clusterMode, ['nodes.enabled=true'], true);
    t.true(((await installedConfig(cluster, clusterMode)) as { nodes: { enabled: boolean } }).nodes.enabled);
    for (const verb of ['get', 'list', 'watch', 'patch'])
      t.true(await canI(asDaemon, { verb, resource: 'nodes' }), `${verb} nodes`);
    t.false(await canI(asDaemon, { verb: 'delete', resource: 'nodes' }), 'delete nodes');
    t.false(await canI(asDaemon, { verb: 'update', resource: 'nodes' }), 'update nodes');
    t.false(await canI(asDaemon, { verb: 'create', resource: 'nodes' }), 'create nodes');
    const node = cluster.nodes[0] ?? '';
    await kubectlAs(asDaemon, [
      'patch',
      'node',
      node,
      '--type=merge',
      '-p',
      '{"metadata":{"annotations":{"havoc/e2e":"drain-state"}}}',
    ]);
    t.regex(await forbidden(asDaemon, ['delete', 'node', node, '--dry-run=server']), /forbidden/i);
    await installChart(cluster, clusterMode, ['nodes.enabled=false'], true);
    // A node drained before the switch is still given back: reading and patching nodes stays, deleting never comes.
    t.true(await canI(asDaemon, { verb: 'patch', resource: 'nodes' }), 'patch nodes after node chaos is off again');
    t.false(await canI(asDaemon, { verb: 'delete', resource: 'nodes' }), 'delete nodes after node chaos is off again');
  },
);

test.serial(
  'namespaced mode: Roles in the listed namespaces only, cluster-wide only node give-back and Leases, namespace labels of the listed namespace only',
  async (t) => {
    await cluster.kubectl(['create', 'namespace', namespaced.namespace]);
    await installChart(cluster, namespaced, ['rbac.namespaces={shop}']);
    asScoped = await chartServiceAccountKubeconfig(cluster, namespaced);
    t.deepEqual(((await installedConfig(cluster, namespaced)) as { namespaces: { include: string[] } }).namespaces.include, [
      'shop',
    ]);
    const yes: Access[] = [
      { verb: 'list', resource: 'pods', namespace: 'shop' },
      { verb: 'watch', resource: 'deployments.apps', namespace: 'shop' },
      { verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'shop' },
      { verb: 'create', resource: 'events.events.k8s.io', namespace: 'shop' },
      { verb: 'create', resource: 'leases.coordination.k8s.io', namespace: namespaced.namespace },
      { verb: 'update', resource: 'configmaps', name: 'kube-havoc-state', namespace: namespaced.namespace },
      { verb: 'patch', resource: 'nodes' },
      { verb: 'watch', resource: 'leases.coordination.k8s.io' },
    ];
    const no: Access[] = [
      { verb: 'list', resource: 'pods' },
      { verb: 'list', resource: 'pods', namespace: 'other' },
      { verb: 'delete', resource: 'pods', namespace: 'other' },
      { verb: 'delete', resource: 'pods', namespace: 'shop' },
      { verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'other' },
      { verb: 'list', resource: 'deployments.apps' },
      { verb: 'list', resource: 'namespaces' },
      { verb: 'create', resource: 'events.events.k8s.io', namespace: 'other' },
      { verb: 'get', resource: 'secrets', namespace: 'shop' },
      { verb: 'delete', resource: 'nodes' },
      { verb: 'update', resource: 'leases.coordination.k8s.io', namespace: 'other' },
      { verb: 'delete', resource: 'pods', namespace: 'havoc' },
    ];
    for (const access of yes) t.true(await canI(asScoped, access), describe(access));
    for (const access of no) t.false(await canI(asScoped, access), describe(access));
    t.is((await kubectlAs(asScoped, ['get', 'namespace', 'shop', '-o', 'name'])).trim(), 'namespace/shop');
    t.regex(await forbidden(asScoped, ['get', 'namespace', 'other']), /forbidden/i);
    t.regex(await forbidden(asScoped, ['get', 'pods', '-A']), /forbidden/i);
  },
);

test.serial(
  'namespaced mode: the daemon with the namespaced account watches only its namespaces and does its work',
  async (t) => {
    await runChartDaemon(t, asScoped, namespaced);
  },
);

test.serial(
  'namespaced mode with node chaos: drains may evict anywhere and node Events go to default, workloads elsewhere stay out of reach',
  async (t) => {
    await installChart(cluster, namespaced, ['nodes.enabled=true'], true);
    t.true(await canI(asScoped, { verb: 'patch', resource: 'nodes' }));
    t.true(await canI(asScoped, { verb: 'list', resource: 'pods' }));
    t.true(await canI(asScoped, { verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'other' }));
    t.true(await canI(asScoped, { verb: 'create', resource: 'events.events.k8s.io', namespace: 'default' }));
    t.false(await canI(asScoped, { verb: 'delete', resource: 'pods', namespace: 'other' }));
    t.false(await canI(asScoped, { verb: 'list', resource: 'deployments.apps', namespace: 'other' }));
    t.false(await canI(asScoped, { verb: 'delete', resource: 'nodes' }));
    const node = cluster.nodes[0] ?? '';
    await recordEventAs(asScoped, 'default', 'Drain', { apiVersion: 'v1', kind: 'Node', name: cluster.nodes[0] ?? '' });
  },
);

test.serial('helm uninstall removes the cluster-scoped RBAC it created', async (t) => {
  const before = await cluster.kubectl(['get', 'clusterroles', '-l', 'app.kubernetes.io/instance=havoc', '-o', 'name']);
  t.regex(before, /clusterrole\.rbac\.authorization\.k8s\.io\/havoc-havoc-kube-havoc/);
  await helm(cluster, ['uninstall', clusterMode.name, '-n', clusterMode.namespace, '--wait']);
  await helm(cluster, ['uninstall', namespaced.name, '-n', namespaced.namespace, '--wait']);
  const left = await cluster.kubectl([
    'get',
    'clusterroles,clusterrolebindings',
    '-l',
    'app.kubernetes.io/name=kube-havoc',
    '-o',
    'name',
  ]);
  t.is(left.trim(), '');
  const roles = await cluster.kubectl([
    'get',
    'roles,rolebindings',
    '-A',
    '-l',
    'app.kubernetes.io/name=kube-havoc',
    '-o',
    'name',
  ]);
  t.is(roles.trim(), '');
});
