// The chart's Prometheus credentials against a real API server: a release that
// mounts a bearer token and a CA (then, upgraded, basic auth) is accepted, its
// pod is admitted under the restricted Pod Security Standard, and the pod the
// ReplicaSet created carries the Secret and ConfigMap keys in its one config
// volume. (Which paths config.yaml names is test/integration/helm-prometheus-auth.test.ts.)
import test from 'ava';
import { CHART_DIR } from '../../scripts/tools/helm.ts';
import { startCluster, waitFor, type Cluster } from './harness/cluster.ts';
import { helm, installChart, installedConfig, release } from './helmRelease.ts';

let cluster: Cluster;
const r = release('havoc', 'havoc');
const KWOK = ['tolerations[0].key=kwok.x-k8s.io/node', 'tolerations[0].operator=Exists', 'tolerations[0].effect=NoSchedule'];
const URL_ = 'https://prometheus.monitoring.svc:9091';

interface PodVolumes {
  spec: {
    volumes: {
      name: string;
      projected?: {
        sources: {
          secret?: { name: string; items: { key: string; path: string }[] };
          configMap?: { name: string; items: { key: string; path: string }[] };
        }[];
      };
    }[];
  };
}

test.before(async () => {
  cluster = await startCluster({ nodes: 1 });
  await cluster.kubectl(['create', 'namespace', r.namespace]);
  await cluster.kubectl(['label', 'namespace', r.namespace, 'pod-security.kubernetes.io/enforce=restricted']);
  await cluster.kubectl([
    '-n',
    r.namespace,
    'create',
    'secret',
    'generic',
    'prom-creds',
    '--from-literal=token=t0ken',
    '--from-literal=password=pw',
  ]);
  await cluster.kubectl(['-n', r.namespace, 'create', 'configmap', 'service-ca', '--from-literal=service-ca.crt=pem']);
});

test.after.always(async () => {
  await cluster?.stop();
});

/** The config volume's items of the newest pod of the release, as the API server stored them: "kind name: key -> path". */
async function podItems(revision: string): Promise<string[]> {
  const json = await waitFor(
    async () => {
      const out = await cluster.kubectl([
        '-n',
        r.namespace,
        'get',
        'pods',
        '-l',
        'app.kubernetes.io/instance=havoc',
        '-o',
        'json',
      ]);
      const pods = (JSON.parse(out) as { items: (PodVolumes & { metadata: { annotations?: Record<string, string> } })[] }).items;
      return pods.find((p) => p.metadata.annotations?.['checksum/config'] === revision);
    },
    { timeoutMs: 60_000, what: 'a pod of the new revision' },
  );
  const volume = json.spec.volumes.find((v) => v.name === 'config');
  return (volume?.projected?.sources ?? []).flatMap((s) => {
    const [kind, ref] = s.secret ? ['secret', s.secret] : ['configMap', s.configMap];
    return (ref?.items ?? []).map((i) => `${kind} ${ref?.name}: ${i.key} -> ${i.path}`);
  });
}

async function templateChecksum(): Promise<string> {
  const out = await cluster.kubectl([
    '-n',
    r.namespace,
    'get',
    'deployment',
    r.fullname,
    '-o',
    'jsonpath={.spec.template.metadata.annotations.checksum/config}',
  ]);
  return out.trim();
}

test.serial('a bearer token and a service CA: helm install succeeds and the admitted pod mounts both keys', async (t) => {
  const notes = await installChart(cluster, r, [
    ...KWOK,
    `steadyState.prometheus.url=${URL_}`,
    'steadyState.prometheus.auth.existingSecret=prom-creds',
    'steadyState.prometheus.auth.bearerTokenKey=token',
    'steadyState.prometheus.tls.caConfigMap=service-ca',
    'steadyState.prometheus.tls.caKey=service-ca.crt',
  ]);
  t.regex(notes, /STATUS: deployed/);
  t.deepEqual(await podItems(await templateChecksum()), [
    'configMap havoc-kube-havoc-config: config.yaml -> config.yaml',
    'secret prom-creds: token -> prometheus/bearer-token',
    'configMap service-ca: service-ca.crt -> prometheus/ca.crt',
  ]);
  const config = (await installedConfig(cluster, r)) as { steadyState: { prometheus: Record<string, unknown> } };
  t.is(config.steadyState.prometheus.bearerTokenFile, '/etc/kube-havoc/prometheus/bearer-token');
});

test.serial('upgraded to basic auth: the token item is gone, the password item is there, the pod is admitted', async (t) => {
  await helm(cluster, [
    'upgrade',
    r.name,
    CHART_DIR,
    '--namespace',
    r.namespace,
    ...[
      ...KWOK,
      `steadyState.prometheus.url=${URL_}`,
      'steadyState.prometheus.auth.existingSecret=prom-creds',
      'steadyState.prometheus.auth.basicAuthUsername=havoc',
      'steadyState.prometheus.auth.basicAuthPasswordKey=password',
    ].flatMap((s) => ['--set', s]),
  ]);
  t.deepEqual(await podItems(await templateChecksum()), [
    'configMap havoc-kube-havoc-config: config.yaml -> config.yaml',
    'secret prom-creds: password -> prometheus/basic-auth-password',
  ]);
  const events = await cluster.kubectl([
    '-n',
    r.namespace,
    'get',
    'events',
    '--field-selector',
    'reason=FailedCreate',
    '-o',
    'name',
  ]);
  t.is(events.trim(), '');
});
