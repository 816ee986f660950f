// Prometheus credentials and CA through the chart, rendered by the real helm:
// which Secret and ConfigMap keys land where in the one projected config
// volume, which *File paths config.yaml names, and that the daemon's own loader
// accepts the result once the volume is laid out on disk as the kubelet would
// (so a path in config.yaml that the volume does not hold fails here). Then the
// values Helm refuses, each with a message naming the value, and whether the
// daemon would have refused the same thing.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR, runHelm } from '../../scripts/tools/helm.ts';
import type { HavocConfig } from '../../src/config/config.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { prometheusFromConfig } from '../../src/config/steadyStateSource.ts';

interface Item {
  key: string;
  path: string;
}
type Source = { configMap?: { name: string; items: Item[] }; secret?: { name: string; items: Item[] } };
interface Deployment {
  kind: 'Deployment';
  spec: {
    template: {
      spec: {
        automountServiceAccountToken?: boolean;
        containers: { volumeMounts: { name: string; mountPath: string }[] }[];
        volumes: { name: string; projected?: { sources: Source[] } }[];
      };
    };
  };
}
interface ConfigMap {
  kind: 'ConfigMap';
  data: Record<string, string>;
}
type PrometheusConfig = Record<string, unknown>;

/** What the cluster holds, as the kubelet would find it: Secret or ConfigMap name, then key, then content. */
const CLUSTER: Record<'secret' | 'configMap', Record<string, Record<string, string>>> = {
  secret: {
    'prom-creds': { token: 'token-from-secret\n', password: 'pa:ss word\n', 'webhook-url': 'https://hooks.slack.test/T/B/x' },
    'prom-ca': { 'ca.crt': '-----BEGIN CERTIFICATE-----\nsecret-ca\n-----END CERTIFICATE-----\n' },
  },
  configMap: {
    'openshift-service-ca': {
      'service-ca.crt': '-----BEGIN CERTIFICATE-----\nservice-ca\n-----END CERTIFICATE-----\n',
    },
  },
};

/** Where Kubernetes mounts the pod's own ServiceAccount token when automountServiceAccountToken is on. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const POD_TOKEN = 'pod-token-from-kubernetes';
const URL_ = 'https://prometheus.monitoring.svc:9091';

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-prom-auth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `helm template` with these values: the Deployment and the config ConfigMap, or helm's error output. */
function render(
  t: ExecutionContext,
  values: Record<string, unknown>,
): { deployment: Deployment; config: string } | { error: string } {
  const file = path.join(tempDir(t), 'values.yaml');
  writeFileSync(file, stringify(values));
  const result = runHelm(['template', 'havoc', CHART_DIR, '--namespace', 'havoc', '-f', file]);
  if (result.status !== 0) return { error: result.stderr };
  const objects = parseAllDocuments(result.stdout).map((d) => d.toJS() as { kind: string });
  const deployment = objects.find((o): o is Deployment => o.kind === 'Deployment');
  const configMap = objects.find((o): o is ConfigMap => o.kind === 'ConfigMap' && 'config.yaml' in (o as ConfigMap).data);
  if (deployment === undefined || configMap === undefined) return { error: 'no Deployment or no config ConfigMap rendered' };
  return { deployment, config: configMap.data['config.yaml'] as string };
}

function rendered(t: ExecutionContext, values: Record<string, unknown>): { deployment: Deployment; config: string } {
  const result = render(t, values);
  if ('error' in result) throw new Error(`helm refused values it should accept: ${result.error}`);
  return result;
}

function prometheus(values: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { steadyState: { prometheus: values }, ...extra };
}

function configVolume(deployment: Deployment): { mountPath: string; sources: Source[] } {
  const spec = deployment.spec.template.spec;
  const volume = spec.volumes.find((v) => v.name === 'config');
  const mount = spec.containers[0]?.volumeMounts.find((m) => m.name === 'config');
  if (volume?.projected === undefined || mount === undefined) throw new Error('no projected config volume mounted');
  return { mountPath: mount.mountPath, sources: volume.projected.sources };
}

/** The projected sources other than the config.yaml ConfigMap, as "kind name: key -> path". */
function extraItems(deployment: Deployment): string[] {
  return configVolume(deployment).sources.flatMap((s) => {
    const [kind, ref] = s.secret ? ['secret', s.secret] : ['configMap', s.configMap];
    if (ref === undefined) return [`unknown source ${JSON.stringify(s)}`];
    return ref.items.filter((i) => i.key !== 'config.yaml').map((i) => `${kind} ${ref.name}: ${i.key} -> ${i.path}`);
  });
}

function prometheusOf(config: string): PrometheusConfig {
  return (parseYaml(config) as { steadyState: { prometheus: PrometheusConfig } }).steadyState.prometheus;
}

/**
 * Lays the projected volume out in a directory as the kubelet would (from
 * CLUSTER) and, when the pod mounts its ServiceAccount token, that token too;
 * points every path under the mounts at them, and runs the daemon's loader on
 * the result. A key missing from the cluster is an error here, as the pod
 * would not start.
 */
function loadMounted(t: ExecutionContext, deployment: Deployment, config: string, env: Record<string, string> = {}): HavocConfig {
  const dir = tempDir(t);
  const { mountPath, sources } = configVolume(deployment);
  for (const source of sources) {
    const kind = source.secret ? 'secret' : 'configMap';
    const ref = source.secret ?? source.configMap;
    if (ref === undefined) throw new Error(`unknown projected source ${JSON.stringify(source)}`);
    for (const item of ref.items) {
      const content = item.key === 'config.yaml' ? config : CLUSTER[kind][ref.name]?.[item.key];
      if (content === undefined) throw new Error(`${kind} ${ref.name} has no key ${item.key}`);
      mkdirSync(path.dirname(path.join(dir, item.path)), { recursive: true });
      writeFileSync(path.join(dir, item.path), content);
    }
  }
  let local = config.replaceAll(`${mountPath}/`, `${dir}/`);
  if (deployment.spec.template.spec.automountServiceAccountToken === true) {
    mkdirSync(path.join(dir, 'serviceaccount'));
    writeFileSync(path.join(dir, 'serviceaccount', 'token'), POD_TOKEN);
    local = local.replaceAll(`${SERVICE_ACCOUNT_DIR}/`, `${dir}/serviceaccount/`);
  }
  writeFileSync(path.join(dir, 'config.yaml'), local);
  return loadConfig({ file: path.join(dir, 'config.yaml'), env });
}

const BEARER = prometheus({ url: URL_, auth: { existingSecret: 'prom-creds', bearerTokenKey: 'token' } });

test('a bearer token from an existing Secret: its key is mounted as prometheus/bearer-token, config.yaml names that file, the daemon loads it', (t) => {
  const { deployment, config } = rendered(t, BEARER);
  t.deepEqual(extraItems(deployment), ['secret prom-creds: token -> prometheus/bearer-token']);
  t.deepEqual(prometheusOf(config), {
    url: URL_,
    timeout: '5s',
    bearerTokenFile: '/etc/kube-havoc/prometheus/bearer-token',
  });
  const loaded = loadMounted(t, deployment, config).steadyState.prometheus;
  t.true(loaded.bearerTokenFile.endsWith('/prometheus/bearer-token'));
  t.is(loaded.basicAuthUsername, '');
  t.is(loaded.caFile, '');
});

test('basic auth and a CA from Secrets: the password and the CA bundle are mounted, the user name is in config.yaml, the daemon loads it', (t) => {
  const { deployment, config } = rendered(
    t,
    prometheus({
      url: URL_,
      auth: { existingSecret: 'prom-creds', basicAuthUsername: 'havoc', basicAuthPasswordKey: 'password' },
      tls: { caSecret: 'prom-ca' },
    }),
  );
  t.deepEqual(extraItems(deployment), [
    'secret prom-creds: password -> prometheus/basic-auth-password',
    'secret prom-ca: ca.crt -> prometheus/ca.crt',
  ]);
  t.deepEqual(prometheusOf(config), {
    url: URL_,
    timeout: '5s',
    basicAuthUsername: 'havoc',
    basicAuthPasswordFile: '/etc/kube-havoc/prometheus/basic-auth-password',
    caFile: '/etc/kube-havoc/prometheus/ca.crt',
  });
  const loaded = loadMounted(t, deployment, config).steadyState.prometheus;
  t.is(loaded.basicAuthUsername, 'havoc');
  t.is(loaded.bearerTokenFile, '');
});

test("OpenShift: a token with the service CA from a ConfigMap, next to Slack's webhook from the same Secret, in the one volume", (t) => {
  const { deployment, config } = rendered(
    t,
    prometheus(
      {
        url: URL_,
        auth: { existingSecret: 'prom-creds', bearerTokenKey: 'token' },
        tls: { caConfigMap: 'openshift-service-ca', caKey: 'service-ca.crt' },
      },
      { slack: { existingSecret: 'prom-creds', existingSecretKey: 'webhook-url' } },
    ),
  );
  t.deepEqual(extraItems(deployment), [
    'secret prom-creds: webhook-url -> slack/webhook-url',
    'secret prom-creds: token -> prometheus/bearer-token',
    'configMap openshift-service-ca: service-ca.crt -> prometheus/ca.crt',
  ]);
  t.is(deployment.spec.template.spec.volumes.filter((v) => v.projected !== undefined).length, 1);
  t.deepEqual(prometheusOf(config), {
    url: URL_,
    timeout: '5s',
    bearerTokenFile: '/etc/kube-havoc/prometheus/bearer-token',
    caFile: '/etc/kube-havoc/prometheus/ca.crt',
  });
  const loaded = loadMounted(t, deployment, config);
  t.is(loaded.slack.webhookUrl, 'https://hooks.slack.test/T/B/x');
  t.true(loaded.steadyState.prometheus.caFile.endsWith('/prometheus/ca.crt'));
});

test("the pod's own ServiceAccount token: nothing more is mounted, config.yaml names the token Kubernetes mounts, the daemon loads it", (t) => {
  const { deployment, config } = rendered(
    t,
    prometheus({
      url: URL_,
      auth: { serviceAccountToken: true },
      tls: { caConfigMap: 'openshift-service-ca', caKey: 'service-ca.crt' },
    }),
  );
  t.deepEqual(extraItems(deployment), ['configMap openshift-service-ca: service-ca.crt -> prometheus/ca.crt']);
  t.true(deployment.spec.template.spec.automountServiceAccountToken);
  t.deepEqual(prometheusOf(config), {
    url: URL_,
    timeout: '5s',
    bearerTokenFile: `${SERVICE_ACCOUNT_DIR}/token`,
    caFile: '/etc/kube-havoc/prometheus/ca.crt',
  });
  t.true(loadMounted(t, deployment, config).steadyState.prometheus.bearerTokenFile.endsWith('/serviceaccount/token'));
});

test('without credentials or CA nothing is mounted for Prometheus and config.yaml names no file', (t) => {
  const { deployment, config } = rendered(t, prometheus({ url: URL_ }));
  t.deepEqual(extraItems(deployment), []);
  t.deepEqual(prometheusOf(config), { url: URL_, timeout: '5s' });
  t.is(loadMounted(t, deployment, config).steadyState.prometheus.url, URL_);
});

async function prometheusSeeing(t: ExecutionContext): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

test('the mounted credentials reach Prometheus: the daemon built from the rendered config sends the token from the Secret or the pod, or the user and password', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ existingSecret: 'prom-creds', bearerTokenKey: 'token' }, 'Bearer token-from-secret'],
    [{ serviceAccountToken: true }, `Bearer ${POD_TOKEN}`],
    [
      { existingSecret: 'prom-creds', basicAuthUsername: 'havoc', basicAuthPasswordKey: 'password' },
      `Basic ${Buffer.from('havoc:pa:ss word').toString('base64')}`,
    ],
  ];
  for (const [auth, expected] of cases) {
    const server = await prometheusSeeing(t);
    const { deployment, config } = rendered(t, prometheus({ url: URL_, auth }));
    // The test's Prometheus is http on 127.0.0.1, which the chart refuses for credentials: the URL comes from the
    // environment, and credentials over http need the daemon's switch, which allows loopback only.
    const local = { HAVOC_STEADY_STATE_PROMETHEUS_URL: server.url, HAVOC_STEADY_STATE_PROMETHEUS_ALLOW_INSECURE_HTTP: 'true' };
    const source = prometheusFromConfig(loadMounted(t, deployment, config, local));
    if (source === undefined) return t.fail('no Prometheus source from the rendered config');
    const answer = await source.query('up');
    t.true(answer.ok, JSON.stringify(answer));
    t.deepEqual(
      server.seen.map((h) => h.authorization),
      [expected],
    );
  }
});

/** The daemon's loader on the default rendered config with these Prometheus keys set to readable files. */
function daemonVerdict(t: ExecutionContext, keys: PrometheusConfig): string {
  const dir = tempDir(t);
  const { config } = rendered(t, {});
  const parsed = parseYaml(config) as { steadyState: { prometheus: PrometheusConfig } };
  for (const [key, value] of Object.entries(keys)) {
    const file = path.join(dir, key);
    writeFileSync(file, 'secret\n');
    parsed.steadyState.prometheus[key] = key.endsWith('File') ? file : value;
  }
  writeFileSync(path.join(dir, 'config.yaml'), stringify(parsed));
  try {
    loadConfig({ file: path.join(dir, 'config.yaml'), env: {} });
    return 'accepted';
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

interface Refusal {
  readonly values: Record<string, unknown>;
  readonly message: RegExp;
  /** The same thing in the daemon's own config (file keys get readable files), and what the daemon says. */
  readonly daemon?: { readonly keys: PrometheusConfig; readonly refuses: RegExp };
  /** The daemon would start (and the value would do nothing): why the chart refuses it anyway. */
  readonly chartStricter?: string;
}

const REFUSALS: Record<string, Refusal> = {
  'a bearer token and basic auth together': {
    values: prometheus({
      url: URL_,
      auth: { existingSecret: 'prom-creds', bearerTokenKey: 'token', basicAuthUsername: 'u', basicAuthPasswordKey: 'password' },
    }),
    message: /steadyState\.prometheus\.auth\.bearerTokenKey and steadyState\.prometheus\.auth\.basicAuthUsername are both set/,
    daemon: {
      keys: { bearerTokenFile: '', basicAuthUsername: 'u', basicAuthPasswordFile: '' },
      refuses: /steadyState\.prometheus\.bearerTokenFile: set either a bearer token or basic auth, not both/,
    },
  },
  'a bearer token and a basic-auth password key': {
    values: prometheus({
      url: URL_,
      auth: { existingSecret: 'prom-creds', bearerTokenKey: 'token', basicAuthPasswordKey: 'password' },
    }),
    message: /steadyState\.prometheus\.auth\.bearerTokenKey and steadyState\.prometheus\.auth\.basicAuthPasswordKey are both set/,
    daemon: {
      keys: { bearerTokenFile: '', basicAuthPasswordFile: '' },
      refuses: /steadyState\.prometheus\.bearerTokenFile: set either a bearer token or basic auth, not both/,
    },
  },
  "the pod's token and basic auth together": {
    values: prometheus({
      url: URL_,
      auth: { serviceAccountToken: true, existingSecret: 'prom-creds', basicAuthUsername: 'u', basicAuthPasswordKey: 'password' },
    }),
    message:
      /steadyState\.prometheus\.auth\.serviceAccountToken and steadyState\.prometheus\.auth\.basicAuthUsername are both set/,
    daemon: {
      keys: { bearerTokenFile: '', basicAuthUsername: 'u', basicAuthPasswordFile: '' },
      refuses: /steadyState\.prometheus\.bearerTokenFile: set either a bearer token or basic auth, not both/,
    },
  },
  "the pod's token to an http URL": {
    values: prometheus({ url: 'http://prometheus.monitoring:9090', auth: { serviceAccountToken: true } }),
    message:
      /steadyState\.prometheus\.url "http:\/\/prometheus\.monitoring:9090" must be https: steadyState\.prometheus\.auth\.serviceAccountToken would send a credential in clear/,
    daemon: {
      keys: { url: 'http://prometheus.monitoring:9090', bearerTokenFile: '' },
      refuses: /steadyState\.prometheus\.url: "http:\/\/prometheus\.monitoring:9090" must be https/,
    },
  },
  'basic auth to an http URL': {
    values: prometheus({
      url: 'http://prometheus.monitoring:9090',
      auth: { existingSecret: 'prom-creds', basicAuthUsername: 'u', basicAuthPasswordKey: 'password' },
    }),
    message:
      /steadyState\.prometheus\.url "http:\/\/prometheus\.monitoring:9090" must be https: steadyState\.prometheus\.auth\.basicAuthPasswordKey/,
    daemon: {
      keys: { url: 'http://prometheus.monitoring:9090', basicAuthUsername: 'u', basicAuthPasswordFile: '' },
      refuses: /steadyState\.prometheus\.url: "http:\/\/prometheus\.monitoring:9090" must be https/,
    },
  },
  "the pod's token and a Secret's token together": {
    values: prometheus({ url: URL_, auth: { serviceAccountToken: true, existingSecret: 'prom-creds', bearerTokenKey: 'token' } }),
    message: /steadyState\.prometheus\.auth\.serviceAccountToken and steadyState\.prometheus\.auth\.bearerTokenKey are both set/,
    chartStricter: 'the daemon takes one token file; the chart would have to pick one silently',
  },
  "the pod's token without a URL": {
    values: prometheus({ auth: { serviceAccountToken: true } }),
    message: /steadyState\.prometheus\.auth\.serviceAccountToken set but steadyState\.prometheus\.url is empty/,
    daemon: { keys: { bearerTokenFile: '' }, refuses: /^accepted$/ },
    chartStricter: 'a token with no Prometheus to send it to is a forgotten URL, not a working setup',
  },
  'a user name without a password key': {
    values: prometheus({ url: URL_, auth: { existingSecret: 'prom-creds', basicAuthUsername: 'havoc' } }),
    message:
      /steadyState\.prometheus\.auth\.basicAuthUsername "havoc" has no password: set steadyState\.prometheus\.auth\.basicAuthPasswordKey/,
    daemon: {
      keys: { basicAuthUsername: 'havoc' },
      refuses:
        /steadyState\.prometheus\.basicAuthPasswordFile: basic auth needs both basicAuthUsername and basicAuthPasswordFile/,
    },
  },
  'a password key without a user name': {
    values: prometheus({ url: URL_, auth: { existingSecret: 'prom-creds', basicAuthPasswordKey: 'password' } }),
    message:
      /steadyState\.prometheus\.auth\.basicAuthPasswordKey "password" has no user name: set steadyState\.prometheus\.auth\.basicAuthUsername/,
    daemon: {
      keys: { basicAuthPasswordFile: '' },
      refuses:
        /steadyState\.prometheus\.basicAuthPasswordFile: basic auth needs both basicAuthUsername and basicAuthPasswordFile/,
    },
  },
  'credentials without a URL': {
    values: prometheus({ auth: { existingSecret: 'prom-creds', bearerTokenKey: 'token' } }),
    message:
      /steadyState\.prometheus\.auth\.existingSecret, steadyState\.prometheus\.auth\.bearerTokenKey set but steadyState\.prometheus\.url is empty/,
    daemon: { keys: { bearerTokenFile: '' }, refuses: /^accepted$/ },
    chartStricter: 'a token with no Prometheus to send it to is a forgotten URL, not a working setup',
  },
  'a CA without a URL': {
    values: prometheus({ tls: { caConfigMap: 'openshift-service-ca' } }),
    message: /steadyState\.prometheus\.tls\.caConfigMap set but steadyState\.prometheus\.url is empty/,
    daemon: { keys: { caFile: '' }, refuses: /^accepted$/ },
    chartStricter: 'a CA with no Prometheus to trust it for is a forgotten URL',
  },
  'a bearer token key without a Secret': {
    values: prometheus({ url: URL_, auth: { bearerTokenKey: 'token' } }),
    message:
      /steadyState\.prometheus\.auth\.bearerTokenKey "token" names a key but steadyState\.prometheus\.auth\.existingSecret is empty/,
    chartStricter: 'the daemon never sees it: there would be no file to name, so the token would silently not be sent',
  },
  'a password key without a Secret': {
    values: prometheus({ url: URL_, auth: { basicAuthUsername: 'havoc', basicAuthPasswordKey: 'password' } }),
    message:
      /steadyState\.prometheus\.auth\.basicAuthPasswordKey "password" names a key but steadyState\.prometheus\.auth\.existingSecret is empty/,
    chartStricter: 'without the Secret no password file is mounted, and the daemon would refuse the user name alone',
  },
  'a Secret without a key': {
    values: prometheus({ url: URL_, auth: { existingSecret: 'prom-creds' } }),
    message:
      /steadyState\.prometheus\.auth\.existingSecret "prom-creds" is set but neither .*bearerTokenKey nor .*basicAuthPasswordKey/,
    chartStricter: 'a Secret with no key to mount sends nothing',
  },
  'a CA from a ConfigMap and a Secret': {
    values: prometheus({ url: URL_, tls: { caConfigMap: 'openshift-service-ca', caSecret: 'prom-ca' } }),
    message: /steadyState\.prometheus\.tls\.caConfigMap and steadyState\.prometheus\.tls\.caSecret are both set/,
    chartStricter: 'the daemon takes one CA file; the chart would have to pick one silently',
  },
  'an empty CA key': {
    values: prometheus({ url: URL_, tls: { caSecret: 'prom-ca', caKey: '' } }),
    message: /- steadyState\.prometheus\.tls\.caKey: String length must be greater than or equal to 1/,
    chartStricter: 'a projected item needs a key',
  },
  'a Secret name that is not a DNS name': {
    values: prometheus({ url: URL_, auth: { existingSecret: 'Prom_Creds', bearerTokenKey: 'token' } }),
    message: /- steadyState\.prometheus\.auth\.existingSecret: /,
    chartStricter: 'Kubernetes would refuse the pod',
  },
  'a user name with a colon': {
    values: prometheus({
      url: URL_,
      auth: { existingSecret: 'prom-creds', basicAuthUsername: 'a:b', basicAuthPasswordKey: 'password' },
    }),
    message: /- steadyState\.prometheus\.auth\.basicAuthUsername: Does not match pattern/,
    chartStricter: 'basic auth splits user and password at the first colon (RFC 7617), so Prometheus would see another user',
  },
  'an unknown key under auth': {
    values: prometheus({ url: URL_, auth: { existingSecret: 'prom-creds', bearerToken: 'plain' } }),
    message: /- steadyState\.prometheus\.auth: Additional property bearerToken is not allowed/,
    chartStricter: 'the daemon never sees chart values; a typo must not pass silently',
  },
};

for (const [name, refusal] of Object.entries(REFUSALS)) {
  test(`the chart refuses ${name}, naming the value${refusal.daemon && !refusal.chartStricter ? '; so does the daemon' : ''}`, (t) => {
    const result = render(t, refusal.values);
    if (!('error' in result)) return t.fail(`helm accepted it: ${JSON.stringify(prometheusOf(result.config))}`);
    t.regex(result.error, refusal.message);
    if (refusal.daemon !== undefined) t.regex(daemonVerdict(t, refusal.daemon.keys), refusal.daemon.refuses);
    t.is(refusal.chartStricter === undefined, refusal.daemon !== undefined && !refusal.daemon.refuses.test('accepted'));
  });
}
