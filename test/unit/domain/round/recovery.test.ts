// The recovery check follows the watch: it reads fresh only when the watched
// status says the workload looks back (or rarely, as a safety net), and a
// watched status that lags the kill never gives a verdict by itself.

import test from 'ava';
import type { Workload, WorkloadRef, WorkloadWithPods } from '../../../../src/domain/model.ts';
import type { Cluster } from '../../../../src/domain/ports.ts';
import { watchRecovery, type RecoveryWatch } from '../../../../src/domain/round/recovery.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { pod, rolloutDone } from '../../fakes/fakeCluster.ts';

const SINCE = new Date('2026-11-20T09:00:00Z');
const ref: WorkloadRef = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const base: Workload = { ref, uid: 'u', labels: {}, annotations: {}, desired: 3, ready: 3, rollout: rolloutDone(3) };

interface SplitCluster extends Cluster {
  watchedView: Workload | undefined;
  freshView: WorkloadWithPods | undefined;
  reads: number;
  /** The watch delivers a new status. */
  deliver(view: Workload | undefined): void;
}

/** A cluster whose watched and fresh views the test sets apart, counting fresh reads. */
function splitCluster(): SplitCluster {
  let waiters: (() => void)[] = [];
  const cluster: SplitCluster = {
    watchedView: { ...base },
    freshView: undefined,
    reads: 0,
    deliver(view) {
      cluster.watchedView = view;
      const wake = waiters;
      waiters = [];
      for (const resolve of wake) resolve();
    },
    snapshot: () => Promise.reject(new Error('not used')),
    namespace: () => Promise.reject(new Error('not used')),
    workload: async () => {
      cluster.reads += 1;
      return cluster.freshView;
    },
    watched: () => cluster.watchedView,
    zoneOf: () => undefined,
    changed: (_ref: WorkloadRef, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        waiters.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
  return cluster;
}

/** A clock whose timers never fire by themselves: only a watch event (or stopping) moves the check on. */
function stillClock(start: Date) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    monotonicMs: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true })),
  };
}

const withPods = (ready: number, uids: string[], extra: Partial<WorkloadWithPods> = {}): WorkloadWithPods => ({
  ...base,
  ready,
  pods: uids.map((uid) => ({ ...pod('shop', uid, SINCE), uid })),
  ...extra,
});

/** Watches `ref` recover from the kill of 'victim': steady probe, 300 s timeout, 5 s poll, unless a case says otherwise. */
const watch = (cluster: Cluster, clock: RecoveryWatch['clock'], over: Partial<RecoveryWatch> = {}) =>
  watchRecovery({
    cluster,
    clock,
    probe: { check: async () => ({ ok: true }) },
    workload: ref,
    victimUids: ['victim'],
    timeoutSeconds: 300,
    pollSeconds: 5,
    signal: new AbortController().signal,
    since: SINCE,
    ...over,
  });

test('a watched status that lags the kill does not decide: the fresh read does, then the watch events', async (t) => {
  const cluster = splitCluster();
  // The watch still says 3/3 (it has not seen the kill yet); the server knows better.
  cluster.freshView = withPods(2, ['a', 'b']);
  const clock = stillClock(SINCE);
  const verdict = watch(cluster, clock);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(cluster.reads, 1, 'one fresh read at the start');
  // The watch sees the pod go, and then the replacement starting: no reads while it says "not back".
  clock.advance(2000);
  cluster.deliver({ ...base, ready: 2 });
  await new Promise((resolve) => setImmediate(resolve));
  cluster.deliver({ ...base, ready: 2 });
  await new Promise((resolve) => setImmediate(resolve));
  t.is(cluster.reads, 1);
  // Back: the watch says 3/3, a fresh read confirms the victim is gone and all ready.
  clock.advance(6500);
  cluster.freshView = withPods(3, ['a', 'b', 'c']);
  cluster.deliver({ ...base, ready: 3 });
  t.deepEqual(await verdict, { recovered: true, seconds: 8.5 });
  t.is(cluster.reads, 2, 'no timer ran out: it followed the events, not a poll');
});

test('a victim still there keeps it from recovering even when every count is back', async (t) => {
  const cluster = splitCluster();
  cluster.freshView = withPods(3, ['victim', 'b', 'c']);
  const clock = fakeClock(SINCE);
  const verdict = await watch(cluster, clock, { timeoutSeconds: 180 });
  t.like(verdict, { recovered: false, detail: 'a killed pod is still there' });
  // With no watch event at all it re-reads only at the fallback interval (60 s): 0, 60, 120, 180.
  t.is(cluster.reads, 4);
});

test('what no watch sees is polled: a probe that fails is asked again every pollSeconds', async (t) => {
  const cluster = splitCluster();
  cluster.freshView = withPods(3, ['a', 'b', 'c']);
  let answers = 0;
  const probe = { check: async () => ({ ok: (answers += 1) >= 3, detail: '503' }) };
  const clock = fakeClock(SINCE);
  const verdict = await watch(cluster, clock, { probe, probeUrl: 'http://web/healthz', victimUids: [] });
  t.deepEqual(verdict, { recovered: true, seconds: 10 });
  t.is(answers, 3);
});

test('a workload that left the watch (gone, opted out) is read every pollSeconds until the timeout', async (t) => {
  const cluster = splitCluster();
  cluster.watchedView = undefined;
  cluster.freshView = undefined;
  const clock = fakeClock(SINCE);
  const verdict = await watch(cluster, clock, { timeoutSeconds: 20 });
  t.like(verdict, { recovered: false, seconds: 20, detail: 'workload is gone' });
  t.is(cluster.reads, 5);
});

test('stopping the daemon ends the wait at once with what was last seen', async (t) => {
  const cluster = splitCluster();
  cluster.freshView = withPods(2, ['a', 'b']);
  cluster.watchedView = { ...base, ready: 2 };
  const stop = new AbortController();
  const verdict = watch(cluster, stillClock(SINCE), { signal: stop.signal });
  await new Promise((resolve) => setImmediate(resolve));
  stop.abort();
  t.like(await verdict, { recovered: false, detail: 'daemon stopping; last seen: 2/3 replicas ready' });
});
