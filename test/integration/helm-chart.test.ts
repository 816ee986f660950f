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

function template(sets: readonly string[], chartDir = CHART_DIR): K8sObject[] {
  const args = ['template', RELEASE, chartDir, '--namespace', NS, ...sets.flatMap((s) => ['--set', s])];
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
const TARGET_RULES: Rule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
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
    `ClusterRoleBinding -/${CLUSTER_NAME}`,
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

test('node chaos off: no rule anywhere grants anything on nodes', (t) => {
  for (const name of ['default values', 'namespaced mode'] as const) {
    const rules = mode(name)
      .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
      .flatMap((o) => (o as Role).rules);
    t.false(
      rules.some((r) => r.resources.includes('nodes')),
      name,
    );
  }
});

test('namespaced mode: a Role in each listed namespace, no ClusterRole, and the daemon only looks there', (t) => {
  const objects = mode('namespaced mode');
  t.false(objects.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding'));
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
  t.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  t.like(container.livenessProbe, { httpGet: { path: '/healthz', port: 'http' } });
  t.like(container.readinessProbe, { httpGet: { path: '/readyz', port: 'http' } });
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
  t.deepEqual(service.spec.ports, [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  t.like(deploymentOf(objects).spec.template.metadata.labels, service.spec.selector);
});

test('server.port moves the container port and the probes follow the named port; a digest replaces the tag', (t) => {
  const objects = template(['server.port=9090', 'image.digest=sha256:' + 'a'.repeat(64), 'image.tag=ignored']);
  t.deepEqual(containerOf(objects).ports, [{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
  t.is((configOf(objects).server as { port: number }).port, 9090);
  t.is(containerOf(objects).image, `ghcr.io/kube-havoc/kube-havoc@sha256:${'a'.repeat(64)}`);
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
      `Alerts: PrometheusRule ${NS}/${FULLNAME} \\(HavocKillNotRecovered, HavocNoLeader, HavocPausedForADay, HavocNotificationsLost\\)`,
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
