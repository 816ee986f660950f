// The Helm chart, rendered by the real helm binary: which objects each mode
// produces, the exact RBAC rules, the pod's security settings, and a config
// that the daemon's own loader accepts.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR, runHelm } from '../../scripts/tools/helm.ts';
import { loadConfig } from '../../src/config/load.ts';

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Subject {
  kind: string;
  name: string;
  namespace: string;
}
interface Binding extends K8sObject {
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}
interface Role extends K8sObject {
  rules: Rule[];
}
interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  resources: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface ProjectedSource {
  configMap?: { name: string; items: { key: string; path: string }[] };
  secret?: { name: string; items: { key: string; path: string }[] };
}
interface Deployment extends K8sObject {
  spec: {
    replicas: number;
    template: {
      metadata: { annotations: Record<string, string>; labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        automountServiceAccountToken: boolean;
        securityContext: Record<string, unknown>;
        containers: Container[];
        volumes: { name: string; projected?: { sources: ProjectedSource[] }; emptyDir?: unknown }[];
      };
    };
  };
}

const RELEASE = 'havoc';
const NS = 'havoc';
const FULLNAME = 'havoc-kube-havoc';
const CLUSTER_NAME = 'havoc-havoc-kube-havoc';
const SA: Subject = { kind: 'ServiceAccount', name: FULLNAME, namespace: NS };
const WEBHOOK = 'https://hooks.slack.example/services/T0/B0/secret-token';

/** `helm template` with these --set values (and other flags: -f, --set-json), parsed. */
function template(sets: readonly string[], chartDir = CHART_DIR, flags: readonly string[] = []): K8sObject[] {
  const args = ['template', RELEASE, chartDir, '--namespace', NS, ...flags, ...sets.flatMap((s) => ['--set', s])];
  const result = runHelm(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function ids(objects: readonly K8sObject[]): string[] {
  return objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`).sort();
}

function get<T extends K8sObject>(objects: readonly K8sObject[], kind: string, name: string, namespace?: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
  if (found === undefined) throw new Error(`${kind} ${namespace ?? '-'}/${name} not rendered; have: ${ids(objects).join(', ')}`);
  return found as T;
}

function deploymentOf(objects: readonly K8sObject[]): Deployment {
  return get<Deployment>(objects, 'Deployment', FULLNAME, NS);
}

function containerOf(objects: readonly K8sObject[]): Container {
  const [container] = deploymentOf(objects).spec.template.spec.containers;
  if (container === undefined) throw new Error('no container');
  return container;
}

function configOf(objects: readonly K8sObject[]): Record<string, unknown> {
  const cm = get<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap', `${FULLNAME}-config`, NS);
  return parseYaml(cm.data['config.yaml'] ?? '') as Record<string, unknown>;
}

/** Writes the rendered config where the daemon's loader can read it; a mounted webhook file is replaced by a local one. */
function loadRendered(objects: readonly K8sObject[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-helm-config-'));
  const config = configOf(objects) as { slack: { webhookUrlFile?: string } };
  if (config.slack.webhookUrlFile !== undefined) {
    const local = path.join(dir, 'webhook-url');
    writeFileSync(local, WEBHOOK);
    config.slack.webhookUrlFile = local;
  }
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  return loadConfig({ file, env: { POD_NAMESPACE: NS, POD_NAME: `${FULLNAME}-abc` } });
}

// ---- what the daemon does to workloads in a target namespace -----------------
// pods.method=evict (the default): no pods delete, which would bypass PodDisruptionBudgets.
const TARGET_RULES: Rule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  {
    apiGroups: ['apps'],
    resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
    verbs: ['get', 'list', 'watch'],
  },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
];
const OWN_NAMESPACE_RULES: Rule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-havoc'], verbs: ['get', 'update'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'list', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-havoc-state'], verbs: ['get', 'update'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
];
const NODE_RULE: Rule = { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] };

const MODES: Record<string, string[]> = {
  'default values': [],
  'node chaos on': ['nodes.enabled=true'],
  'namespaced mode': ['rbac.namespaces={shop,payments}'],
  'namespaced mode with node chaos': ['rbac.namespaces={shop,payments}', 'nodes.enabled=true'],
  'Slack from a webhook URL': [`slack.webhookSecret=${WEBHOOK}`],
  'Slack from an existing Secret': ['slack.existingSecret=team-slack', 'slack.existingSecretKey=url'],
  'ServiceMonitor and dashboard on': ['metrics.serviceMonitor.enabled=true', 'dashboard.enabled=true'],
};
const rendered = new Map<string, K8sObject[]>();
function mode(name: keyof typeof MODES & string): K8sObject[] {
  let objects = rendered.get(name);
  if (objects === undefined) {
    objects = template(MODES[name] ?? []);
    rendered.set(name, objects);
  }
  return objects;
}

test('helm lint --strict passes with the default values and with every option on', (t) => {
  for (const sets of [
    [],
    [
      'nodes.enabled=true',
      'rbac.namespaces={shop}',
      'slack.existingSecret=s',
      'metrics.serviceMonitor.enabled=true',
      'dashboard.enabled=true',
      'networkPolicy.enabled=true',
      'networkPolicy.metricsFrom[0].podSelector.matchLabels.app=prometheus',
      'server.kills=token',
      'server.killsToken.existingSecret=kills',
    ],
  ]) {
    const result = runHelm(['lint', '--strict', CHART_DIR, '--namespace', NS, ...sets.flatMap((s) => ['--set', s])]);
    t.is(result.status, 0, result.stdout + result.stderr);
    t.regex(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  }
});

test('default values render the Deployment, its ServiceAccount, cluster-mode RBAC, config and metrics Service, nothing else', (t) => {
  t.deepEqual(ids(mode('default values')), [
    `ClusterRole -/${CLUSTER_NAME}`,
    `ClusterRole -/${CLUSTER_NAME}-installs`,
    `ClusterRole -/${CLUSTER_NAME}-nodes`,
    `ClusterRoleBinding -/${CLUSTER_NAME}`,
    `ClusterRoleBinding -/${CLUSTER_NAME}-installs`,
    `ClusterRoleBinding -/${CLUSTER_NAME}-nodes`,
    `ConfigMap ${NS}/${FULLNAME}-config`,
    `Deployment ${NS}/${FULLNAME}`,
    `Role ${NS}/${FULLNAME}`,
    `RoleBinding ${NS}/${FULLNAME}`,
    `Service ${NS}/${FULLNAME}`,
    `ServiceAccount ${NS}/${FULLNAME}`,
  ]);
});

test('cluster mode: one ClusterRole with exactly the workload rules and namespace reads, bound to the chart ServiceAccount', (t) => {
  const objects = mode('default values');
  t.deepEqual(get<Role>(objects, 'ClusterRole', CLUSTER_NAME).rules, [
    ...TARGET_RULES,
    { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  ]);
  const binding = get<Binding>(objects, 'ClusterRoleBinding', CLUSTER_NAME);
  t.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_NAME });
  t.deepEqual(binding.subjects, [SA]);
});

test('release namespace: the Lease and the state ConfigMap can be read and written only by name', (t) => {
  const objects = mode('default values');
  t.deepEqual(get<Role>(objects, 'Role', FULLNAME, NS).rules, OWN_NAMESPACE_RULES);
  const binding = get<Binding>(objects, 'RoleBinding', FULLNAME, NS);
  t.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: FULLNAME });
  t.deepEqual(binding.subjects, [SA]);
});

test('the history ConfigMaps: create, list, patch and delete in the release namespace only, and no other ConfigMap right', (t) => {
  for (const name of Object.keys(MODES)) {
    const objects = mode(name);
    const rules = objects
      .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
      .flatMap((o) => (o as Role).rules.map((rule) => ({ rule, where: `${o.kind} ${o.metadata.namespace ?? '-'}` })))
      .filter(({ rule }) => rule.resources.includes('configmaps'));
    t.deepEqual(
      rules.map(({ where, rule }) => [where, rule.resourceNames ?? [], rule.verbs]),
      [
        [`Role ${NS}`, [], ['create', 'list', 'patch', 'delete']],
        [`Role ${NS}`, ['kube-havoc-state'], ['get', 'update']],
      ],
      name,
    );
  }
});

test('the names in the release-namespace Role follow the lease and state ConfigMap values; no lease rules without leader election', (t) => {
  const renamed = template(['daemon.leaderElection.leaseName=havoc-leader', 'daemon.stateConfigMap=havoc-state']);
  const rules = get<Role>(renamed, 'Role', FULLNAME, NS).rules;
  t.deepEqual(
    rules.filter((r) => r.resourceNames).map((r) => r.resourceNames),
    [['havoc-leader'], ['havoc-state']],
  );
  const single = template(['daemon.leaderElection.enabled=false']);
  t.false(get<Role>(single, 'Role', FULLNAME, NS).rules.some((r) => r.resources.includes('leases')));
});

test('node chaos on: a separate ClusterRole for nodes only (pods are already covered cluster-wide)', (t) => {
  const objects = mode('node chaos on');
  t.deepEqual(get<Role>(objects, 'ClusterRole', `${CLUSTER_NAME}-nodes`).rules, [NODE_RULE]);
  t.deepEqual(get<Binding>(objects, 'ClusterRoleBinding', `${CLUSTER_NAME}-nodes`).subjects, [SA]);
  t.true((configOf(objects).nodes as { enabled: boolean }).enabled);
});

test('node chaos off: nodes only as far as give-back needs (read and patch), no pods or evictions beyond the targets', (t) => {
  for (const name of ['default values', 'namespaced mode'] as const) {
    t.deepEqual(get<Role>(mode(name), 'ClusterRole', `${CLUSTER_NAME}-nodes`).rules, [NODE_RULE], name);
    t.deepEqual(get<Binding>(mode(name), 'ClusterRoleBinding', `${CLUSTER_NAME}-nodes`).subjects, [SA], name);
  }
  const rules = mode('namespaced mode')
    .filter((o) => o.kind === 'ClusterRole')
    .flatMap((o) => (o as Role).rules);
  t.false(
    rules.some((r) => r.resources.includes('pods') || r.resources.includes('pods/eviction')),
    'no pod rights cluster-wide',
  );
});

test('other installs: Leases may be listed and watched cluster-wide, in every mode, and nothing else through that role', (t) => {
  for (const name of ['default values', 'namespaced mode'] as const) {
    t.deepEqual(
      get<Role>(mode(name), 'ClusterRole', `${CLUSTER_NAME}-installs`).rules,
      [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'watch'] }],
      name,
    );
    t.deepEqual(get<Binding>(mode(name), 'ClusterRoleBinding', `${CLUSTER_NAME}-installs`).subjects, [SA], name);
  }
});

test('namespaced mode: a Role in each listed namespace, no ClusterRole but the nodes give-back, and the daemon only looks there', (t) => {
  const objects = mode('namespaced mode');
  // The only cluster-wide rights: the nodes' give-back and reading other installs' Leases (see above and below).
  t.deepEqual(
    objects
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')
      .map((o) => o.metadata.name)
      .sort(),
    [`${CLUSTER_NAME}-installs`, `${CLUSTER_NAME}-installs`, `${CLUSTER_NAME}-nodes`, `${CLUSTER_NAME}-nodes`],
  );
  for (const ns of ['shop', 'payments']) {
    t.deepEqual(get<Role>(objects, 'Role', CLUSTER_NAME, ns).rules, [
      ...TARGET_RULES,
      { apiGroups: [''], resources: ['namespaces'], resourceNames: [ns], verbs: ['get'] },
    ]);
    const binding = get<Binding>(objects, 'RoleBinding', CLUSTER_NAME, ns);
    t.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CLUSTER_NAME });
    t.deepEqual(binding.subjects, [SA]);
  }
  t.deepEqual(get<Role>(objects, 'Role', FULLNAME, NS).rules, OWN_NAMESPACE_RULES);
  t.deepEqual((configOf(objects).namespaces as { include: string[] }).include, ['shop', 'payments']);
  t.deepEqual(
    (configOf(template(['rbac.namespaces={shop,payments}', 'namespaces.include={shop}'])).namespaces as { include: string[] })
      .include,
    ['shop'],
  );
});

test('namespaced mode with node chaos: draining needs pods and evictions cluster-wide, and node Events go to default', (t) => {
  const objects = mode('namespaced mode with node chaos');
  t.deepEqual(get<Role>(objects, 'ClusterRole', `${CLUSTER_NAME}-nodes`).rules, [
    NODE_RULE,
    { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  ]);
  t.deepEqual(get<Role>(objects, 'Role', `${CLUSTER_NAME}-node-events`, 'default').rules, [
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
  ]);
  t.deepEqual(get<Binding>(objects, 'RoleBinding', `${CLUSTER_NAME}-node-events`, 'default').subjects, [SA]);
});

test('no wildcard, no Secrets, no pod creation, no node deletion in any mode', (t) => {
  for (const name of Object.keys(MODES)) {
    const rules = mode(name)
      .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
      .flatMap((o) => (o as Role).rules);
    t.true(rules.length > 0, name);
    for (const rule of rules) {
      t.false([...rule.apiGroups, ...rule.resources, ...rule.verbs].includes('*'), `${name}: ${JSON.stringify(rule)}`);
      t.false(
        rule.resources.some((r) => r === 'secrets' || r.startsWith('secrets/')),
        `${name}: ${JSON.stringify(rule)}`,
      );
      t.false(rule.resources.includes('pods') && rule.verbs.includes('create'), `${name}: ${JSON.stringify(rule)}`);
      t.false(rule.resources.includes('nodes') && rule.verbs.includes('delete'), `${name}: ${JSON.stringify(rule)}`);
    }
  }
});

test('rbac.create=false renders no RBAC; serviceAccount.create=false binds nothing new and uses the named account', (t) => {
  const objects = template(['rbac.create=false', 'serviceAccount.create=false', 'serviceAccount.name=platform-havoc']);
  t.false(objects.some((o) => /Role/.test(o.kind) || o.kind === 'ServiceAccount'));
  t.is(deploymentOf(objects).spec.template.spec.serviceAccountName, 'platform-havoc');
});

test('the pod is locked down: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp', (t) => {
  const spec = deploymentOf(mode('default values')).spec.template.spec;
  // No UID, GID or fsGroup pinned: OpenShift's restricted-v2 assigns its own, elsewhere the image's numeric user runs.
  t.deepEqual(spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  t.deepEqual(containerOf(mode('default values')).securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  t.is(spec.serviceAccountName, FULLNAME);
  t.true(spec.automountServiceAccountToken);
  t.deepEqual(containerOf(mode('default values')).resources, {
    requests: { cpu: '50m', memory: '192Mi' },
    limits: { memory: '256Mi' },
  });
});

test('the container runs the daemon on the mounted config, knows its pod and namespace, and is probed on /healthz and /readyz', (t) => {
  const objects = mode('default values');
  const container = containerOf(objects);
  t.is(container.image, 'ghcr.io/kube-havoc/kube-havoc:0.1.0');
  t.deepEqual(container.args, ['run', '--config', '/etc/kube-havoc/config.yaml']);
  t.deepEqual(container.env, [
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ]);
  t.deepEqual(container.ports, [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'health', containerPort: 8081, protocol: 'TCP' },
  ]);
  t.like(container.livenessProbe, { httpGet: { path: '/healthz', port: 'health' } });
  t.like(container.readinessProbe, { httpGet: { path: '/readyz', port: 'health' } });
  t.deepEqual(container.volumeMounts, [
    { name: 'config', mountPath: '/etc/kube-havoc', readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ]);
  t.deepEqual(deploymentOf(objects).spec.template.spec.volumes.find((v) => v.name === 'config')?.projected?.sources, [
    { configMap: { name: `${FULLNAME}-config`, items: [{ key: 'config.yaml', path: 'config.yaml' }] } },
  ]);
  t.is(deploymentOf(objects).spec.replicas, 1);
  const service = get<K8sObject & { spec: { ports: unknown[]; selector: Record<string, string> } }>(
    objects,
    'Service',
    FULLNAME,
    NS,
  );
  t.deepEqual(
    service.spec.ports,
    [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }],
    'the probes are not in it',
  );
  t.like(deploymentOf(objects).spec.template.metadata.labels, service.spec.selector);
});

test('server.port and server.healthPort move the container ports; the probes follow the named health port; a digest replaces the tag', (t) => {
  const objects = template([
    'server.port=9090',
    'server.healthPort=9091',
    'image.digest=sha256:' + 'a'.repeat(64),
    'image.tag=ignored',
  ]);
  t.deepEqual(containerOf(objects).ports, [
    { name: 'http', containerPort: 9090, protocol: 'TCP' },
    { name: 'health', containerPort: 9091, protocol: 'TCP' },
  ]);
  t.like(containerOf(objects).livenessProbe, { httpGet: { port: 'health' } });
  t.like(containerOf(objects).readinessProbe, { httpGet: { port: 'health' } });
  t.like(configOf(objects).server, { host: '0.0.0.0', port: 9090, healthHost: '0.0.0.0', healthPort: 9091 });
  t.like(loadRendered(objects).server, { port: 9090, healthPort: 9091 });
  t.is(containerOf(objects).image, `ghcr.io/kube-havoc/kube-havoc@sha256:${'a'.repeat(64)}`);
});

test('upgrades: a values file from before the health port, with only server.port, installs and probes the health port', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-helm-old-values-'));
  writeFileSync(path.join(dir, 'values.yaml'), 'server:\n  port: 9090\n  kills: "off"\n');
  const objects = template([], CHART_DIR, ['-f', path.join(dir, 'values.yaml')]);
  t.deepEqual(
    containerOf(objects).ports.map((p) => [p.name, p.containerPort]),
    [
      ['http', 9090],
      ['health', 8081],
    ],
  );
  t.like(containerOf(objects).readinessProbe, { httpGet: { path: '/readyz', port: 'health' } });
  t.like(loadRendered(objects).server, { port: 9090, healthPort: 8081 });
});

test("the rendered config is accepted by the daemon's own config loader, in every mode", (t) => {
  for (const name of Object.keys(MODES)) {
    const config = loadRendered(mode(name));
    t.true(config.dryRun, name);
    t.is(config.daemon.namespace, NS, name);
    t.is(config.server.host, '0.0.0.0', name);
  }
  t.true(loadRendered(mode('node chaos on')).nodes.enabled);
  t.is(loadRendered(mode('Slack from a webhook URL')).slack.webhookUrl, WEBHOOK);
});

test('config values pass through to config.yaml unchanged', (t) => {
  const config = configOf(
    template([
      'dryRun=false',
      'clusterName=prod-eu',
      'labelPrefix=chaos.example.com',
      'schedule.timezone=Europe/Berlin',
      'schedule.weekdays={mon,wed}',
      'schedule.excludedDates={2026-12-24}',
      'blastRadius.maxKillsPerDay=4',
      'pods.method=delete',
      'pods.gracePeriodSeconds=10',
      'log.level=debug',
      'compat.kubeMonkey=true',
    ]),
  );
  t.like(config, {
    dryRun: false,
    clusterName: 'prod-eu',
    labelPrefix: 'chaos.example.com',
    schedule: { timezone: 'Europe/Berlin', weekdays: ['mon', 'wed'], excludedDates: ['2026-12-24'], cron: '*/10 * * * *' },
    blastRadius: { maxKillsPerDay: 4, maxKillsPerTick: 1 },
    pods: { method: 'delete', gracePeriodSeconds: 10 },
    log: { level: 'debug' },
    compat: { kubeMonkey: true },
  });
  t.false('namespace' in (config.daemon as object), 'daemon.namespace comes from POD_NAMESPACE');
});

test('Slack from a webhook URL: a Secret, mounted as the file the config names; the URL is nowhere else', (t) => {
  const objects = mode('Slack from a webhook URL');
  const secret = get<K8sObject & { data: Record<string, string> }>(objects, 'Secret', `${FULLNAME}-slack`, NS);
  t.is(Buffer.from(secret.data['webhook-url'] ?? '', 'base64').toString(), WEBHOOK);
  t.is((configOf(objects).slack as { webhookUrlFile: string }).webhookUrlFile, '/etc/kube-havoc/slack/webhook-url');
  const deployment = deploymentOf(objects);
  t.deepEqual(deployment.spec.template.spec.volumes.find((v) => v.name === 'config')?.projected?.sources[1], {
    secret: { name: `${FULLNAME}-slack`, items: [{ key: 'webhook-url', path: 'slack/webhook-url' }] },
  });
  const withoutSecret = objects.filter((o) => o.kind !== 'Secret');
  t.false(JSON.stringify(withoutSecret).includes('secret-token'));
  t.truthy(deployment.spec.template.metadata.annotations['checksum/slack']);
});

test('Slack from an existing Secret: no Secret rendered, its key mounted as the webhook file', (t) => {
  const objects = mode('Slack from an existing Secret');
  t.false(objects.some((o) => o.kind === 'Secret'));
  t.deepEqual(deploymentOf(objects).spec.template.spec.volumes.find((v) => v.name === 'config')?.projected?.sources[1], {
    secret: { name: 'team-slack', items: [{ key: 'url', path: 'slack/webhook-url' }] },
  });
  t.is((configOf(objects).slack as { webhookUrlFile: string }).webhookUrlFile, '/etc/kube-havoc/slack/webhook-url');
});

test('without Slack the config names no webhook file and nothing is mounted for it', (t) => {
  const objects = mode('default values');
  t.false('webhookUrlFile' in (configOf(objects).slack as object));
  t.is(deploymentOf(objects).spec.template.spec.volumes.find((v) => v.name === 'config')?.projected?.sources.length, 1);
});

test('a config change changes the pod template checksum, so the pods restart with it', (t) => {
  const before = deploymentOf(mode('default values')).spec.template.metadata.annotations['checksum/config'];
  const after = deploymentOf(template(['blastRadius.maxKillsPerDay=5'])).spec.template.metadata.annotations['checksum/config'];
  t.regex(before ?? '', /^[0-9a-f]{64}$/);
  t.not(before, after);
});

test('ServiceMonitor: scrapes /metrics on the Service port of this release, with extra labels', (t) => {
  const objects = template([
    'metrics.serviceMonitor.enabled=true',
    'metrics.serviceMonitor.labels.release=prometheus',
    'metrics.serviceMonitor.interval=1m',
  ]);
  const monitor = get<K8sObject & { spec: unknown }>(objects, 'ServiceMonitor', FULLNAME, NS);
  t.is(monitor.apiVersion, 'monitoring.coreos.com/v1');
  t.is(monitor.metadata.labels?.release, 'prometheus');
  t.deepEqual(monitor.spec, {
    // The job is the chart name, whatever the release is called: the PrometheusRule's alerts select it.
    jobLabel: 'app.kubernetes.io/name',
    namespaceSelector: { matchNames: [NS] },
    selector: { matchLabels: { 'app.kubernetes.io/name': 'kube-havoc', 'app.kubernetes.io/instance': RELEASE } },
    // honorLabels keeps the daemon's own namespace label, which the dashboard filters on.
    endpoints: [{ port: 'http', path: '/metrics', honorLabels: true, interval: '1m', scrapeTimeout: '10s' }],
  });
  t.false(mode('default values').some((o) => o.kind === 'ServiceMonitor'));
});

test("dashboard ConfigMap: the chart's dashboard JSON, labelled for the Grafana sidecar, in a chosen namespace", (t) => {
  const chartCopy = readFileSync(path.join(CHART_DIR, 'dashboards', 'kube-havoc.json'), 'utf8');
  const onDefault = get<K8sObject & { data: Record<string, string> }>(
    mode('ServiceMonitor and dashboard on'),
    'ConfigMap',
    `${FULLNAME}-dashboard`,
    NS,
  );
  t.is(onDefault.metadata.labels?.grafana_dashboard, '1');
  t.deepEqual(JSON.parse(onDefault.data['kube-havoc.json'] ?? ''), JSON.parse(chartCopy));
  const custom = template([
    'dashboard.enabled=true',
    'dashboard.namespace=monitoring',
    'dashboard.sidecarLabel=grafana_dash',
    'dashboard.sidecarLabelValue=yes',
  ]);
  const moved = get<K8sObject>(custom, 'ConfigMap', `${FULLNAME}-dashboard`, 'monitoring');
  t.is(moved.metadata.labels?.grafana_dash, 'yes');
  t.false(mode('default values').some((o) => o.metadata.name.endsWith('-dashboard')));
});

test("the chart's dashboard is the same file as dashboards/kube-havoc.json", (t) => {
  const original = path.join(CHART_DIR, '..', '..', 'dashboards', 'kube-havoc.json');
  t.true(existsSync(original), `${original} is missing`);
  t.is(
    readFileSync(path.join(CHART_DIR, 'dashboards', 'kube-havoc.json'), 'utf8'),
    existsSync(original) ? readFileSync(original, 'utf8') : '',
    'copy dashboards/kube-havoc.json to helm/kube-havoc/dashboards/kube-havoc.json',
  );
});

/** NOTES.txt as `helm install` prints it (helm template does not render it, so a copy of the chart renders it into a ConfigMap). */
function notes(sets: readonly string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-helm-notes-'));
  const chart = path.join(dir, 'kube-havoc');
  cpSync(CHART_DIR, chart, { recursive: true });
  cpSync(path.join(chart, 'templates', 'NOTES.txt'), path.join(chart, 'notes', 'NOTES.txt'));
  writeFileSync(
    path.join(chart, 'templates', 'notes-under-test.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: {{ tpl (.Files.Get "notes/NOTES.txt") . | quote }}\n',
  );
  const objects = template(sets, chart);
  return get<K8sObject & { data: { notes: string } }>(objects, 'ConfigMap', 'notes-under-test').data.notes;
}

test('NOTES say that dry-run is on, how to opt a workload in, where the metrics are and how to pause', (t) => {
  const text = notes([]);
  t.regex(text, /DRY-RUN IS ON/);
  t.regex(text, /--set dryRun=false/);
  t.regex(text, /kubectl -n <namespace> label deployment\/<name> havoc\/enabled=true/);
  t.regex(text, new RegExp(`http://${FULLNAME}\\.${NS}\\.svc:8080/metrics`));
  t.regex(
    text,
    new RegExp(
      `kubectl -n ${NS} exec deployment/${FULLNAME} -- node dist/main.js pause --config /etc/kube-havoc/config.yaml --reason`,
    ),
  );
  t.regex(text, /Node chaos is off/);
  const live = notes(['dryRun=false', 'nodes.enabled=true', 'labelPrefix=chaos', 'rbac.namespaces={shop}']);
  t.regex(live, /DRY-RUN IS OFF/);
  t.notRegex(live, /DRY-RUN IS ON/);
  t.regex(live, /label deployment\/<name> chaos\/enabled=true/);
  t.regex(live, /kubectl label node\/<name> chaos\/enabled=true/);
  t.regex(live, /only workloads in shop are considered/);
  t.notRegex(text, /Alerts: PrometheusRule/);
});

test('NOTES name the image that runs (by digest when one is set) and the PrometheusRule when it is on', (t) => {
  t.regex(notes([]), /^Image: ghcr\.io\/kube-havoc\/kube-havoc:0\.1\.0$/m);
  const digest = `sha256:${'a'.repeat(64)}`;
  const text = notes([`image.digest=${digest}`, 'prometheusRule.enabled=true']);
  t.regex(text, new RegExp(`^Image: ghcr\\.io/kube-havoc/kube-havoc@${digest}$`, 'm'));
  t.regex(
    text,
    new RegExp(
      `Alerts: PrometheusRule ${NS}/${FULLNAME} \\(HavocKillNotRecovered, HavocNoLeader, HavocPausedForADay, HavocNotificationsLost, HavocTicksMissed, HavocClockStepped, HavocStateFull\\)`,
    ),
  );
});

test('security contexts are values: an OpenShift-style override replaces them, and the config volume is readable by any UID', (t) => {
  const objects = template([
    'podSecurityContext.runAsNonRoot=true',
    'podSecurityContext.runAsUser=1000770000',
    'podSecurityContext.fsGroup=1000770000',
    'containerSecurityContext.readOnlyRootFilesystem=true',
    'containerSecurityContext.capabilities.drop[0]=ALL',
  ]);
  const spec = deploymentOf(objects).spec.template.spec;
  t.like(spec.securityContext, { runAsNonRoot: true, runAsUser: 1000770000, fsGroup: 1000770000 });
  t.like(containerOf(objects).securityContext, { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  const config = deploymentOf(mode('default values')).spec.template.spec.volumes.find((v) => v.name === 'config') as {
    projected?: { defaultMode?: number };
  };
  t.is(config.projected?.defaultMode, 0o444);
});

test("extraEnvVars, extraVolumes and extraVolumeMounts reach the pod after the chart's own (a proxy for Slack, a corporate CA)", (t) => {
  const objects = template([
    'extraEnvVars[0].name=HTTPS_PROXY',
    'extraEnvVars[0].value=http://proxy.example:3128',
    'extraEnvVars[1].name=NODE_EXTRA_CA_CERTS',
    'extraEnvVars[1].value=/etc/corporate-ca/ca.crt',
    'extraVolumes[0].name=corporate-ca',
    'extraVolumes[0].configMap.name=corporate-ca',
    'extraVolumeMounts[0].name=corporate-ca',
    'extraVolumeMounts[0].mountPath=/etc/corporate-ca',
    'extraVolumeMounts[0].readOnly=true',
  ]);
  const container = containerOf(objects);
  t.deepEqual(
    container.env.map((e) => e.name),
    ['POD_NAMESPACE', 'POD_NAME', 'HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS'],
  );
  t.deepEqual(container.volumeMounts.at(-1), { name: 'corporate-ca', mountPath: '/etc/corporate-ca', readOnly: true });
  t.deepEqual(deploymentOf(objects).spec.template.spec.volumes.at(-1), {
    name: 'corporate-ca',
    configMap: { name: 'corporate-ca' },
  } as never);
  const bad = runHelm(['template', RELEASE, CHART_DIR, '--set', 'extraVolumeMounts[0].name=x']);
  t.not(bad.status, 0);
  t.regex(bad.stderr, /extraVolumeMounts\.0: mountPath is required/);
});

// ---- endpoints: who may reach the daemon's port, and what it serves ---------
interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: { from: unknown[]; ports: { port: string; protocol: string }[] }[];
  };
}

test('NetworkPolicy: off by default; on, /metrics and /kills only from metricsFrom, the probes only on the health port', (t) => {
  t.false(mode('default values').some((o) => o.kind === 'NetworkPolicy'));
  const objects = template([
    'networkPolicy.enabled=true',
    'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring',
    'networkPolicy.metricsFrom[0].podSelector.matchLabels.app\\.kubernetes\\.io/name=prometheus',
    'metrics.serviceMonitor.enabled=true',
    'server.port=9090',
  ]);
  const policy = get<NetworkPolicy>(objects, 'NetworkPolicy', FULLNAME, NS);
  t.is(policy.apiVersion, 'networking.k8s.io/v1');
  t.deepEqual(policy.spec, {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kube-havoc', 'app.kubernetes.io/instance': RELEASE } },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ port: 'http', protocol: 'TCP' }],
      },
      {
        // The kubelet probes from the node, which no selector names: by default any address, on the health port only.
        from: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }],
        ports: [{ port: 'health', protocol: 'TCP' }],
      },
    ],
  });
  // The policy's selector picks the Deployment's pods, and its named ports are the probes' and the Service's and ServiceMonitor's.
  const deployment = deploymentOf(objects);
  t.deepEqual(deployment.spec.template.metadata.labels, {
    ...deployment.spec.template.metadata.labels,
    ...policy.spec.podSelector.matchLabels,
  });
  t.deepEqual(containerOf(objects).ports, [
    { name: 'http', containerPort: 9090, protocol: 'TCP' },
    { name: 'health', containerPort: 8081, protocol: 'TCP' },
  ]);
  t.like(containerOf(objects).livenessProbe, { httpGet: { path: '/healthz', port: 'health' } });
  t.like(containerOf(objects).readinessProbe, { httpGet: { path: '/readyz', port: 'health' } });
  const service = get<K8sObject & { spec: { ports: { targetPort: string }[] } }>(objects, 'Service', FULLNAME, NS);
  t.deepEqual(
    service.spec.ports.map((p) => p.targetPort),
    ['http'],
    'the Service carries the metrics port only',
  );
  const monitor = get<K8sObject & { spec: { endpoints: { port: string }[] } }>(objects, 'ServiceMonitor', FULLNAME, NS);
  t.is(monitor.spec.endpoints[0]?.port, 'http');
  t.like(
    configOf(objects).server,
    { host: '0.0.0.0', port: 9090, healthHost: '0.0.0.0', healthPort: 8081 },
    'the ServiceMonitor scrapes and the kubelet probes the pod IP, each on its own port',
  );
  const probesOnly = get<NetworkPolicy>(template(['networkPolicy.enabled=true']), 'NetworkPolicy', FULLNAME, NS);
  t.deepEqual(
    probesOnly.spec.ingress.map((rule) => rule.ports),
    [[{ port: 'health', protocol: 'TCP' }]],
    'no metricsFrom: nothing reaches /metrics or /kills, the probes still pass',
  );
  const nodes = template([
    'networkPolicy.enabled=true',
    'networkPolicy.healthFrom[0].ipBlock.cidr=10.0.0.0/24',
    'networkPolicy.metricsFrom[0].podSelector.matchLabels.app=prometheus',
  ]);
  t.deepEqual(get<NetworkPolicy>(nodes, 'NetworkPolicy', FULLNAME, NS).spec.ingress, [
    { from: [{ podSelector: { matchLabels: { app: 'prometheus' } } }], ports: [{ port: 'http', protocol: 'TCP' }] },
    { from: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ port: 'health', protocol: 'TCP' }] },
  ]);
  const closed = get<NetworkPolicy>(
    template(['networkPolicy.enabled=true'], CHART_DIR, ['--set-json', 'networkPolicy.healthFrom=[]']),
    'NetworkPolicy',
    FULLNAME,
    NS,
  );
  t.deepEqual(
    closed.spec.ingress,
    [],
    'no peers named at all: no ingress rule (the probes pass only where the CNI admits node traffic)',
  );
});

test('/kills: off by default; with a token, the Secret is mounted as the file config.yaml names and the loader accepts it', (t) => {
  t.like(configOf(mode('default values')).server, { host: '0.0.0.0', port: 8080, healthPort: 8081, kills: 'off' });
  t.false('killsTokenFile' in (configOf(mode('default values')).server as object));
  const objects = template([
    'server.kills=token',
    'server.killsToken.existingSecret=kills-auth',
    'server.killsToken.existingSecretKey=bearer',
  ]);
  const server = configOf(objects).server as { kills: string; killsTokenFile: string };
  t.deepEqual(server, {
    host: '0.0.0.0',
    port: 8080,
    healthHost: '0.0.0.0',
    healthPort: 8081,
    kills: 'token',
    killsTokenFile: '/etc/kube-havoc/server/kills-token',
  });
  const sources = deploymentOf(objects).spec.template.spec.volumes.find((v) => v.name === 'config')?.projected?.sources ?? [];
  t.true(
    sources.some(
      (s) =>
        s.secret?.name === 'kills-auth' && s.secret.items[0]?.key === 'bearer' && s.secret.items[0].path === 'server/kills-token',
    ),
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-helm-kills-'));
  writeFileSync(path.join(dir, 'kills-token'), 'a-token\n');
  const config = configOf(objects) as { server: { killsTokenFile: string } };
  config.server.killsTokenFile = path.join(dir, 'kills-token');
  writeFileSync(path.join(dir, 'config.yaml'), stringify(config));
  t.is(loadConfig({ file: path.join(dir, 'config.yaml'), env: { POD_NAMESPACE: NS } }).server.kills, 'token');
  t.like(configOf(template(['server.kills=open'])).server, { kills: 'open' });
  const refused = runHelm(['template', RELEASE, CHART_DIR, '--namespace', NS, '--set', 'server.kills=token']);
  t.not(refused.status, 0);
  t.regex(refused.stderr, /server\.kills is token but server\.killsToken\.existingSecret is empty/);
});

test('the probe allow-list passes through to config.yaml and the loader accepts it', (t) => {
  const objects = template(['pods.probeAllowHosts={*.shared.svc.cluster.local}', 'pods.probeAllowCidrs={10.0.0.0/8}']);
  t.like(configOf(objects).pods, { probeAllowHosts: ['*.shared.svc.cluster.local'], probeAllowCidrs: ['10.0.0.0/8'] });
  t.deepEqual(loadRendered(objects).pods.probeAllowCidrs, ['10.0.0.0/8']);
});

const podRules = (objects: readonly K8sObject[]) =>
  objects
    .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
    .flatMap((o) => (o as Role).rules.map((r) => ({ role: `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`, ...r })))
    .filter((r) => r.apiGroups.includes('') && r.resources.includes('pods'));

test('RBAC by method: evict (the default) grants no pods delete anywhere; pods.method=delete grants it where victims are', (t) => {
  for (const [name, sets] of [
    ['cluster mode', []],
    ['namespaced mode', ['rbac.namespaces={shop,payments}']],
    ['node chaos', ['nodes.enabled=true']],
  ] as const) {
    const evict = podRules(template(sets));
    t.true(evict.length > 0, name);
    t.deepEqual(
      evict.filter((r) => r.verbs.includes('delete')),
      [],
      `${name}, pods.method=evict`,
    );
    const deleting = podRules(template([...sets, 'pods.method=delete'])).filter((r) => r.verbs.includes('delete'));
    t.deepEqual(
      deleting.map((r) => r.role).sort(),
      name === 'namespaced mode'
        ? [`Role payments/${CLUSTER_NAME}`, `Role shop/${CLUSTER_NAME}`]
        : [`ClusterRole -/${CLUSTER_NAME}`],
      `${name}, pods.method=delete`,
    );
  }
});

test('docs/helm.md and the values.yaml comments claim exactly the pod and node verbs the chart renders', (t) => {
  const docs = readFileSync(path.join(CHART_DIR, '..', '..', 'docs', 'helm.md'), 'utf8').split('\n');
  const values = readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8');
  const verbsOf = (prefix: string) =>
    docs
      .find((l) => l.startsWith(prefix))
      ?.split('|')[3]
      ?.trim();
  const evictVerbs = podRules(mode('default values'))[0]?.verbs ?? [];
  const deleteVerbs = podRules(template(['pods.method=delete']))[0]?.verbs ?? [];
  t.deepEqual(deleteVerbs, [...evictVerbs, 'delete']);
  t.is(verbsOf('| all namespaces (ClusterRole) | `pods` |'), `${evictVerbs.join(', ')}; delete only with \`pods.method=delete\``);
  // Give-back is always wired, so the node verbs are granted whatever nodes.enabled says.
  const nodeVerbs = (sets: string[]) =>
    get<Role>(template(sets), 'ClusterRole', `${CLUSTER_NAME}-nodes`).rules.find((r) => r.resources.includes('nodes'))?.verbs ??
    [];
  t.deepEqual(nodeVerbs([]), nodeVerbs(['nodes.enabled=true']));
  t.is(verbsOf('| cluster | `nodes` |'), nodeVerbs([]).join(', '));
  t.true(
    values.includes(`Reading and patching nodes (${nodeVerbs([]).join(', ')}) is granted also when it is off`),
    'values.yaml nodes.enabled names the node verbs granted',
  );
  t.true(
    values.includes('The chart grants pods delete only with delete.'),
    'values.yaml pods.method says when delete is granted',
  );
  t.false(/update nodes/.test(values) || docs.some((l) => l.includes('update nodes')), 'nothing claims update nodes');
});

test('chart conventions: commonLabels on every object, revisionHistoryLimit, probes from values ({} turns one off)', (t) => {
  const objects = template([
    'commonLabels.team=platform',
    'commonLabels.cost-center=c42',
    'revisionHistoryLimit=3',
    'livenessProbe.periodSeconds=30',
    'livenessProbe.failureThreshold=6',
    'readinessProbe=null',
    'metrics.serviceMonitor.enabled=true',
    'prometheusRule.enabled=true',
  ]);
  t.true(objects.length > 8);
  for (const o of objects) t.like(o.metadata.labels, { team: 'platform', 'cost-center': 'c42' }, `${o.kind} ${o.metadata.name}`);
  const deployment = deploymentOf(objects);
  t.is((deployment.spec as unknown as { revisionHistoryLimit: number }).revisionHistoryLimit, 3);
  t.like(deployment.spec.template.metadata.labels, { team: 'platform' });
  const container = containerOf(objects) as unknown as Record<string, unknown>;
  t.deepEqual(container.livenessProbe, {
    httpGet: { path: '/healthz', port: 'health' },
    initialDelaySeconds: 5,
    periodSeconds: 30,
    timeoutSeconds: 3,
    failureThreshold: 6,
  });
  t.false('readinessProbe' in container);
  t.is((deploymentOf(mode('default values')).spec as unknown as { revisionHistoryLimit: number }).revisionHistoryLimit, 10);
});

test('image: registry/repository; global.imageRegistry (a parent chart) replaces image.registry; an empty registry leaves the repository whole', (t) => {
  const image = (sets: string[]) => containerOf(template(sets)).image;
  t.is(image([]), 'ghcr.io/kube-havoc/kube-havoc:0.1.0');
  t.is(
    image(['image.registry=registry.example.com/platform', 'image.tag=1.0.0']),
    'registry.example.com/platform/kube-havoc/kube-havoc:1.0.0',
  );
  t.is(
    image(['global.imageRegistry=mirror.example.com/', 'image.registry=registry.example.com']),
    'mirror.example.com/kube-havoc/kube-havoc:0.1.0',
  );
  t.is(image(['image.registry=', 'image.repository=localhost:5000/kube-havoc']), 'localhost:5000/kube-havoc:0.1.0');
  t.throws(() => template(['image.registry=https://registry.example.com']), { message: /image\.registry/ });
});

test('ServiceMonitor extras: its own namespace, relabelings, metricRelabelings, and clusterName as a label when asked', (t) => {
  const monitor = (sets: string[]) =>
    template(['metrics.serviceMonitor.enabled=true', ...sets]).find((o) => o.kind === 'ServiceMonitor') as K8sObject & {
      spec: { namespaceSelector: unknown; endpoints: Record<string, unknown>[] };
    };
  const plain = monitor([]);
  t.is(plain.metadata.namespace, NS);
  t.false('relabelings' in (plain.spec.endpoints[0] ?? {}));
  t.false('metricRelabelings' in (plain.spec.endpoints[0] ?? {}));
  const placed = monitor([
    'metrics.serviceMonitor.namespace=monitoring',
    'metrics.serviceMonitor.relabelings[0].sourceLabels[0]=__meta_kubernetes_pod_node_name',
    'metrics.serviceMonitor.relabelings[0].targetLabel=node',
    'metrics.serviceMonitor.metricRelabelings[0].sourceLabels[0]=__name__',
    'metrics.serviceMonitor.metricRelabelings[0].regex=nodejs_.*',
    'metrics.serviceMonitor.metricRelabelings[0].action=drop',
    'metrics.serviceMonitor.clusterLabel=cluster',
    'clusterName=prod-eu-1',
  ]);
  t.is(placed.metadata.namespace, 'monitoring');
  // It still scrapes the release namespace's Service.
  t.deepEqual(placed.spec.namespaceSelector, { matchNames: [NS] });
  t.deepEqual(placed.spec.endpoints[0]?.relabelings, [
    { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
    { action: 'replace', targetLabel: 'cluster', replacement: 'prod-eu-1' },
  ]);
  t.deepEqual(placed.spec.endpoints[0]?.metricRelabelings, [{ sourceLabels: ['__name__'], regex: 'nodejs_.*', action: 'drop' }]);
  t.throws(() => template(['metrics.serviceMonitor.clusterLabel=my-cluster']), { message: /clusterLabel/ });
});
