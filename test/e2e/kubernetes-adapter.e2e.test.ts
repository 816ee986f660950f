// The Kubernetes adapters against a real kube-apiserver (with the controller
// manager, scheduler and kwok nodes from test/e2e/harness): what the snapshot
// sees, evictions and PDBs, Events, the state ConfigMap, leader election, and
// what happens when the API refuses or is not there.

import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../../src/adapters/clock/systemClock.ts';
import { createConfigMapStateStore, METADATA_ONLY } from '../../src/adapters/kubernetes/configMapStateStore.ts';
import { createEventListener } from '../../src/adapters/kubernetes/eventRecorder.ts';
import { createKubernetesCluster, type KubernetesCluster } from '../../src/adapters/kubernetes/kubernetesCluster.ts';
import { createLeaderElector, type LeaderElector } from '../../src/adapters/kubernetes/leaderElection.ts';
import { createPodKiller } from '../../src/adapters/kubernetes/podKiller.ts';
import type { PodInfo, WorkloadRef, WorkloadWithPods } from '../../src/domain/model.ts';
import type { Occurrence } from '../../src/domain/occurrence.ts';
import { filterBySteadyState, readyReplicas } from '../../src/domain/selection/filters.ts';
import type { KillRecord } from '../../src/domain/state.ts';
import { KWOK_NODE_SELECTOR, KWOK_TOLERATION, startCluster, tokenKubeconfig, waitFor, type Cluster } from './harness/cluster.ts';
import { kwokDeployment } from './harness/kwokDeployment.ts';
import { freePort } from './harness/freePort.ts';
import { blockEvictions } from './workloads.ts';
import { recordingLog } from '../unit/fakes/recordingListener.ts';
import { killOccurrence, recoveryOccurrence, skipOccurrence } from '../unit/fakes/occurrences.ts';

const clock = systemClock;

/** An adapter started over a kubeconfig that cannot work, with what it logged and the error kinds it announced. */
async function startFailingAdapter(kubeConfig: KubeConfig) {
  const log = recordingLog();
  const reported: string[] = [];
  const failing = createKubernetesCluster({
    kubeConfig,
    labelPrefix: 'havoc',
    kubeMonkey: false,
    nodeChaos: false,
    clock,
    log,
    report: (o) => reported.push(o.type === 'error' ? o.kind : o.type),
  });
  await failing.start();
  return { failing, log, reported };
}

let cluster: Cluster;
let kubeConfig: KubeConfig;
let ns = '';
let daemonNs = '';
let adapter: KubernetesCluster;
const web: WorkloadRef = { kind: 'Deployment', namespace: '', name: 'web' };

const readyPods = (w: WorkloadWithPods | undefined): PodInfo[] =>
  (w?.pods ?? []).filter((p) => p.ready && p.phase === 'Running' && !p.terminating);

async function apply(...objects: object[]): Promise<void> {
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
}

/** apiserver_request_total by "VERB resource", from the API server's own metrics. */
async function requestCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await cluster.kubectl(['get', '--raw', '/metrics'])).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="(\w+)"/.exec(line)?.[1] ?? '';
    const resource = /resource="([\w.]*)"/.exec(line)?.[1] ?? '';
    const key = `${verb} ${resource}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(' ').at(-1)));
  }
  return counts;
}

function delta(before: Map<string, number>, after: Map<string, number>, keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, (after.get(k) ?? 0) - (before.get(k) ?? 0)]));
}

test.before(async (t) => {
  const started = Date.now();
  cluster = await startCluster({ nodes: 3 });
  t.log(`cluster up in ${Date.now() - started} ms`);
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfig);
  ns = await cluster.createNamespace();
  daemonNs = await cluster.createNamespace();
  Object.assign(web, { namespace: ns });
  await apply(
    kwokDeployment({ namespace: ns, name: 'web', replicas: 3, labels: { 'havoc/enabled': 'true', 'havoc/mtbf': '1d' } }),
    kwokDeployment({ namespace: ns, name: 'plain', replicas: 2 }),
    // The template carries the opt-in label, so its ReplicaSet and pods do too; only the Deployment decides.
    kwokDeployment({ namespace: ns, name: 'templated', replicas: 2, podLabels: { 'havoc/enabled': 'true' } }),
    kwokDeployment({ namespace: ns, name: 'monkey', replicas: 1, labels: { 'kube-monkey/enabled': 'enabled' } }),
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo', namespace: ns, labels: { 'havoc/enabled': 'true' } },
      spec: {
        nodeSelector: KWOK_NODE_SELECTOR,
        tolerations: [KWOK_TOLERATION],
        containers: [{ name: 'app', image: 'registry.invalid/fake:1' }],
      },
    },
  );
  await waitFor(
    async () => (await cluster.kubectl(['-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.status.readyReplicas}'])) === '3',
    { timeoutMs: 60_000, what: 'web 3/3 ready' },
  );
  adapter = createKubernetesCluster({
    kubeConfig,
    labelPrefix: 'havoc',
    kubeMonkey: false,
    nodeChaos: true,
    clock,
    log: recordingLog(),
  });
  const syncStarted = Date.now();
  await adapter.start();
  t.log(`informers synced in ${Date.now() - syncStarted} ms`);
});

test.after.always(async () => {
  await adapter?.stop();
  await cluster?.stop();
});

test('the snapshot holds exactly the opted-in workloads, from the watches alone; a fresh read adds the pods', async (t) => {
  t.true(adapter.synced());
  const before = await requestCounts();
  const started = Date.now();
  const snapshot = await adapter.snapshot();
  const took = Date.now() - started;
  const after = await requestCounts();
  const mine = snapshot.workloads.filter((w) => w.ref.namespace === ns);
  t.deepEqual(mine.map((w) => `${w.ref.kind}/${w.ref.name}`).sort(), ['Deployment/web', 'Pod/solo']);
  const webNow = mine.find((w) => w.ref.name === 'web');
  t.like(webNow, { desired: 3, ready: 3, labels: { 'havoc/enabled': 'true' } });
  t.false('pods' in webNow!, 'a snapshot carries no pods');
  t.like(
    mine.find((w) => w.ref.name === 'solo'),
    { desired: 1, ready: 1 },
  );
  t.true(snapshot.namespaces.some((n) => n.name === ns));
  t.is(snapshot.nodes.filter((n) => n.ready).length, 3);
  const requests = delta(before, after, ['LIST pods', 'LIST replicasets', 'LIST deployments', 'GET pods', 'GET deployments']);
  t.log(`snapshot in ${took} ms; API requests: ${JSON.stringify(requests)}`);
  t.like(requests, { 'LIST pods': 0, 'LIST replicasets': 0 }, 'a snapshot lists nothing');

  const fresh = await adapter.workload(web);
  t.is(readyPods(fresh).length, 3);
  t.true(
    fresh!.pods.every((p) => p.name.startsWith('web-') && p.nodeName?.startsWith('kwok-node-') && p.startedAt instanceof Date),
  );
  t.deepEqual(
    (await adapter.workload({ kind: 'Pod', namespace: ns, name: 'solo' }))?.pods.map((p) => p.name),
    ['solo'],
  );
  t.is(await adapter.workload({ kind: 'Deployment', namespace: ns, name: 'nope' }), undefined);

  const monkey = createKubernetesCluster({
    kubeConfig,
    labelPrefix: 'havoc',
    kubeMonkey: true,
    nodeChaos: false,
    clock,
    log: recordingLog(),
  });
  await monkey.start();
  try {
    const names = (await monkey.snapshot()).workloads
      .filter((w) => w.ref.namespace === ns)
      .map((w) => w.ref.name)
      .sort();
    t.deepEqual(names, ['monkey', 'solo', 'web'], 'kube-monkey/enabled is watched too when compat is on');
  } finally {
    await monkey.stop();
  }
});

test('the watch sees a workload opt in without a re-list', async (t) => {
  await cluster.kubectl(['-n', ns, 'label', 'deploy', 'plain', 'havoc/enabled=true']);
  await waitFor(async () => (await adapter.snapshot()).workloads.some((w) => w.ref.name === 'plain'), {
    timeoutMs: 10_000,
    what: 'plain in the snapshot',
  });
  await cluster.kubectl(['-n', ns, 'label', 'deploy', 'plain', 'havoc/enabled-']);
  await waitFor(async () => !(await adapter.snapshot()).workloads.some((w) => w.ref.name === 'plain'), {
    timeoutMs: 10_000,
    what: 'plain gone again',
  });
  t.pass();
});

test('a dry-run eviction is accepted by the server and leaves the pod', async (t) => {
  const [victim] = readyPods(await adapter.workload(web));
  const outcome = await createPodKiller({ kubeConfig, method: 'evict' }).kill(victim!, web, { dryRun: true });
  t.deepEqual(outcome, { result: 'killed' });
  await sleep(1000);
  const still = (await adapter.workload(web))?.pods.find((p) => p.uid === victim!.uid);
  t.like(still, { terminating: false, ready: true });
});

test('an eviction kills one pod and the Deployment replaces it', async (t) => {
  const [victim] = readyPods(await adapter.workload(web));
  const started = Date.now();
  const giveUp = new AbortController();
  const woke = adapter.changed(web, giveUp.signal).then(() => !giveUp.signal.aborted);
  const timer = setTimeout(() => giveUp.abort(), 30_000);
  t.deepEqual(await createPodKiller({ kubeConfig, method: 'evict' }).kill(victim!, web, { dryRun: false }), { result: 'killed' });
  t.true(await woke, 'the Deployment watch announced the change (its status)');
  clearTimeout(timer);
  t.like(adapter.watched(web), { ref: web, desired: 3 }, 'the watched view of the workload, no request');
  const back = await waitFor(
    async () => {
      const now = await adapter.workload(web);
      return now !== undefined && !now.pods.some((p) => p.uid === victim!.uid) && readyPods(now).length === 3 && now.ready === 3
        ? now
        : undefined;
    },
    { timeoutMs: 60_000, what: 'web back at 3 ready pods without the victim' },
  );
  t.log(`recovered in ${Date.now() - started} ms`);
  t.false(back.pods.some((p) => p.name === victim!.name));
});

test('a PDB with maxUnavailable 0 blocks the eviction, also in a dry run, and names itself', async (t) => {
  await blockEvictions(cluster, ns, 'web', 3);
  try {
    const [victim] = readyPods(await adapter.workload(web));
    const killer = createPodKiller({ kubeConfig, method: 'evict' });
    for (const dryRun of [true, false]) {
      const outcome = await killer.kill(victim!, web, { dryRun });
      t.is(outcome.result, 'blocked');
      t.regex(outcome.detail ?? '', /web-pdb/);
    }
    t.log(`blocked detail: ${(await killer.kill(victim!, web, { dryRun: true })).detail}`);
    t.is(readyPods(await adapter.workload(web)).length, 3);
  } finally {
    await cluster.kubectl(['-n', ns, 'delete', 'pdb', 'web-pdb']);
  }
});

test('a pod that vanished, or was replaced under the same name, is "already gone"', async (t) => {
  const [pod] = readyPods(await adapter.workload(web));
  for (const method of ['evict', 'delete'] as const) {
    const killer = createPodKiller({ kubeConfig, method, gracePeriodSeconds: 0 });
    t.is((await killer.kill({ ...pod!, name: 'web-does-not-exist' }, web, { dryRun: false })).result, 'already-gone');
    const namesake = await killer.kill({ ...pod!, uid: '00000000-0000-0000-0000-000000000000' }, web, { dryRun: false });
    t.is(namesake.result, 'already-gone', `${method}: ${namesake.detail}`);
  }
  t.true((await adapter.workload(web))!.pods.some((p) => p.uid === pod!.uid && !p.terminating));
});

test('delete with a grace period kills the pod', async (t) => {
  const [victim] = readyPods(await adapter.workload(web));
  t.deepEqual(
    await createPodKiller({ kubeConfig, method: 'delete', gracePeriodSeconds: 0 }).kill(victim!, web, { dryRun: false }),
    { result: 'killed' },
  );
  await waitFor(async () => !(await adapter.workload(web))!.pods.some((p) => p.uid === victim!.uid), {
    timeoutMs: 30_000,
    what: 'victim gone',
  });
  t.pass();
});

test('Events are accepted by the API server and listed by kubectl', async (t) => {
  const workload = (await adapter.workload(web))!;
  const [pod] = workload.pods;
  const target = {
    kind: 'Pod' as const,
    namespace: ns,
    name: pod!.name,
    uid: pod!.uid,
    workload: web,
    workloadUid: workload.uid,
  };
  const listener = createEventListener({ kubeConfig, reportingInstance: 'kube-havoc-e2e-0', log: recordingLog() });
  const at = new Date();
  const occurrences: Occurrence[] = [
    killOccurrence('killed', { at, target, dryRun: true, reason: 'e2e' }),
    killOccurrence('blocked', {
      at,
      target,
      outcome: { result: 'blocked', detail: 'The disruption budget web-pdb needs 3 healthy pods and has 3 currently' },
      reason: 'e2e',
      budget: { tick: 1, hour: 3, day: 10 },
    }),
    recoveryOccurrence({ recovered: true, seconds: 4.2 }, { at, target }),
    recoveryOccurrence({ recovered: false, seconds: 300, detail: '2/3 pods ready' }, { at, target }),
    skipOccurrence('not-steady', { at, workload: web, workloadUid: workload.uid, detail: '2/3 replicas ready' }),
    {
      type: 'invalid-label',
      at,
      workload: web,
      workloadUid: workload.uid,
      field: 'havoc/mtbf',
      value: '2x',
      message: 'must be a duration',
    },
  ];
  for (const o of occurrences) await listener.on(o);
  const listed = JSON.parse(await cluster.kubectl(['-n', ns, 'get', 'events.events.k8s.io', '-o', 'json'])) as {
    items: { reason: string; reportingController: string; note: string; regarding: { kind: string } }[];
  };
  const ours = listed.items.filter((e) => e.reportingController === 'kube-havoc');
  const seen = ours.map((e) => `${e.reason}/${e.regarding.kind}`).sort();
  t.deepEqual(seen, [
    'HavocBlockedByPDB/Deployment',
    'HavocBlockedByPDB/Pod',
    'HavocInvalidLabel/Deployment',
    'HavocKilled/Deployment',
    'HavocKilled/Pod',
    'HavocNotRecovered/Deployment',
    'HavocNotRecovered/Pod',
    'HavocRecovered/Deployment',
    'HavocRecovered/Pod',
    'HavocSkipped/Deployment',
  ]);
  t.true(ours.some((e) => e.reason === 'HavocKilled' && e.note.startsWith('[dry-run] ')));
  // Events about a cluster-scoped object (a drained node) must go to "default".
  const node = JSON.parse(await cluster.kubectl(['get', 'node', 'kwok-node-0', '-o', 'json'])) as { metadata: { uid: string } };
  await listener.on(
    killOccurrence('killed', {
      at,
      target: { kind: 'Node', name: 'kwok-node-0', uid: node.metadata.uid },
      dryRun: true,
      reason: 'e2e',
      budget: { tick: 0, hour: 1, day: 1 },
    }),
  );
  t.regex(
    await cluster.kubectl(['-n', 'default', 'get', 'events', '--field-selector', 'reason=HavocKilled']),
    /node\/kwok-node-0/,
  );
  const table = await cluster.kubectl(['-n', ns, 'get', 'events']);
  t.regex(table, /HavocBlockedByPDB/);
  t.regex(table, /deployment\/web/);
});

test('the state ConfigMap round-trips and concurrent writers lose nothing', async (t) => {
  const options = { kubeConfig, namespace: daemonNs, name: 'kube-havoc-state', log: recordingLog() };
  const a = createConfigMapStateStore(options);
  const b = createConfigMapStateStore(options);
  t.deepEqual(await a.load(), { kills: [] });
  const record = (id: string): KillRecord => ({
    id,
    at: new Date().toISOString(),
    target: `${ns}/Deployment/web`,
    action: 'pod-evict',
    result: 'killed',
    dryRun: false,
    count: 1,
  });
  await Promise.all(
    Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).update((s) => ({ ...s, kills: [...s.kills, record(`k${i}`)] }))),
  );
  const state = await b.load();
  t.deepEqual(state.kills.map((k) => k.id).sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  await a.update((s) => ({ ...s, paused: { reason: 'e2e', by: 'ava', at: new Date().toISOString() } }));
  t.is((await createConfigMapStateStore(options).load()).paused?.reason, 'e2e', 'a fresh store (a restart) sees the same state');
  // The kill-switch check of a drain pass: the API server answers the metadata alone, as fresh as a full read.
  const meta = await kubeConfig
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ namespace: daemonNs, name: 'kube-havoc-state' }, METADATA_ONLY);
  t.is(meta.data, undefined, 'no data in a metadata-only answer');
  t.truthy(meta.metadata?.resourceVersion);
  t.is((await a.killSwitch?.())?.reason, 'e2e', 'the writer knows its version: metadata only');
  t.is((await b.killSwitch?.())?.reason, 'e2e', 'the other store saw an older version: one full read');
  const data = JSON.parse(
    await cluster.kubectl(['-n', daemonNs, 'get', 'configmap', 'kube-havoc-state', '-o', 'jsonpath={.data.state\\.json}']),
  ) as { kills: unknown[] };
  t.is(data.kills.length, 6);
});

test('two leader electors: exactly one leads; a clean stop hands over at once, a crash within the lease bound', async (t) => {
  const electors: LeaderElector[] = [];
  const make = (identity: string, leaseName: string) => {
    const elector = createLeaderElector({
      kubeConfig,
      namespace: daemonNs,
      leaseName,
      identity,
      leaseDurationSeconds: 3,
      renewIntervalSeconds: 1,
      clock,
      log: recordingLog(),
    });
    electors.push(elector);
    return elector;
  };
  try {
    const a = make('replica-a', 'kube-havoc');
    const b = make('replica-b', 'kube-havoc');
    await a.start();
    await b.start();
    for (let i = 0; i < 5; i += 1) {
      await sleep(500);
      t.true(a.isLeader() !== b.isLeader(), 'exactly one leader at every moment');
    }
    t.true(a.isLeader());

    const stopped = Date.now();
    await a.stop();
    t.false(a.isLeader());
    await waitFor(() => b.isLeader(), { timeoutMs: 5000, intervalMs: 50, what: 'b leads after a released' });
    const handover = Date.now() - stopped;
    t.log(`handover after a clean stop: ${handover} ms (renew interval 1 s)`);
    t.true(handover <= 1500, `within one renew interval (+ latency), took ${handover} ms`);

    // A crash: "dead" acquires once and never renews nor releases.
    const dead = make('replica-dead', 'crash-test');
    const survivor = make('replica-survivor', 'crash-test');
    t.true(await dead.refresh());
    const acquired = Date.now();
    await survivor.start();
    t.false(survivor.isLeader());
    await waitFor(() => !dead.isLeader(), { timeoutMs: 5000, intervalMs: 20, what: 'the dead holder gives up' });
    const gaveUp = Date.now() - acquired;
    await waitFor(() => survivor.isLeader(), { timeoutMs: 10_000, intervalMs: 50, what: 'survivor takes over' });
    const takeover = Date.now() - acquired;
    t.log(`crash: old holder stopped acting after ${gaveUp} ms, takeover after ${takeover} ms (lease 3 s, renew 1 s)`);
    t.true(gaveUp < takeover, 'the old leader stops acting before the new one starts');
    t.true(takeover >= 3000 && takeover <= 3000 + 2 * 1000 + 1000, `within lease + 2 renew intervals, took ${takeover} ms`);
  } finally {
    await Promise.all(electors.map((e) => e.stop()));
  }
});

test('RBAC refusal: a clear log line, an error with its kind, no snapshot, and it keeps retrying', async (t) => {
  const token = (await cluster.kubectl(['-n', ns, 'create', 'token', 'default', '--duration=10m'])).trim();
  const restricted = new KubeConfig();
  restricted.loadFromFile(tokenKubeconfig(cluster, token));
  const { failing: denied, log, reported } = await startFailingAdapter(restricted);
  try {
    const error = await t.throwsAsync(denied.snapshot());
    t.like(error, { kind: 'forbidden' });
    t.regex(error.message, /forbidden \(403\)/);
    const line = log.lines.find((l) => l.level === 'error');
    t.regex(line?.msg ?? '', /forbidden \(403\), RBAC does not allow it: .*system:serviceaccount:/);
    t.log(`log line: ${line?.msg}`);
    t.true(reported.length > 0 && reported.every((k) => k === 'forbidden'));
    t.false(denied.synced());
    const errorLines = () => log.lines.filter((l) => l.level === 'error').length;
    const [failures, announced] = [errorLines(), reported.length];
    await sleep(1500);
    t.true(errorLines() > failures, 'the watches retried (first backoff 1 s) and logged each attempt');
    t.is(reported.length, announced, 'but announced the outage only once per watch');
    await t.throwsAsync(
      createConfigMapStateStore({ kubeConfig: restricted, namespace: daemonNs, name: 'kube-havoc-state', log }).load(),
      { message: /forbidden/ },
    );
  } finally {
    await denied.stop();
  }
});

test('an unreachable API server: start returns, the snapshot fails closed as api-unreachable', async (t) => {
  // A port that was free a moment ago: nothing listens there.
  const port = await freePort();
  const gone = new KubeConfig();
  gone.loadFromClusterAndUser(
    { name: 'gone', server: `https://127.0.0.1:${port}`, skipTLSVerify: true },
    { name: 'nobody', token: 'x' },
  );
  const { failing: unreachable, log, reported } = await startFailingAdapter(gone);
  try {
    const error = await t.throwsAsync(unreachable.snapshot(), { message: /unreachable/ });
    t.like(error, { kind: 'api-unreachable' });
    t.log(`log line: ${log.lines.find((l) => l.level === 'error')?.msg}`);
    t.true(reported.every((k) => k === 'api-unreachable') && reported.length > 0);
    const killer = createPodKiller({ kubeConfig: gone, method: 'evict' });
    const outcome = await killer.kill(
      { namespace: ns, name: 'web-x', uid: 'u', phase: 'Running', ready: true, terminating: false },
      web,
      { dryRun: false },
    );
    t.is(outcome.result, 'failed');
    t.regex(outcome.detail ?? '', /unreachable/);
  } finally {
    await unreachable.stop();
  }
});

test('steady state by kind, from what the real controllers write: rolled out is steady, a stuck surge rollout is not', async (t) => {
  const own = await cluster.createNamespace();
  const optIn = { 'havoc/enabled': 'true' };
  const template = (app: string) => ({
    metadata: { labels: { app } },
    spec: {
      nodeSelector: KWOK_NODE_SELECTOR,
      tolerations: [KWOK_TOLERATION],
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: 'example.invalid/app:1' }],
    },
  });
  const set = (kind: 'StatefulSet' | 'DaemonSet', name: string, spec: object) => ({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: own, labels: optIn },
    spec: { selector: { matchLabels: { app: name } }, template: template(name), ...spec },
  });
  await apply(
    set('StatefulSet', 'db', { replicas: 2, serviceName: 'db', podManagementPolicy: 'Parallel' }),
    set('DaemonSet', 'agent', {}),
    kwokDeployment({ namespace: own, name: 'shop', replicas: 3, labels: optIn }),
  );
  const db: WorkloadRef = { kind: 'StatefulSet', namespace: own, name: 'db' };
  const agent: WorkloadRef = { kind: 'DaemonSet', namespace: own, name: 'agent' };
  const shop: WorkloadRef = { kind: 'Deployment', namespace: own, name: 'shop' };
  const steady = (ref: WorkloadRef) =>
    waitFor(
      async () => {
        const w = await adapter.workload(ref);
        return w && filterBySteadyState(w) === undefined ? w : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `${ref.kind} ${ref.name} at steady state` },
    );
  const sts = await steady(db);
  t.like(sts.rollout, { updated: 2, available: 2 });
  t.truthy(sts.rollout.updateRevision);
  t.is(sts.rollout.currentRevision, sts.rollout.updateRevision);
  const ds = await steady(agent);
  t.like(ds, { desired: 3, ready: 3, rollout: { updated: 3, available: 3 } });
  t.like(await steady(shop), { desired: 3, rollout: { updated: 3, total: 3, available: 3 } });
  // The watch caches are trimmed: they keep every status field steady state reads.
  await waitFor(
    async () =>
      [db, agent, shop].every((ref) => {
        const w = adapter.watched(ref);
        return w !== undefined && filterBySteadyState(w) === undefined;
      }),
    { timeoutMs: 30_000, intervalMs: 500, what: 'the watched statuses steady too' },
  );

  // A surge rollout whose new pod can never be scheduled: the old pods keep ready at the desired count.
  const nowhere = { spec: { template: { spec: { nodeSelector: { 'havoc-e2e/nowhere': 'true' } } } } };
  const surge = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } };
  await cluster.kubectl(['-n', own, 'patch', 'deploy', 'shop', '--type=merge', '-p', JSON.stringify(surge)]);
  await cluster.kubectl(['-n', own, 'patch', 'deploy', 'shop', '--type=merge', '-p', JSON.stringify(nowhere)]);
  const stuck = await waitFor(
    async () => {
      const w = await adapter.workload(shop);
      return w && w.rollout.observedGeneration >= w.rollout.generation && w.rollout.total === 4 ? w : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: 'the rollout under way, its surge pod pending' },
  );
  t.is(readyReplicas(stuck), 3, 'ready counts alone would call it steady');
  t.is(filterBySteadyState(stuck), 'rollout in progress: 1/3 replicas updated');
  await cluster.kubectl(['-n', own, 'rollout', 'undo', 'deploy/shop']);
  t.like(await steady(shop), { rollout: { updated: 3, total: 3 } }, 'steady again once the rollout is undone');
});
