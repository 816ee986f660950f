// The kubectl-only kill switch: `kubectl annotate configmap <state> havoc/pause=... havoc/paused-by=...`
// is the same `paused` every reader of the state store sees, announced once, and removing it resumes.

import test from 'ava';
import { createConfigMapStateStore, STATE_KEY } from '../../../../src/adapters/kubernetes/configMapStateStore.ts';
import { ANNOTATION_RESUMER } from '../../../../src/adapters/kubernetes/pauseAnnotation.ts';
import { claimAnnouncement, pauseChaos, resumeChaos } from '../../../../src/domain/killSwitch.ts';
import { createFakeApiServer, silentLog } from './fakeApiServer.ts';

const NS = 'havoc';
const NAME = 'kube-havoc-state';

async function setup() {
  const api = createFakeApiServer();
  let clock = new Date('2026-03-06T10:00:00.000Z');
  const store = createConfigMapStateStore({
    configMapApi: api.configMaps,
    namespace: NS,
    name: NAME,
    log: silentLog,
    now: () => clock,
  });
  await store.update((s) => s); // the daemon creates the ConfigMap at start
  const annotate = (annotations: Record<string, string | undefined>, managedFields?: object[]) =>
    api.configMapStore.touch(NS, NAME, (cm) => {
      const next = { ...cm.metadata?.annotations, ...annotations };
      for (const [k, v] of Object.entries(annotations)) if (v === undefined) delete next[k];
      return { ...cm, metadata: { ...cm.metadata, annotations: next as Record<string, string>, managedFields } };
    });
  const stored = () => JSON.parse(api.configMapStore.peek(NS, NAME)?.data?.[STATE_KEY] ?? '{}');
  const annotations = () => api.configMapStore.peek(NS, NAME)?.metadata?.annotations ?? {};
  return { store, annotate, stored, annotations, tick: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
}

test('the annotation pauses with who and why; managedFields dates it; it is announced once', async (t) => {
  const { store, annotate } = await setup();
  annotate({ 'havoc/pause': ' incident 4711 ', 'havoc/paused-by': 'oncall-alice' }, [
    {
      manager: 'kubectl-annotate',
      operation: 'Update',
      time: new Date('2026-03-06T09:58:00Z'),
      fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:havoc/pause': {} } } },
    },
  ]);
  const seen = await store.load();
  t.deepEqual(seen.paused, { reason: 'incident 4711', by: 'oncall-alice', at: '2026-03-06T09:58:00.000Z', source: 'annotation' });
  const first = await claimAnnouncement(store, seen, new Date());
  t.like(first, { type: 'paused', by: 'oncall-alice', reason: 'incident 4711' });
  // A restart or another replica finds the claim taken: no second announcement.
  t.is(await claimAnnouncement(store, await store.load(), new Date()), undefined);
  t.is((await store.load()).paused?.announced, true);
});

test('without havoc/paused-by the manager is named; without managedFields the first sight dates it, stably', async (t) => {
  const { store, annotate, tick } = await setup();
  annotate({ 'havoc/pause': '' });
  const seen = await store.load();
  t.like(seen.paused, {
    reason: 'no reason given in havoc/pause',
    by: 'kubectl (no havoc/paused-by annotation)',
    at: '2026-03-06T10:00:00.000Z',
  });
  tick(5000);
  t.is((await store.load()).paused?.at, seen.paused?.at, 'the same pause keeps its date across reads');
  t.like(await claimAnnouncement(store, seen, new Date()), { type: 'paused' });
});

test('removing the annotation resumes, announced once; a new reason is a new pause', async (t) => {
  const { store, annotate } = await setup();
  annotate({ 'havoc/pause': 'deploy freeze', 'havoc/paused-by': 'bob' });
  await claimAnnouncement(store, await store.load(), new Date());
  annotate({ 'havoc/pause': 'incident 12' });
  const replaced = await store.load();
  t.like(replaced.paused, { reason: 'incident 12', by: 'bob' });
  t.is(replaced.paused?.announced, undefined);
  t.like(await claimAnnouncement(store, replaced, new Date()), { type: 'paused', reason: 'incident 12' });

  annotate({ 'havoc/pause': undefined, 'havoc/paused-by': undefined });
  const after = await store.load();
  t.is(after.paused, undefined);
  t.is(after.resumed?.by, ANNOTATION_RESUMER);
  t.like(await claimAnnouncement(store, after, new Date()), { type: 'resumed', by: ANNOTATION_RESUMER });
  t.is(await claimAnnouncement(store, await store.load(), new Date()), undefined);
});

test('`kube-havoc resume` lifts a kubectl pause (removes the annotations); a CLI pause replaces it', async (t) => {
  const { store, annotate, annotations, stored } = await setup();
  annotate({ 'havoc/pause': 'x', 'havoc/paused-by': 'bob', other: 'kept' });
  const resume = await resumeChaos({ store, by: 'carol', now: new Date() });
  t.like(resume.previous, { reason: 'x', by: 'bob' });
  t.deepEqual(annotations(), { other: 'kept' });
  t.is((await store.load()).paused, undefined);

  annotate({ 'havoc/pause': 'y' });
  await pauseChaos({ store, by: 'carol', reason: 'cli says', now: new Date() });
  t.deepEqual(annotations(), { other: 'kept' });
  t.like((await store.load()).paused, { reason: 'cli says', by: 'carol' });
  t.is(stored().paused.source, undefined);
});
