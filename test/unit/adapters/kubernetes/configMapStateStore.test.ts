import test from 'ava';
import { createConfigMapStateStore, parseState, STATE_KEY } from '../../../../src/adapters/kubernetes/configMapStateStore.ts';
import { boundedStateStore } from '../../../../src/domain/boundedStateStore.ts';
import { readKillSwitch } from '../../../../src/domain/killSwitch.ts';
import type { KillRecord } from '../../../../src/domain/state.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { createFakeApiServer, silentLog, statusError } from './fakeApiServer.ts';

const record = (id: string, at = '2025-03-07T10:00:00.000Z'): KillRecord => ({
  id,
  at,
  target: 'shop/Deployment/web',
  action: 'pod-evict',
  result: 'killed',
  dryRun: false,
  count: 1,
});

function setup(maxAttempts?: number) {
  const api = createFakeApiServer();
  const store = createConfigMapStateStore({
    configMapApi: api.configMaps,
    namespace: 'havoc',
    name: 'kube-havoc-state',
    log: silentLog,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
  return { api, store };
}

test('a missing ConfigMap is the empty state; the first update creates it', async (t) => {
  const { api, store } = setup();
  t.deepEqual(await store.load(), { kills: [] });
  await store.update((s) => ({ ...s, kills: [...s.kills, record('k1')] }));
  const saved = api.configMapStore.peek('havoc', 'kube-havoc-state');
  t.like(saved?.metadata, { name: 'kube-havoc-state', labels: { 'app.kubernetes.io/name': 'kube-havoc' } });
  t.deepEqual(JSON.parse(saved?.data?.[STATE_KEY] ?? ''), { kills: [record('k1')] });
  t.deepEqual((await store.load()).kills, [record('k1')]);
});

test('a write that lost the race is re-applied to the newer state, not over it', async (t) => {
  const { api, store } = setup();
  await store.update((s) => ({ ...s, kills: [record('mine-1')] }));
  let calls = 0;
  const result = await store.update((s) => {
    calls += 1;
    // Another replica writes between our read and our write, once.
    if (calls === 1) {
      api.configMapStore.touch('havoc', 'kube-havoc-state', (cm) => ({
        ...cm,
        data: { [STATE_KEY]: JSON.stringify({ kills: [...s.kills, record('theirs')] }) },
      }));
    }
    return { ...s, kills: [...s.kills, record('mine-2')] };
  });
  t.is(calls, 2);
  t.deepEqual(
    result.kills.map((k) => k.id),
    ['mine-1', 'theirs', 'mine-2'],
  );
  t.deepEqual(
    (await store.load()).kills.map((k) => k.id),
    ['mine-1', 'theirs', 'mine-2'],
  );
});

test('two creators at once: the loser retries as an update', async (t) => {
  const { api, store } = setup();
  let first = true;
  await store.update((s) => {
    if (first) {
      first = false;
      void api.configMaps.createNamespacedConfigMap({
        namespace: 'havoc',
        body: { metadata: { name: 'kube-havoc-state' }, data: { [STATE_KEY]: JSON.stringify({ kills: [record('theirs')] }) } },
      });
    }
    return { ...s, kills: [...s.kills, record('mine')] };
  });
  t.deepEqual(
    (await store.load()).kills.map((k) => k.id),
    ['theirs', 'mine'],
  );
});

test('conflicts are retried a bounded number of times, then reported as a conflict', async (t) => {
  const { api, store } = setup();
  await store.update(() => ({ kills: [] }));
  let writes = 0;
  // Every read succeeds, every write conflicts: someone always got there first.
  const failing = createConfigMapStateStore({
    configMapApi: {
      ...api.configMaps,
      replaceNamespacedConfigMap: async () => {
        writes += 1;
        throw statusError(409, 'the object has been modified');
      },
    },
    namespace: 'havoc',
    name: 'kube-havoc-state',
    log: silentLog,
    maxAttempts: 3,
  });
  const error = await t.throwsAsync(failing.update((s) => s));
  t.like(error, { kind: 'conflict' });
  t.regex(error.message, /after 3 attempts/);
  t.is(writes, 3);
});

test('other API errors are domain errors with their kind, no retry', async (t) => {
  const { api, store } = setup();
  api.failNext(statusError(403, 'configmaps "kube-havoc-state" is forbidden'));
  const error = await t.throwsAsync(store.load());
  t.like(error, { kind: 'forbidden' });
  t.regex(error.message, /read state ConfigMap havoc\/kube-havoc-state: forbidden/);
});

test('the store drops no record (the domain bounds what it writes); a write over the ConfigMap limit is never sent', async (t) => {
  const { api, store } = setup();
  const many = Array.from({ length: 1200 }, (_, i) => record(`k${i}`));
  await store.update((s) => ({ ...s, kills: many }));
  t.is((await store.load()).kills.length, 1200, 'a cap here dropped records the budgets still counted');
  const before = api.configMapStore.peek('havoc', 'kube-havoc-state')?.metadata?.resourceVersion;
  const huge = { ...record('huge'), reason: 'x'.repeat(1_100_000) };
  const error = await t.throwsAsync(store.update((s) => ({ ...s, kills: [...s.kills, huge] })));
  t.regex(error.message, /bytes, over the ConfigMap limit; not sent/);
  t.is(api.configMapStore.peek('havoc', 'kube-havoc-state')?.metadata?.resourceVersion, before, 'nothing was written');
});

test('stored text that is not kube-havoc state fails loudly instead of resetting the budget', (t) => {
  t.deepEqual(parseState(undefined), { kills: [] });
  t.deepEqual(
    parseState('{"kills":[],"paused":{"reason":"incident","by":"sam","at":"2025-03-07T10:00:00Z"}}').paused?.reason,
    'incident',
  );
  t.throws(() => parseState('{not json'), { message: /is not JSON/ });
  t.throws(() => parseState('{"kills":{}}'), { message: /does not hold kube-havoc state/ });
  t.throws(() => parseState('{"kills":[],"paused":true}'), { message: /does not hold kube-havoc state/ });
});

test("the kill switch is read from the object's metadata alone while the state is unchanged; any change costs one full read", async (t) => {
  const { api, store } = setup();
  t.is(await store.killSwitch?.(), undefined, 'no ConfigMap yet: not paused');
  await store.update((s) => ({ ...s, kills: Array.from({ length: 300 }, (_, i) => record(`k${i}`)) }));
  const since = api.calls.length;
  for (let i = 0; i < 5; i += 1) t.is(await store.killSwitch?.(), undefined);
  t.deepEqual(api.calls.slice(since), Array(5).fill('get configmaps (metadata)'), 'its own write is known: no full read');
  // Someone else writes (the CLI on another machine pauses): the version moved, so the whole state is read once.
  const pause = { reason: 'incident', by: 'oncall', at: '2025-03-07T10:00:00.000Z' };
  api.configMapStore.touch('havoc', 'kube-havoc-state', (cm) => ({
    ...cm,
    data: { [STATE_KEY]: JSON.stringify({ ...JSON.parse(cm.data?.[STATE_KEY] ?? '{}'), paused: pause }) },
  }));
  t.deepEqual(await store.killSwitch?.(), pause);
  t.deepEqual(await store.killSwitch?.(), pause);
  t.deepEqual(api.calls.slice(since + 5), ['get configmaps (metadata)', 'get configmaps', 'get configmaps (metadata)']);
  // The kubectl kill switch is an annotation: also a new version.
  api.configMapStore.touch('havoc', 'kube-havoc-state', (cm) => ({ ...cm, data: { [STATE_KEY]: '{"kills":[]}' } }));
  api.configMapStore.touch('havoc', 'kube-havoc-state', (cm) => ({
    ...cm,
    metadata: { ...cm.metadata, annotations: { 'havoc/pause': 'kubectl says stop', 'havoc/paused-by': 'sam' } },
  }));
  t.like(await store.killSwitch?.(), { reason: 'kubectl says stop', by: 'sam', source: 'annotation' });
});

test('through the bounded store too: a kill-switch check never reads the whole state when nothing changed', async (t) => {
  const { api, store: inner } = setup();
  const store = boundedStateStore({ store: inner, clock: fakeClock(new Date('2025-03-07T10:00:00Z')) });
  await store.update((s) => ({ ...s, paused: { reason: 'drill', by: 'sam', at: '2025-03-07T10:00:00.000Z' } }));
  const since = api.calls.length;
  t.like(await readKillSwitch(store), { reason: 'drill' });
  t.deepEqual(api.calls.slice(since), ['get configmaps (metadata)']);
});

test('an update right after a read or a write sends only its PUT: the copy it starts from is the current version', async (t) => {
  const { api, store } = setup();
  await store.update((s) => ({ ...s, kills: [record('k1')] }));
  await store.load();
  api.calls.length = 0;
  await store.update((s) => ({ ...s, kills: [...s.kills, record('k2')] }));
  await store.update((s) => ({ ...s, kills: [...s.kills, record('k3')] }));
  t.deepEqual(api.calls, ['update configmaps', 'update configmaps'], 'reserve, settle, verdict: one request each');
  t.deepEqual(
    (await store.load()).kills.map((k) => k.id),
    ['k1', 'k2', 'k3'],
  );
  // Someone else writes (kubectl, the CLI, another replica): the PUT on the old copy conflicts, and the change is re-applied.
  api.configMapStore.touch('havoc', 'kube-havoc-state', (cm) => ({
    ...cm,
    data: { [STATE_KEY]: JSON.stringify({ kills: [record('k1'), record('theirs')] }) },
  }));
  api.calls.length = 0;
  await store.update((s) => ({ ...s, kills: [...s.kills, record('k4')] }));
  t.deepEqual(
    api.calls,
    ['update configmaps', 'get configmaps', 'update configmaps'],
    'the stale copy was refused by the server',
  );
  t.deepEqual(
    (await store.load()).kills.map((k) => k.id),
    ['k1', 'theirs', 'k4'],
  );
});

test('a change that refuses on the copy is judged again on a fresh read, and that verdict stands', async (t) => {
  const { api, store } = setup();
  await store.update((s) => ({ ...s, paused: { by: 'oncall', reason: 'incident', at: '2025-03-07T10:00:00.000Z' } }));
  // Resumed elsewhere since this store last wrote: its copy still says paused.
  api.configMapStore.touch('havoc', 'kube-havoc-state', (cm) => ({
    ...cm,
    data: { [STATE_KEY]: JSON.stringify({ kills: [] }) },
  }));
  const judged: boolean[] = [];
  const reserve = (s: Awaited<ReturnType<typeof store.load>>) => {
    judged.push(s.paused !== undefined);
    if (s.paused) throw new Error('paused');
    return { ...s, kills: [...s.kills, record('k1')] };
  };
  await store.update(reserve);
  t.deepEqual(judged, [true, false], 'refused on the stale copy, then allowed on the fresh read');
  t.deepEqual(
    (await store.load()).kills.map((k) => k.id),
    ['k1'],
  );
  // Paused for real: the fresh read refuses too, and the refusal reaches the caller; nothing is written.
  await store.update((s) => ({ ...s, paused: { by: 'oncall', reason: 'again', at: '2025-03-07T11:00:00.000Z' } }));
  judged.length = 0;
  const version = api.configMapStore.peek('havoc', 'kube-havoc-state')?.metadata?.resourceVersion;
  await t.throwsAsync(store.update(reserve), { message: 'paused' });
  t.deepEqual(judged, [true, true]);
  t.is(api.configMapStore.peek('havoc', 'kube-havoc-state')?.metadata?.resourceVersion, version);
});
