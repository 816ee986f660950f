// Issue 21: the hot state is bounded by construction. It is compacted on every
// write as the daemon wires it (boundedStateStore over the store), never grows
// past what the API server accepts, and never drops what a budget still needs.

import { readFileSync } from 'node:fs';
import test from 'ava';
import { createConfigMapStateStore } from '../../../src/adapters/kubernetes/configMapStateStore.ts';
import { available, budgetLeft, historySeconds } from '../../../src/domain/budget/budget.ts';
import { boundedStateStore } from '../../../src/domain/boundedStateStore.ts';
import type { StateStore } from '../../../src/domain/ports.ts';
import { createChaosRound } from '../../../src/domain/round/chaosRound.ts';
import type { SteadyStateGate } from '../../../src/domain/steadyState/steadyStateGate.ts';
import {
  compactState,
  emptyState,
  largestRecord,
  stateBytes,
  STATE_BOUNDS,
  worstCaseStateBytes,
  type HavocState,
  type KillRecord,
} from '../../../src/domain/state.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createFakeApiServer, silentLog } from '../adapters/kubernetes/fakeApiServer.ts';
import { fakeClock } from '../fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../fakes/fakeCluster.ts';
import { memoryStateStore } from '../fakes/memoryStateStore.ts';
import { roundDeps } from '../fakes/roundDeps.ts';
import { testSettings } from '../fakes/settings.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const DAY = 86_400_000;
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };

const kill = (at: Date, over: Partial<KillRecord> = {}): KillRecord => ({
  id: `${at.toISOString()}/shop/Deployment/web`,
  at: at.toISOString(),
  target: 'shop/Deployment/web',
  action: 'pod-evict',
  result: 'killed',
  dryRun: false,
  count: 1,
  ...over,
});

/** A memory store that refuses a state over 1 MiB with 422, as the API server refuses such a ConfigMap. */
function apiSizedStore(initial: HavocState = emptyState) {
  const store = memoryStateStore(initial);
  const refused: number[] = [];
  const update = store.update.bind(store);
  const sized: StateStore & { refused: number[]; inner: typeof store } = {
    refused,
    inner: store,
    load: () => store.load(),
    update: (change) =>
      update((s) => {
        const next = change(s);
        const bytes = stateBytes(next);
        if (bytes > 1_048_576) {
          refused.push(bytes);
          throw Object.assign(new Error(`ConfigMap "kube-havoc-state" is invalid: data: Too long: ${bytes} bytes`), {
            status: 422,
          });
        }
        return next;
      }),
  };
  return sized;
}

function daemonStore(store: StateStore, clock = fakeClock(FRIDAY), env: Record<string, string> = {}) {
  const settings = testSettings(env);
  return boundedStateStore({
    store,
    clock,
    compact: { keepSeconds: historySeconds(settings.minGapSeconds), minGapSeconds: settings.minGapSeconds },
  });
}

test('records 30 days old are gone from the stored state after a tick', async (t) => {
  const old = Array.from({ length: 50 }, (_, i) => kill(new Date(FRIDAY.getTime() - 30 * DAY + i * 60_000), { id: `old-${i}` }));
  const inner = memoryStateStore({ kills: old });
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, new Date(FRIDAY.getTime() - DAY))]);
  const { deps, clock } = roundDeps({ cluster });
  const round = createChaosRound({ ...deps, state: daemonStore(inner, clock) });
  await round.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
  await round.settle();
  t.is(inner.state.kills.filter((k) => k.id.startsWith('old-')).length, 0);
  t.is(inner.state.kills.length, 1, "only this tick's kill is left");
});

test('six months of kills with long verdicts and names: every reservation is written or refused by the budget, never by the API server', async (t) => {
  const store = apiSizedStore();
  const name = 'w'.repeat(253);
  const namespace = 'n'.repeat(63);
  const workloads = Array.from({ length: 12 }, (_, i) =>
    deployment(namespace, `${name.slice(0, 250)}-${i}`, 4, alwaysHit, new Date('2026-01-01T00:00:00Z')),
  );
  const cluster = fakeCluster(workloads);
  // Every verdict carries the owner's PromQL, unbounded: 20 KB of it.
  const longVerdict = { verdict: 'violated' as const, expr: 'x'.repeat(20_000), detail: `up == 1 ${'y'.repeat(20_000)}` };
  const gate: SteadyStateGate = {
    blocked: async () => undefined,
    beforeKill: async () => undefined,
    afterRecovery: async () => longVerdict,
    hypothesis: () => undefined,
    check: async () => undefined,
    blockers: async () => ({ firing: [], problem: undefined }) as never,
    retain: () => undefined,
    warned: () => 0,
  };
  const env = {
    HAVOC_SCHEDULE_WEEKDAYS: 'sun,mon,tue,wed,thu,fri,sat',
    HAVOC_SCHEDULE_START: '00:00',
    HAVOC_SCHEDULE_END: '24:00',
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '2',
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '10',
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '99',
    HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1m',
    HAVOC_SELECTION_MIN_POD_AGE: '1s',
  };
  const { deps, clock, events } = roundDeps({ cluster, env, steadyState: gate });
  const round = createChaosRound({ ...deps, state: daemonStore(store, clock, env) });
  const start = new Date('2026-06-01T00:00:00Z');
  let largest = 0;
  const every = 3 * 3_600_000;
  for (let at = start.getTime(); at < start.getTime() + 182 * DAY; at += every) {
    clock.set(new Date(at));
    await round.tick({ at: new Date(at), nextTick: new Date(at + every) });
    await round.settle();
    largest = Math.max(largest, stateBytes(store.inner.state));
  }
  t.deepEqual(store.refused, [], 'the API server never refused a write');
  t.deepEqual(
    events.of('error').map((e) => e.message),
    [],
  );
  const kills = events.of('kill').length;
  t.true(kills > 2500, `${kills} kills in six months`);
  t.true(largest <= STATE_BOUNDS.reserveBytes, `the stored state peaked at ${largest} bytes`);
  const reasons = new Set(events.of('skip').map((s) => s.reason));
  t.false(reasons.has('state-full'));
});

test('after the day budget is spent, 2,000 blocked attempts do not give it back', async (t) => {
  const api = createFakeApiServer();
  const adapter = createConfigMapStateStore({ configMapApi: api.configMaps, namespace: 'havoc', name: 'state', log: silentLog });
  const clock = fakeClock(FRIDAY);
  const store = daemonStore(adapter, clock, { HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1h' });
  const caps = testSettings().caps;
  for (let i = 0; i < caps.perDay; i++) {
    const at = new Date(FRIDAY.getTime() - 20 * 3_600_000 + i * 60_000);
    await store.update((s) => ({ ...s, kills: [...s.kills, kill(at, { id: `kill-${i}`, target: `shop/Deployment/web-${i}` })] }));
  }
  // A cluster full of single-replica workloads with minAvailable 1: every attempt is blocked and spends nothing.
  for (let i = 0; i < 2000; i++) {
    clock.set(new Date(FRIDAY.getTime() + i * 1000));
    const at = clock.now();
    const blocked = kill(at, { id: `blocked-${i}`, target: `shop/Deployment/single-${i % 300}`, result: 'blocked', count: 0 });
    await store.update((s) => ({ ...s, kills: [...s.kills, blocked] }));
  }
  const state = await adapter.load();
  const left = budgetLeft({ history: state.kills, now: clock.now(), caps, dryRun: false });
  t.is(left.day, 0, 'the day budget stays spent');
  t.is(available(left), 0);
  t.is(state.kills.filter((k) => k.result === 'blocked').length, 300, 'one attempt kept per target, for its gap');
});

test('compaction keeps what budgets, gaps and settlements need, and cuts free text', (t) => {
  const now = FRIDAY;
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const state: HavocState = {
    kills: [
      kill(ago(2 * DAY), { id: 'old-kill' }),
      kill(ago(3 * DAY), { id: 'old-reserved', result: 'reserved' }),
      kill(ago(DAY - 60_000), { id: 'day-kill', reason: 'r'.repeat(1000) }),
      kill(ago(7_200_000), { id: 'old-blocked', result: 'blocked', count: 0 }),
      kill(ago(600_000), {
        id: 'blocked-1',
        result: 'blocked',
        count: 0,
        victims: [{ namespace: 'shop', name: 'web-1', uid: 'u1' }],
      }),
      kill(ago(300_000), { id: 'blocked-2', result: 'blocked', count: 0 }),
      kill(ago(300_000), { id: 'dry-blocked', result: 'blocked', count: 0, dryRun: true }),
    ],
    paused: { reason: 'p'.repeat(1000), by: 'oncall', at: now.toISOString() },
  };
  const compact = compactState(state, now, { keepSeconds: 86_400, minGapSeconds: 3600 });
  t.deepEqual(
    compact.kills.map((k) => k.id),
    ['old-reserved', 'day-kill', 'blocked-2', 'dry-blocked'],
  );
  // 253 characters and the 3 bytes of the … that marks the cut.
  t.is(compact.kills.find((k) => k.id === 'day-kill')?.reason, `${'r'.repeat(253)}…`);
  t.is(compact.paused?.reason, `${'p'.repeat(253)}…`);
  t.is(compact.kills.find((k) => k.id === 'blocked-2')?.victims, undefined);
});

test('a state at its bound refuses new reservations (state-full) but still takes a settlement and the kill switch', async (t) => {
  const inner = memoryStateStore();
  const clock = fakeClock(FRIDAY);
  const store = daemonStore(inner, clock);
  // Attempts that spent nothing on many long-named targets: the one thing the config cannot bound.
  const target = (i: number) => `${'n'.repeat(63)}/Deployment/${String(i).padStart(253, 'w')}`;
  const filler = Array.from({ length: 2500 }, (_, i) =>
    kill(FRIDAY, { id: `b-${i}`, target: target(i), result: 'blocked', count: 0 }),
  );
  await store.update((s) => ({ ...s, kills: filler }), { maxBytes: STATE_BOUNDS.writeBytes }).catch(() => undefined);
  const tooBig = stateBytes({ kills: filler });
  t.true(tooBig > STATE_BOUNDS.writeBytes, `${tooBig} bytes`);
  t.deepEqual(inner.state.kills, [], 'a write past the bound is not sent');
  await store.update((s) => ({ ...s, kills: filler.slice(0, 1800) }));
  t.true(stateBytes(inner.state) > STATE_BOUNDS.reserveBytes);

  const cluster = fakeCluster([deployment('shop', 'checkout', 3, alwaysHit, new Date(FRIDAY.getTime() - DAY))]);
  const { deps, events } = roundDeps({ cluster, clock });
  await createChaosRound({ ...deps, state: store }).tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
  t.is(cluster.kills.length, 0, 'fail closed: no kill without a record');
  t.like(events.of('skip')[0], { reason: 'state-full' });
  await store.update((s) => ({ ...s, paused: { reason: 'incident', by: 'oncall', at: FRIDAY.toISOString() } }));
  t.is(inner.state.paused?.reason, 'incident', 'the kill switch is never forgotten');
});

test('the worst-case state at the caps the config allows fits its bound; caps beyond it are refused, naming the fields', (t) => {
  t.true(worstCaseStateBytes({ perTick: 1, perHour: 3, perDay: 10 }) < 64 * 1024, 'the defaults: under 64 KiB');
  const env = (perTick: number, perDay: number) => ({
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: String(perTick),
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: String(perDay),
    HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: String(perDay),
  });
  // The largest day caps at 1 and 3 kills per tick, as the config reference and docs/ARCHITECTURE.md state them.
  for (const [perTick, perDay] of [
    [1, 113],
    [3, 89],
    [10, 51],
  ] as const) {
    const config = loadConfig({ env: env(perTick, perDay) });
    const caps = { perTick, perHour: perDay, perDay };
    t.true(worstCaseStateBytes(caps) <= STATE_BOUNDS.killRecordBytes, `${perTick}/${perDay}`);
    t.is(config.blastRadius.maxKillsPerDay, perDay);
  }
  // docs/ARCHITECTURE.md, kubernetes-api.md and scale.md state the default worst case.
  const defaults = worstCaseStateBytes({ perTick: 1, perHour: 3, perDay: 10 }).toLocaleString('en-US');
  for (const doc of ['docs/ARCHITECTURE.md', 'docs/kubernetes-api.md', 'docs/scale.md'])
    t.true(readFileSync(doc, 'utf8').replace(/\s+/g, ' ').includes(`${defaults} bytes`), `${doc} says ${defaults} bytes`);
  t.throws(() => loadConfig({ env: env(1, 114) }), { message: /at most 113 a day fit/ });
  t.throws(() => loadConfig({ env: env(3, 90) }), { message: /at most 89 a day fit/ });
  t.throws(
    () => loadConfig({ env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '1000', HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '100' } }),
    {
      message:
        /blastRadius\.maxKillsPerDay: 1000 with maxKillsPerTick 1 can make the state \d+ bytes at worst.*\(at 1 per tick, at most 113 a day fit\)/,
    },
  );
});

test('the worst case holds whatever the characters: texts of control characters or emoji, a pause by a long name', (t) => {
  const caps = { perTick: 2, perHour: 20, perDay: 20 };
  // JSON writes a control character as \u0001 (6 bytes); an emoji is 4 bytes of UTF-8 for 2 UTF-16 units.
  const texts = ['\u0001'.repeat(5000), '😀'.repeat(5000), `a${'😀'.repeat(5000)}`, 'é'.repeat(5000)];
  // Records at their largest, the texts an owner's PromQL or a reason could hold, both modes.
  const kills = Array.from({ length: 2 * caps.perDay }, (_, i) => ({
    ...largestRecord({
      victims: caps.perTick,
      text: texts[i % texts.length] ?? '',
      at: new Date(FRIDAY.getTime() - i * 60_000).toISOString(),
    }),
    dryRun: i % 2 === 0,
  }));
  const long = '\u0001'.repeat(5000);
  const state: HavocState = {
    kills,
    paused: { reason: long, by: long, at: FRIDAY.toISOString(), announced: true },
    resumed: { by: long, at: FRIDAY.toISOString(), announced: true },
  };
  const compact = compactState(state, FRIDAY, { keepSeconds: 86_400, minGapSeconds: 3600 });
  t.is(compact.kills.length, kills.length, 'every record spent budget today');
  const bytes = stateBytes(compact);
  t.true(bytes <= worstCaseStateBytes(caps), `${bytes} bytes, worst case ${worstCaseStateBytes(caps)}`);
  const detail = compact.kills[1]?.recovery?.hypothesis?.detail ?? '';
  t.true(detail.endsWith('…') && !/[\uD800-\uDBFF]…$/.test(detail), 'cut between characters, the cut marked');
});
