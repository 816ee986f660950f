import test from 'ava';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { createNodeDrainer, type NodeDrainApi } from '../../../../src/adapters/kubernetes/nodeDrainer.ts';
import { workloadOf } from '../../../../src/adapters/kubernetes/drainPlan.ts';
import type { KillOutcome, NodeInfo } from '../../../../src/domain/model.ts';
import type { PodKiller } from '../../../../src/domain/ports.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';

const NOW = new Date('2026-11-20T10:00:00Z');
const UNTIL = new Date('2026-11-20T10:10:00Z');
const BY = 'havoc/drained-by';
const UNTIL_KEY = 'havoc/drained-until';

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
    async listNode() {
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
        const ops = param.body as { op: string; path: string; value?: unknown }[];
        const test = ops.find((o) => o.op === 'test');
        if (test && node.metadata?.annotations?.[BY] !== test.value) throw Object.assign(new Error('test failed'), { code: 422 });
        const { [BY]: _a, [UNTIL_KEY]: _b, ...rest } = node.metadata?.annotations ?? {};
        const uncordon = ops.some((o) => o.op === 'replace' && o.path === '/spec/unschedulable');
        node = {
          ...node,
          metadata: { ...node.metadata, annotations: rest },
          spec: { ...node.spec, ...(uncordon ? { unschedulable: false } : {}) },
        };
      } else {
        const body = param.body as { metadata: { annotations: Record<string, string> }; spec: { unschedulable: boolean } };
        node = {
          ...node,
          metadata: { ...node.metadata, annotations: { ...node.metadata?.annotations, ...body.metadata.annotations } },
          spec: { ...node.spec, ...body.spec },
        };
      }
      return node;
    },
  } as unknown as NodeDrainApi;
  return { api, state, calls };
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

function drainer(api: NodeDrainApi, evict: PodKiller, over: { deleteEmptyDirData?: boolean; evictBarePods?: boolean } = {}) {
  return createNodeDrainer({
    api,
    evictor: evict,
    labelPrefix: 'havoc',
    drainTimeoutSeconds: 300,
    podEvictionTimeoutSeconds: 60,
    pollSeconds: 5,
    clock: fakeClock(NOW),
    deleteEmptyDirData: over.deleteEmptyDirData ?? false,
    evictBarePods: over.evictBarePods ?? false,
    self: { namespace: 'kube-havoc', podName: 'kube-havoc-0' },
    protectedNamespaces: new Set(['kube-system', 'kube-havoc']),
  });
}
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

test('stopping mid-drain leaves the mark, so the next daemon gives the node back', async (t) => {
  const { api, state } = fakeApi(v1node(), [pod('db-0')]);
  const stop = new AbortController();
  stop.abort();
  const outcome = await drainer(api, evictor(state, { 'db-0': 'disruption budget' })).drain(nodeInfo, {
    dryRun: false,
    until: UNTIL,
    signal: stop.signal,
  });
  t.is(outcome.result, 'failed');
  t.true(state.node.spec?.unschedulable);
  const restarted = drainer(api, evictor(state));
  t.deepEqual(
    (await restarted.giveBack(UNTIL, { dryRun: false })).map((r) => r.name),
    ['worker-1'],
  );
  t.false(state.node.spec?.unschedulable);
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
