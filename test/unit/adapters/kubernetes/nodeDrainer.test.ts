import test from 'ava';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { drainMark } from '../../../../src/adapters/kubernetes/drainMark.ts';
import { createNodeDrainer, type NodeDrainApi } from '../../../../src/adapters/kubernetes/nodeDrainer.ts';
import { workloadOf } from '../../../../src/adapters/kubernetes/drainPlan.ts';
import type { KillOutcome, NodeInfo } from '../../../../src/domain/model.ts';
import type { PodKiller } from '../../../../src/domain/ports.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';

const NOW = new Date('2026-11-20T10:00:00Z');
const UNTIL = new Date('2026-11-20T10:10:00Z');
const BY = 'havoc/drained-by';
const UNTIL_KEY = 'havoc/drained-until';
/** This install's mark, and another install's (its own namespace and state). */
const MINE = drainMark({ namespace: 'kube-havoc', stateConfigMap: 'kube-havoc-state' });
const THEIRS = drainMark({ namespace: 'team-b', stateConfigMap: 'kube-havoc-state' });

function pod(name: string, over: { owner?: string; mirror?: boolean; emptyDir?: boolean; namespace?: string } = {}): V1Pod {
  return {
    metadata: {
      name,
      namespace: over.namespace ?? 'shop',
      uid: `uid-${name}`,
      ...(over.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
      ...(over.owner === 'none'
        ? {}
        : {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: over.owner ?? 'ReplicaSet', name: 'rs', uid: 'rs', controller: true },
            ],
          }),
    },
    spec: { nodeName: 'worker-1', containers: [], ...(over.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}) },
    status: { phase: 'Running', startTime: new Date('2026-11-20T08:00:00Z') },
  };
}

/** An API server of one node and its pods; JSON patches honour the `test` op like the real one. */
function fakeApi(nodeObject: V1Node, pods: V1Pod[]) {
  const calls: string[] = [];
  /** The label selector of each node list (undefined: every node). */
  const listed: (string | undefined)[] = [];
  let node = structuredClone(nodeObject);
  const state = {
    pods,
    get node() {
      return node;
    },
  };
  const api: NodeDrainApi = {
    async readNode() {
      return structuredClone(node);
    },
    async listNode(request?: { labelSelector?: string }) {
      listed.push(request?.labelSelector);
      return { items: [structuredClone(node)] };
    },
    async listPodForAllNamespaces() {
      // Evicted pods are gone by the next look, as with a real kubelet.
      state.pods = state.pods.filter((p) => !p.metadata?.deletionTimestamp);
      return { items: structuredClone(state.pods) };
    },
    async patchNode(param: { body: unknown; dryRun?: string }) {
      calls.push(`patch${param.dryRun ? ' (dry run)' : ''}`);
      if (param.dryRun) return node;
      if (Array.isArray(param.body)) {
        // JSON patch, all or nothing: a failed test, or a remove of what is not there, is a 422.
        const next = structuredClone(node) as V1Node & { metadata: Record<string, Record<string, string>> };
        for (const op of param.body as { op: string; path: string; value?: unknown }[]) {
          const [, , field, key] = op.path.split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
          if (op.path === '/spec/unschedulable') next.spec = { ...next.spec, unschedulable: op.value as boolean };
          else if (op.op === 'test' && next.metadata[field ?? '']?.[key ?? ''] !== op.value)
            throw Object.assign(new Error('test failed'), { code: 422 });
          else if (op.op === 'remove') {
            if (next.metadata[field ?? '']?.[key ?? ''] === undefined)
              throw Object.assign(new Error('remove of a missing key'), { code: 422 });
            delete next.metadata[field ?? '']?.[key ?? ''];
          }
        }
        node = next;
      } else {
        const body = param.body as {
          metadata: { labels: Record<string, string>; annotations: Record<string, string> };
          spec: { unschedulable: boolean };
        };
        node = {
          ...node,
          metadata: {
            ...node.metadata,
            labels: { ...node.metadata?.labels, ...body.metadata.labels },
            annotations: { ...node.metadata?.annotations, ...body.metadata.annotations },
          },
          spec: { ...node.spec, ...body.spec },
        };
      }
      return node;
    },
  } as unknown as NodeDrainApi;
  return { api, state, calls, listed };
}

function evictor(state: { pods: V1Pod[] }, blocked: Record<string, string> = {}): PodKiller & { tried: string[] } {
  const tried: string[] = [];
  return {
    tried,
    async kill(p, _w, { dryRun }): Promise<KillOutcome> {
      tried.push(p.name);
      if (blocked[p.name]) return { result: 'blocked', detail: blocked[p.name] };
      if (!dryRun)
        state.pods = state.pods.map((x) =>
          x.metadata?.name === p.name ? { ...x, metadata: { ...x.metadata, deletionTimestamp: NOW } } : x,
        );
      return { result: 'killed' };
    },
    async fate() {
      return { seen: 'present' };
    },
  };
}

const nodeInfo: NodeInfo = {
  name: 'worker-1',
  uid: 'n1',
  labels: {},
  annotations: {},
  taints: [],
  ready: true,
  unschedulable: false,
};
const v1node = (over: Partial<V1Node['spec']> = {}, annotations: Record<string, string> = {}): V1Node => ({
  metadata: { name: 'worker-1', annotations },
  spec: { ...over },
});

type Over = { deleteEmptyDirData?: boolean; evictBarePods?: boolean; mark?: typeof MINE; markedOnly?: boolean };
function drainerOptions(api: NodeDrainApi, evict: PodKiller, over: Over = {}) {
  return {
    api,
    evictor: evict,
    mark: over.mark ?? MINE,
    ...(over.markedOnly ? { markedOnly: true } : {}),
    labelPrefix: 'havoc',
    drainTimeoutSeconds: 300,
    podEvictionTimeoutSeconds: 60,
    pollSeconds: 5,
    clock: fakeClock(NOW),
    deleteEmptyDirData: over.deleteEmptyDirData ?? false,
    evictBarePods: over.evictBarePods ?? false,
    self: { namespace: 'kube-havoc', podName: 'kube-havoc-0' },
    protectedNamespaces: new Set(['kube-system', 'kube-havoc']),
  };
}
const drainer = (api: NodeDrainApi, evict: PodKiller, over: Over = {}) => createNodeDrainer(drainerOptions(api, evict, over));
const signal = new AbortController().signal;

test('drain cordons with the give-back mark, evicts, and skips DaemonSet, mirror and own pods', async (t) => {
  const { api, state } = fakeApi(v1node(), [
    pod('web-1'),
    pod('web-2'),
    pod('agent', { owner: 'DaemonSet' }),
    pod('static', { mirror: true }),
    pod('kube-havoc-0', { namespace: 'kube-havoc' }),
  ]);
  const evict = evictor(state);
  const outcome = await drainer(api, evict).drain(nodeInfo, { dryRun: false, until: UNTIL, signal });
  t.deepEqual(outcome, { result: 'killed', detail: '2 pod(s) evicted' });
  t.deepEqual(evict.tried.sort(), ['web-1', 'web-2']);
  t.true(state.node.spec?.unschedulable);
  t.is(state.node.metadata?.annotations?.[UNTIL_KEY], UNTIL.toISOString());
});

test("give-back waits for the mark's time, then uncordons and removes the mark", async (t) => {
  const { api, state } = fakeApi(v1node({ unschedulable: true }, { [BY]: 'kube-havoc', [UNTIL_KEY]: UNTIL.toISOString() }), []);
  const d = drainer(api, evictor(state));
  t.deepEqual(
    (await d.giveBack(NOW, { dryRun: false })).map((r) => r.name),
    [],
  );
  t.deepEqual(
    (await d.giveBack(UNTIL, { dryRun: false })).map((r) => r.name),
    ['worker-1'],
  );
  t.false(state.node.spec?.unschedulable);
  t.is(state.node.metadata?.annotations?.[BY], undefined);
});

test("an administrator's keep-cordoned on a drained node holds through give-back: only the mark goes", async (t) => {
  const { api, state } = fakeApi(
    v1node({ unschedulable: true }, { [BY]: 'kube-havoc', [UNTIL_KEY]: UNTIL.toISOString(), 'havoc/keep-cordoned': 'true' }),
    [],
  );
  const d = drainer(api, evictor(state));
  t.deepEqual(await d.giveBack(UNTIL, { dryRun: false }), [{ name: 'worker-1', uncordoned: false }]);
  t.true(state.node.spec?.unschedulable, 'still cordoned');
  t.is(state.node.metadata?.annotations?.[BY], undefined, "no longer kube-havoc's: never given back later");
  t.deepEqual(await d.giveBack(new Date('2027-01-01T00:00:00Z'), { dryRun: false }), []);
  t.true(state.node.spec?.unschedulable);
});

test('a node cordoned by an administrator is never drained and never uncordoned', async (t) => {
  const { api, state, calls } = fakeApi(v1node({ unschedulable: true }), [pod('web-1')]);
  const d = drainer(api, evictor(state));
  const outcome = await d.drain(nodeInfo, { dryRun: false, until: UNTIL, signal });
  t.is(outcome.result, 'failed');
  t.regex(outcome.detail ?? '', /already cordoned by someone else/);
  t.deepEqual(
    (await d.giveBack(new Date('2027-01-01T00:00:00Z'), { dryRun: false })).map((r) => r.name),
    [],
  );
  t.true(state.node.spec?.unschedulable);
  t.deepEqual(calls, []);
});

test('a PDB that blocks until the timeout: the outcome names the pod and the budget, and the node is uncordoned', async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('web-1'), pod('db-0')]);
  const message =
    "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget db-pdb needs 1 healthy pods";
  const outcome = await drainer(api, evictor(state, { 'db-0': message })).drain(nodeInfo, {
    dryRun: false,
    until: UNTIL,
    signal,
  });
  t.is(outcome.result, 'blocked');
  t.true(
    outcome.detail?.includes('shop/db-0') && outcome.detail.includes('db-pdb') && outcome.detail.includes('gave up after 60s'),
    outcome.detail,
  );
  t.true(outcome.detail?.includes('node uncordoned'));
  t.false(state.node.spec?.unschedulable);
  t.is(state.node.metadata?.annotations?.[BY], undefined);
});

test('bare pods and emptyDir pods stop the drain before anything is cordoned, unless allowed', async (t) => {
  const pods = () => [pod('web-1'), pod('lonely', { owner: 'none' }), pod('cache', { emptyDir: true })];
  const first = fakeApi(v1node(), pods());
  const refused = await drainer(first.api, evictor(first.state)).drain(nodeInfo, { dryRun: false, until: UNTIL, signal });
  t.is(refused.result, 'blocked');
  t.regex(refused.detail ?? '', /shop\/lonely has no controller.*shop\/cache uses emptyDir/);
  t.deepEqual(first.calls, []);
  const second = fakeApi(v1node(), pods());
  const allowed = await drainer(second.api, evictor(second.state), { deleteEmptyDirData: true, evictBarePods: true }).drain(
    nodeInfo,
    { dryRun: false, until: UNTIL, signal },
  );
  t.deepEqual(allowed, { result: 'killed', detail: '3 pod(s) evicted' });
});

test('dry run: the cordon and the evictions are server-side dry runs; nothing changes', async (t) => {
  const { api, state, calls } = fakeApi(v1node(), [pod('web-1')]);
  const evict = evictor(state);
  const outcome = await drainer(api, evict).drain(nodeInfo, { dryRun: true, until: UNTIL, signal });
  t.deepEqual(outcome, { result: 'killed', detail: '1 pod(s) evicted (dry run)' });
  t.deepEqual(calls, ['patch (dry run)']);
  t.falsy(state.node.spec?.unschedulable);
  t.is(state.pods.length, 1);
  t.deepEqual(
    (await drainer(api, evict).giveBack(new Date('2027-01-01T00:00:00Z'), { dryRun: true })).map((r) => r.name),
    [],
  );
});

test('a daemon stopping mid-drain (SIGTERM) stops after the eviction in flight and gives the node back before it exits', async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('web-1'), pod('web-2'), pod('web-3')]);
  const stop = new AbortController();
  const evict = evictor(state);
  const stopping: PodKiller = {
    ...evict,
    async kill(p, w, o) {
      stop.abort(); // the signal arrives while the first eviction is under way
      return evict.kill(p, w, o);
    },
  };
  const outcome = await drainer(api, stopping).drain(nodeInfo, { dryRun: false, until: UNTIL, signal: stop.signal });
  t.deepEqual(evict.tried, ['web-1'], 'no eviction starts after the signal');
  t.is(outcome.result, 'failed');
  t.regex(outcome.detail ?? '', /daemon stopping mid-drain, after 1 eviction\(s\); node uncordoned/);
  t.false(state.node.spec?.unschedulable);
  t.deepEqual(state.node.metadata?.annotations, {});
  t.deepEqual(state.node.metadata?.labels, {});
});

test('a drain stopped early leaves a node an administrator meanwhile asked to keep cordoned, cordoned: only the mark goes', async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('web-1'), pod('web-2')]);
  const stop = new AbortController();
  const evict = evictor(state);
  const keeping: PodKiller = {
    ...evict,
    async kill(p, w, o) {
      await api.patchNode({
        name: 'worker-1',
        body: { metadata: { labels: {}, annotations: { 'havoc/keep-cordoned': 'true' } }, spec: {} },
      });
      stop.abort();
      return evict.kill(p, w, o);
    },
  };
  const outcome = await drainer(api, keeping).drain(nodeInfo, { dryRun: false, until: UNTIL, signal: stop.signal });
  t.regex(outcome.detail ?? '', /node left cordoned as an administrator asked \(havoc\/keep-cordoned\), mark removed$/);
  t.true(state.node.spec?.unschedulable, 'still cordoned, as the administrator asked');
  t.is(state.node.metadata?.annotations?.[BY], undefined);
  t.is(state.node.metadata?.labels?.[BY], undefined);
});

test('a daemon already stopping cordons nothing', async (t) => {
  const { api, state, calls } = fakeApi(v1node(), [pod('web-1')]);
  const stop = new AbortController();
  stop.abort();
  const outcome = await drainer(api, evictor(state)).drain(nodeInfo, { dryRun: false, until: UNTIL, signal: stop.signal });
  t.is(outcome.result, 'failed');
  t.deepEqual(calls, []);
  t.falsy(state.node.spec?.unschedulable);
});

test("the drain mark names the install: one install never gives back another's node, each gives back its own", async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('web-1')]);
  const ours = drainer(api, evictor(state), { mark: THEIRS });
  t.is((await ours.drain(nodeInfo, { dryRun: false, until: UNTIL, signal })).result, 'killed');
  t.is(state.node.metadata?.annotations?.[BY], 'team-b/kube-havoc-state');
  t.is(state.node.metadata?.labels?.[BY], 'team-b.kube-havoc-state');
  const other = drainer(api, evictor(state));
  t.false(await other.isDrained('worker-1'));
  t.deepEqual(await other.giveBack(new Date('2027-01-01T00:00:00Z'), { dryRun: false }), []);
  t.true(state.node.spec?.unschedulable, "another install's node stays cordoned");
  t.true(await ours.isDrained('worker-1'));
  t.deepEqual(await ours.giveBack(UNTIL, { dryRun: false }), [{ name: 'worker-1', uncordoned: true }]);
  t.false(state.node.spec?.unschedulable);
  t.deepEqual(state.node.metadata?.labels, {}, 'the label goes with the mark');
});

test('a mark from before marks named their install (kube-havoc, no label) is given back by any install', async (t) => {
  const { api, state } = fakeApi(v1node({ unschedulable: true }, { [BY]: 'kube-havoc', [UNTIL_KEY]: UNTIL.toISOString() }), []);
  const d = drainer(api, evictor(state), { mark: THEIRS });
  t.true(await d.isDrained('worker-1'));
  t.deepEqual(await d.giveBack(UNTIL, { dryRun: false }), [{ name: 'worker-1', uncordoned: true }]);
  t.false(state.node.spec?.unschedulable);
});

test('a stale view whose mark lost its label: the failed patch is retried once from a fresh read', async (t) => {
  const marked = v1node({ unschedulable: true }, { [BY]: MINE.install, [UNTIL_KEY]: UNTIL.toISOString() });
  const { api, state } = fakeApi(marked, []);
  const stale = structuredClone(marked);
  stale.metadata = { ...stale.metadata, labels: { [BY]: MINE.label } };
  const d = createNodeDrainer({ ...drainerOptions(api, evictor(state)), watchedNodes: () => [stale] });
  t.deepEqual(await d.giveBack(UNTIL, { dryRun: false }), [{ name: 'worker-1', uncordoned: true }]);
  t.false(state.node.spec?.unschedulable);
});

test('without node chaos (markedOnly) the first give-back lists every node once, later ones only the labelled', async (t) => {
  const { api, state, listed } = fakeApi(
    v1node({ unschedulable: true }, { [BY]: 'kube-havoc', [UNTIL_KEY]: UNTIL.toISOString() }),
    [],
  );
  const d = drainer(api, evictor(state), { markedOnly: true });
  t.deepEqual(await d.giveBack(UNTIL, { dryRun: false }), [{ name: 'worker-1', uncordoned: true }]);
  await d.giveBack(UNTIL, { dryRun: false });
  t.deepEqual(listed, [undefined, 'havoc/drained-by=kube-havoc.kube-havoc-state']);
});

test('without node chaos, a watched view that cannot be trusted makes give-back wait, not poll', async (t) => {
  const { api, state, listed } = fakeApi(v1node(), []);
  const d = createNodeDrainer({ ...drainerOptions(api, evictor(state), { markedOnly: true }), watchedNodes: () => undefined });
  for (let i = 0; i < 5; i++) await d.giveBack(UNTIL, { dryRun: false });
  t.deepEqual(listed, [undefined], 'the one list of every node at the first give-back, nothing more');
});

test('pods in protected namespaces stay on the drained node', async (t) => {
  const { api, state } = fakeApi(v1node(), [
    pod('web-1'),
    pod('coredns-1', { namespace: 'kube-system' }),
    pod('kube-havoc-1', { namespace: 'kube-havoc' }),
  ]);
  const evict = evictor(state);
  const outcome = await drainer(api, evict).drain(nodeInfo, { dryRun: false, until: UNTIL, signal });
  t.deepEqual(outcome, { result: 'killed', detail: '1 pod(s) evicted' });
  t.deepEqual(evict.tried, ['web-1']);
});

test('a drain told to stop (window closed, paused) stops evicting and gives the node back at once', async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('web-1'), pod('db-0')]);
  let passes = 0;
  const pass = async () => (passes++ === 0 ? { hold: new Map<string, string>() } : { stop: 'the business window closed' });
  const outcome = await drainer(api, evictor(state, { 'db-0': 'disruption budget db-pdb' })).drain(nodeInfo, {
    dryRun: false,
    until: UNTIL,
    signal,
    pass,
  });
  t.is(outcome.result, 'failed');
  t.regex(outcome.detail ?? '', /drain stopped after 1 eviction\(s\): the business window closed.*node uncordoned/);
  t.false(state.node.spec?.unschedulable);
});

test('a drain asks its local check before each eviction of a pass: a refusal mid-pass stops it and gives the node back', async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('web-1'), pod('web-2'), pod('web-3')]);
  const evict = evictor(state);
  let asked = 0;
  // The pass verdict said go; the term ends while the first eviction is under way (a slow API server).
  const stopNow = () => (asked++ < 2 ? undefined : 'this replica does not hold the lease now');
  const outcome = await drainer(api, evict).drain(nodeInfo, { dryRun: false, until: UNTIL, signal, stopNow });
  t.deepEqual(evict.tried, ['web-1'], 'no eviction after the refusal');
  t.is(asked, 3, 'asked before the cordon, before the first eviction and before the second');
  t.is(outcome.result, 'failed');
  t.regex(outcome.detail ?? '', /drain stopped after 1 eviction\(s\): this replica does not hold the lease now.*node uncordoned/);
  t.false(state.node.spec?.unschedulable, 'never left cordoned');
  t.deepEqual(state.node.metadata?.annotations, {});
});

test('a drain refused by its local check before the cordon cordons nothing', async (t) => {
  const { api, state, calls } = fakeApi(v1node(), [pod('web-1')]);
  const evict = evictor(state);
  // The reservation was written; the node and its pods were read meanwhile; the term has ended.
  const stopNow = () => 'this replica does not hold the lease now';
  const outcome = await drainer(api, evict).drain(nodeInfo, { dryRun: false, until: UNTIL, signal, stopNow });
  t.deepEqual(outcome, { result: 'failed', detail: 'node worker-1 not drained: this replica does not hold the lease now' });
  t.deepEqual(calls, [], 'no patch');
  t.deepEqual(evict.tried, []);
});

test('give-back also runs in a dry run: a mark always comes from a live drain, perhaps from before the switch', async (t) => {
  const { api, state } = fakeApi(v1node({ unschedulable: true }, { [BY]: 'kube-havoc', [UNTIL_KEY]: UNTIL.toISOString() }), []);
  t.deepEqual(
    (await drainer(api, evictor(state)).giveBack(UNTIL, { dryRun: true })).map((r) => r.name),
    ['worker-1'],
  );
  t.false(state.node.spec?.unschedulable);
});

test('give-back finds marked nodes in the watched view without listing; lists only while that view is untrusted', async (t) => {
  const marked = v1node({ unschedulable: true }, { [BY]: 'kube-havoc', [UNTIL_KEY]: UNTIL.toISOString() });
  const { api, state } = fakeApi(marked, []);
  let lists = 0;
  const counted = {
    ...api,
    listNode: async () => {
      lists += 1;
      return api.listNode();
    },
  } as NodeDrainApi;
  let view: V1Node[] | undefined = [structuredClone(marked)];
  const d = createNodeDrainer({
    api: counted,
    evictor: evictor(state),
    labelPrefix: 'havoc',
    drainTimeoutSeconds: 300,
    podEvictionTimeoutSeconds: 60,
    pollSeconds: 5,
    clock: fakeClock(NOW),
    self: { namespace: 'havoc', podName: 'havoc-0' },
    protectedNamespaces: new Set(),
    deleteEmptyDirData: false,
    evictBarePods: false,
    watchedNodes: () => view,
    mark: MINE,
  });
  t.deepEqual(await d.giveBack(NOW, { dryRun: false }), []);
  t.is(lists, 0);
  // A stale view that still shows the mark is harmless: the patch tests the mark on the server.
  t.deepEqual(await d.giveBack(UNTIL, { dryRun: false }), [{ name: 'worker-1', uncordoned: true }]);
  t.deepEqual(await d.giveBack(UNTIL, { dryRun: false }), []);
  t.is(lists, 0);
  view = undefined;
  await d.giveBack(UNTIL, { dryRun: false });
  t.is(lists, 1);
});

test('a pod the permit holds back is not evicted; held past the pod eviction timeout, the drain ends blocked and the node comes back', async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('web-1'), pod('web-2')]);
  const evict = evictor(state);
  const seen: string[][] = [];
  const outcome = await drainer(api, evict).drain(nodeInfo, {
    dryRun: false,
    until: UNTIL,
    signal,
    pass: async (pods) => {
      seen.push(pods.map((p) => `${p.key}${p.terminating ? ' (going)' : ''} of ${p.workload?.kind}/${p.workload?.name}`));
      return { hold: new Map([['shop/web-2', 'shop/Deployment/web may lose no more pods now']]) };
    },
  });
  t.deepEqual(evict.tried, ['web-1']);
  t.deepEqual(seen[0], ['shop/web-1 of ReplicaSet/rs', 'shop/web-2 of ReplicaSet/rs']);
  t.deepEqual(seen[1], ['shop/web-2 of ReplicaSet/rs'], 'each pass asks again with the pods left on the node');
  t.is(outcome.result, 'blocked');
  t.regex(
    outcome.detail ?? '',
    /shop\/web-2 \(blocked by the blast radius: shop\/Deployment\/web may lose no more pods now; gave up/,
  );
  t.false(state.node.spec?.unschedulable);
});

test("a drained pod's workload comes from its controller reference alone: a ReplicaSet <name>-<pod-template-hash> is a Deployment's", (t) => {
  const withHash = pod('web-7d9f-x', {});
  withHash.metadata = {
    ...withHash.metadata,
    labels: { 'pod-template-hash': '7d9f' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', uid: 'rs', controller: true }],
  };
  t.deepEqual(workloadOf(withHash), { kind: 'Deployment', namespace: 'shop', name: 'web' });
  t.deepEqual(workloadOf(pod('db-0', { owner: 'StatefulSet' })), { kind: 'StatefulSet', namespace: 'shop', name: 'rs' });
  t.deepEqual(workloadOf(pod('plain', { owner: 'ReplicaSet' })), { kind: 'ReplicaSet', namespace: 'shop', name: 'rs' });
  t.deepEqual(workloadOf(pod('bare', { owner: 'none' })), { kind: 'Pod', namespace: 'shop', name: 'bare' });
  t.is(workloadOf(pod('job-1', { owner: 'Job' })), undefined);
});
