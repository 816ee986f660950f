// The chart's values: bad values fail at install time with a message naming
// the value; values.yaml, values.schema.json, the daemon's config schema and
// the values reference in docs/helm.md cannot drift apart.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { parse as parseYaml } from 'yaml';
import { CHART_DIR, runHelm } from '../../scripts/tools/helm.ts';
import { DOC_FILE, tableIn, valueDocs, valuesTable } from '../../scripts/tools/helm-values-doc.ts';
import { havocSchema, leaves } from '../../src/config/schema.ts';

type Tree = { [key: string]: unknown };
const values = parseYaml(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Tree;
const schema = JSON.parse(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as JsonSchema;

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
}

function install(sets: readonly string[], namespace = 'havoc'): { status: number; stderr: string } {
  return runHelm(['template', 'havoc', CHART_DIR, '--namespace', namespace, ...sets.flatMap((s) => ['--set', s])]);
}

// [values, what the message must say]: helm names the value (path) and the rule.
const rejected: [string[], RegExp][] = [
  [['dryRun=maybe'], /- dryRun: Invalid type\. Expected: boolean, given: string/],
  [['nodes.enabled=yes'], /- nodes\.enabled: Invalid type\. Expected: boolean, given: string/],
  [['replicas=2'], /Additional property replicas is not allowed/],
  [['schedule.start=25:00'], /- schedule\.start: Does not match pattern/],
  [
    ['schedule.weekdays={mon,funday}'],
    /- schedule\.weekdays\.1: schedule\.weekdays\.1 must be one of the following: "sun", "mon"/,
  ],
  [['schedule.weekdays=null'], /- schedule: weekdays is required/],
  [['schedule.excludedDates={2026-13-01}'], /- schedule\.excludedDates\.0: Does not match pattern/],
  [['selection.defaultMtbf=banana'], /- selection\.defaultMtbf: Does not match pattern/],
  [['blastRadius.maxKillsPerDay=0'], /- blastRadius\.maxKillsPerDay: Must be greater than or equal to 1/],
  [['blastRadius.maxUnavailablePercent=150'], /- blastRadius\.maxUnavailablePercent: Must be less than or equal to 100/],
  [['pods.method=kill'], /- pods\.method: pods\.method must be one of the following: "evict", "delete"/],
  [['pods.gracePeriodSeconds=-1'], /- pods\.gracePeriodSeconds: Must be greater than or equal to 0/],
  [['namespaces.exclude={Bad_Name}'], /- namespaces\.exclude\.0: Does not match pattern/],
  [['rbac.namespaces={shop,shop}'], /- rbac\.namespaces: array items\[0,1\] must be unique/],
  [['labelPrefix=havoc/'], /- labelPrefix: Does not match pattern/],
  [['slack.webhookSecret=not-a-url'], /- slack\.webhookSecret: Does not match pattern/],
  // The webhook URL is a secret: https only.
  [['slack.webhookSecret=http://hooks.example/services/x'], /- slack\.webhookSecret: Does not match pattern/],
  [['server.kills=yes'], /- server\.kills: server\.kills must be one of the following: "off", "token", "open"/],
  [['pods.probeAllowHosts={bad host}'], /- pods\.probeAllowHosts\.0: Does not match pattern/],
  [['log.level=verbose'], /- log\.level: log\.level must be one of the following/],
  [['server.port=0'], /- server\.port: Must be greater than or equal to 1/],
  // The chart's probes need the health listener: it cannot be turned off here.
  [['server.healthPort=0'], /- server\.healthPort: Must be greater than or equal to 1/],
  [['networkPolicy.healthFrom=ipBlock'], /- networkPolicy\.healthFrom: Invalid type\. Expected: array, given: string/],
  [['image.digest=latest'], /- image\.digest: Does not match pattern/],
  [['replicaCount=0'], /- replicaCount: Must be greater than or equal to 1/],
  [['metrics.serviceMonitor.interval=often'], /- metrics\.serviceMonitor\.interval: Does not match pattern/],
  [['podAnnotations.port=8080'], /- podAnnotations\.port: Invalid type\. Expected: string, given: integer/],
];

for (const [sets, message] of rejected) {
  test(`values.schema.json refuses ${sets.join(' ')} with a message naming the value`, (t) => {
    const result = install(sets);
    t.not(result.status, 0);
    t.regex(result.stderr, /values don't meet the specifications of the schema/);
    t.regex(result.stderr, message);
  });
}

// Rules that span values: the chart's own message.
const inconsistent: [string[], RegExp][] = [
  [
    ['slack.webhookSecret=https://hooks.example/x', 'slack.existingSecret=s'],
    /slack\.webhookSecret and slack\.existingSecret are both set/,
  ],
  [['server.kills=token'], /server\.kills is token but server\.killsToken\.existingSecret is empty/],
  // A values file from before the health port that moved server.port to its default (8081).
  [['server.port=8081'], /server\.healthPort 8081 is also server\.port: the kubelet's probes need a port of their own/],
  [['server.port=9000', 'server.healthPort=9000'], /server\.healthPort 9000 is also server\.port/],
  [['replicaCount=2', 'daemon.leaderElection.enabled=false'], /replicaCount is 2 but daemon\.leaderElection\.enabled is false/],
  [
    ['schedule.start=17:00', 'schedule.end=09:00'],
    /schedule\.end "09:00" is not after schedule\.start "17:00": set schedule\.overnight=true/,
  ],
  // The cron grammar lives in one template (the daemon's, macros included), not in a schema pattern that printed a regex.
  [['schedule.cron=often'], /schedule\.cron "often" is not a cron expression: expected 5 fields/],
  [['schedule.cron=@reboot'], /schedule\.cron "@reboot" is not a cron macro: use one of @yearly, .*@hourly/],
  [['schedule.overnight=true'], /schedule\.overnight is true but schedule\.end "16:00" is not before schedule\.start "10:00"/],
  [['rbac.namespaces={shop,havoc}'], /rbac\.namespaces lists "havoc", which is always protected/],
  [['rbac.namespaces={kube-system}'], /rbac\.namespaces lists "kube-system", which is always protected/],
  [
    ['rbac.namespaces={shop}', 'namespaces.include={shop,payments}'],
    /namespaces\.include lists "payments", which is not in rbac\.namespaces/,
  ],
];

for (const [sets, message] of inconsistent) {
  test(`the chart refuses ${sets.join(' ')} and says why`, (t) => {
    const result = install(sets);
    t.not(result.status, 0);
    t.regex(result.stderr, /kube-havoc: invalid values:/);
    t.regex(result.stderr, message);
  });
}

test('sound values that look unusual are accepted', (t) => {
  for (const sets of [
    ['schedule.start=22:00', 'schedule.end=06:00', 'schedule.overnight=true'],
    ['schedule.end=24:00'],
    ['pods.gracePeriodSeconds=0', 'slack.retries=0', 'schedule.cron=0 */2 * * * *'],
    ['replicaCount=3'],
    ['schedule.timezone=America/Argentina/Buenos_Aires', 'schedule.excludedDates={2026-12-24,2026-12-31}'],
  ]) {
    const result = install(sets);
    t.is(result.status, 0, `${sets.join(' ')}: ${result.stderr}`);
  }
});

/** Dotted paths of the leaves of a values tree (maps are walked, lists and scalars are leaves). */
function leafPaths(tree: Tree, prefix = ''): [string, unknown][] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const here = prefix === '' ? key : `${prefix}.${key}`;
    return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0
      ? leafPaths(value as Tree, here)
      : [[here, value] as [string, unknown]];
  });
}

const CONFIG_SECTIONS = [
  'dryRun',
  'clusterName',
  'labelPrefix',
  'compat',
  'schedule',
  'selection',
  'namespaces',
  'blastRadius',
  'pods',
  'nodes',
  'kubernetes',
  'slack',
  'steadyState',
  'daemon',
  'history',
  'server',
  'log',
];
// Daemon settings the chart sets itself instead of taking them from values (the Prometheus files are mounted from steadyState.prometheus.auth and .tls).
const SET_BY_CHART = [
  'daemon.namespace',
  'daemon.podName',
  'slack.webhookUrl',
  'slack.webhookUrlFile',
  'server.host',
  'server.healthHost',
  'server.killsTokenFile',
  'steadyState.prometheus.bearerTokenFile',
  'steadyState.prometheus.basicAuthUsername',
  'steadyState.prometheus.basicAuthPasswordFile',
  'steadyState.prometheus.caFile',
];
// Daemon switches for local tests (http to a loopback host): nothing in a cluster needs them, so the chart has no value.
const NOT_IN_CHART = ['slack.allowInsecureHttp', 'steadyState.prometheus.allowInsecureHttp'];
// Chart values in the config sections that are not daemon settings.
const CHART_ONLY = [
  'server.killsToken.existingSecret',
  'server.killsToken.existingSecretKey',
  'slack.webhookSecret',
  'slack.existingSecret',
  'slack.existingSecretKey',
  'steadyState.prometheus.auth.existingSecret',
  'steadyState.prometheus.auth.bearerTokenKey',
  'steadyState.prometheus.auth.basicAuthUsername',
  'steadyState.prometheus.auth.basicAuthPasswordKey',
  'steadyState.prometheus.auth.serviceAccountToken',
  'steadyState.prometheus.tls.caConfigMap',
  'steadyState.prometheus.tls.caSecret',
  'steadyState.prometheus.tls.caKey',
];

test("every daemon setting is a value (or set by the chart), with the daemon's own default", (t) => {
  const daemon = new Map(leaves(havocSchema()).map(([key, leaf]) => [key, leaf.default]));
  const chart = new Map(
    leafPaths(values).filter(([key]) => CONFIG_SECTIONS.includes(key.split('.')[0] ?? '') && !CHART_ONLY.includes(key)),
  );
  t.deepEqual([...chart.keys(), ...SET_BY_CHART, ...NOT_IN_CHART].sort(), [...daemon.keys()].sort());
  for (const [key, value] of chart) t.deepEqual(value, daemon.get(key), key);
});

function resolve(node: JsonSchema): JsonSchema {
  return node.$ref === undefined ? node : resolve(schema.definitions?.[node.$ref.replace('#/definitions/', '')] ?? {});
}

const WHOLE = ['resources', 'podSecurityContext', 'containerSecurityContext', 'livenessProbe', 'readinessProbe'];

test('values.schema.json describes exactly the keys of values.yaml and refuses unknown ones at every level', (t) => {
  const described: string[] = [];
  const walk = (node: JsonSchema, prefix: string, value: unknown): void => {
    const resolved = resolve(node);
    // Kubernetes objects (ResourceRequirements, security contexts) are one value each, documented as a whole.
    const isSection =
      !WHOLE.includes(prefix) &&
      resolved.properties !== undefined &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0;
    if (!isSection || resolved.properties === undefined) {
      described.push(prefix);
      return;
    }
    t.is(resolved.additionalProperties, false, `${prefix || '(top level)'} must refuse unknown keys`);
    for (const [key, child] of Object.entries(resolved.properties)) {
      if (key === 'global') continue;
      walk(child, prefix === '' ? key : `${prefix}.${key}`, (value as Tree)[key]);
    }
  };
  walk(schema, '', values);
  // global is a parent chart's: the schema must not refuse its other keys (global.imageRegistry is tested in helm-chart).
  const inValues = leafPaths(values)
    .map(([key]) => key)
    .filter((key) => !WHOLE.some((w) => key.startsWith(`${w}.`)) && !key.startsWith('global.'));
  t.deepEqual(described.sort(), [...inValues, ...WHOLE].sort());
});

test('every value is documented in values.yaml, and docs/helm.md carries the generated reference', (t) => {
  const docs = valueDocs();
  t.true(docs.length > 60);
  t.true(
    docs.every((d) => d.description.length > 10),
    docs
      .filter((d) => d.description.length <= 10)
      .map((d) => d.key)
      .join(', '),
  );
  const documented = docs.map((d) => d.key);
  for (const [key] of leafPaths(values))
    t.true(
      documented.some((d) => key === d || key.startsWith(`${d}.`)),
      `${key} is not in the reference`,
    );
  t.is(
    tableIn(readFileSync(DOC_FILE, 'utf8')),
    valuesTable(docs),
    'regenerate with: node scripts/tools/helm-values-doc.ts --write',
  );
});

test('the values reference generator refuses an undocumented key', (t) => {
  t.throws(() => valueDocs('# -- documented\na: 1\nb:\n  c: 2\n'), { message: /b\.c has no comment/ });
  t.deepEqual(valueDocs('# Header.\n\n# First key.\na: 1\nb:\n  # Nested.\n  c: [x]\n'), [
    { key: 'a', default: 1, description: 'First key.' },
    { key: 'b.c', default: ['x'], description: 'Nested.' },
  ]);
});
