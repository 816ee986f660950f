// Issue 21, migration: a daemon upgraded over the state an older kube-havoc
// wrote (every record in the state ConfigMap, no history) reads it, moves its
// settled records into the durable history by day, and keeps the budget, the
// gaps, the old run's reservations and the kill switch. The old state comes
// from test/unit/fakes/oldState.ts, written in the old format's field names.

import test from 'ava';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { createConfigMapHistoryStore, dataBytes } from '../../../../src/adapters/kubernetes/configMapHistoryStore.ts';
import { createConfigMapStateStore, type ConfigMapApi } from '../../../../src/adapters/kubernetes/configMapStateStore.ts';
import { PAUSE_ANNOTATION } from '../../../../src/adapters/kubernetes/pauseAnnotation.ts';
import { budgetLeft, historySeconds, lastAttempt } from '../../../../src/domain/budget/budget.ts';
import { boundedStateStore } from '../../../../src/domain/boundedStateStore.ts';
import { entryKey, type HistoryEntry } from '../../../../src/domain/history/historyEntry.ts';
import type { HistoryStore } from '../../../../src/domain/history/historyStore.ts';
import { migratingStateStore, MOVE_RETRY_SECONDS, recordEntries } from '../../../../src/domain/history/migratingStateStore.ts';
import { resumeChaos } from '../../../../src/domain/killSwitch.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { STATE_BOUNDS, STATE_FORMAT, type HavocState, type KillRecord } from '../../../../src/domain/state.ts';
import { createFakeApiServer, silentLog, statusError } from '../../adapters/kubernetes/fakeApiServer.ts';
import { createFakeHistoryApi } from '../../adapters/kubernetes/fakeHistoryApi.ts';
import { fakeClock, type FakeClock } from '../../fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { memoryHistoryStore } from '../../fakes/memoryHistoryStore.ts';
import {
  oldBudgetRecords,
  oldDrainRecord,
  oldLongRecords,
  oldPodRecord,
  oldStateConfigMap,
  oldStateJson,
  type OldState,
} from '../../fakes/oldState.ts';
import { recorder, recordingLog } from '../../fakes/recordingListener.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';
import { testSettings } from '../../fakes/settings.ts';

const NOW = new Date('2026-11-20T09:00:00Z');
const NS = 'havoc';
const NAME = 'kube-havoc-state';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const utcDay = (t: Date) => t.toISOString().slice(0, 10);
const env = {
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '1',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '4',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '4',
  HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1h',
};
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };
const oncall = { reason: 'incident 4711', by: 'oncall', at: ago(HOUR).toISOString(), announced: true };

/** The old run's db reservation names a pod the fake cluster has, untouched. */
const budgetRecords = () => oldBudgetRecords(NOW, 'shop', { name: 'db-0', uid: 'uid-db-0' });

/** Weeks of old records (2 to 20 days back), and 3 from 40 days ago, past the history's 30-day retention. */
function pastRecords() {
  return [
    ...oldLongRecords({ now: NOW, count: 40, fromHoursAgo: 48, everyMinutes: 630, namespace: 'legacy', workloads: 8 }),
    ...oldLongRecords({ now: NOW, count: 3, fromHoursAgo: 40 * 24, everyMinutes: 60, namespace: 'ancient', workloads: 1 }),
    oldDrainRecord(ago(3 * DAY), 'worker-1', 'killed'),
    oldPodRecord({
      at: ago(4 * DAY),
      namespace: 'legacy',
      workload: 'batch',
      victims: [
        { name: 'batch-0', uid: 'uid-batch-0' },
        { name: 'batch-1', uid: 'uid-batch-1' },
      ],
      result: 'killed',
      count: 1,
    }),
    oldPodRecord({
      at: ago(5 * DAY),
      namespace: 'legacy',
      workload: 'batch',
      victims: [{ name: 'batch-2', uid: 'uid-batch-2' }],
      result: 'not-attempted',
      count: 1,
    }),
  ];
}

/** 900 old records with long texts from a day back, and the budget's: over 1,000,000 bytes of state. */
const nearMiB = () => [
  ...budgetRecords(),
  ...oldLongRecords({
    now: NOW,
    count: 900,
    fromHoursAgo: 25,
    everyMinutes: 30,
    namespace: 'storefront-production-eu',
    workloads: 60,
  }),
];

/**
 * The fake API server's ConfigMaps, refusing data over 1 MiB with 422 as the real one does; the next
 * `down.writes` state writes fail as if the API server were away (the process then dies, or goes on).
 */
function sizedConfigMaps(api: ConfigMapApi, refused: number[], down: { writes: number }): ConfigMapApi {
  const check = (body: V1ConfigMap) => {
    if (down.writes > 0) {
      down.writes -= 1;
      throw Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }
    const bytes = Object.entries(body.data ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes > 1_048_576) {
      refused.push(bytes);
      throw statusError(422, `ConfigMap "${NAME}" is invalid: []: Too long: must have at most 1048576 bytes`);
    }
  };
  return {
    readNamespacedConfigMap: (r) => api.readNamespacedConfigMap(r),
    createNamespacedConfigMap: (r) => (check(r.body), api.createNamespacedConfigMap(r)),
    replaceNamespacedConfigMap: (r) => (check(r.body), api.replaceNamespacedConfigMap(r)),
  };
}

/** The old daemon's ConfigMap in a fake API server, and the new daemon's store over it, wired as src/main.ts wires it. */
function upgrade(
  old: Omit<OldState, 'now'>,
  options: { history?: Pick<HistoryStore, 'appendAll'>; annotations?: Record<string, string>; clock?: FakeClock } = {},
) {
  const api = createFakeApiServer();
  const json = oldStateJson({ ...old, now: NOW });
  void api.configMapStore.create(NS, oldStateConfigMap(NS, NAME, json, options.annotations) as V1ConfigMap);
  const refused: number[] = [];
  const clock = options.clock ?? fakeClock(NOW);
  const settings = testSettings(env);
  const memory = memoryHistoryStore();
  const history = options.history ?? memory;
  const events = recorder();
  const log = recordingLog();
  const down = { writes: 0 };
  const daemon = (moveTo: Pick<HistoryStore, 'appendAll'> = history) =>
    migratingStateStore({
      store: boundedStateStore({
        store: createConfigMapStateStore({
          configMapApi: sizedConfigMaps(api.configMaps, refused, down),
          namespace: NS,
          name: NAME,
          log: silentLog,
          now: () => clock.now(),
        }),
        clock,
        compact: { keepSeconds: historySeconds(settings.minGapSeconds), minGapSeconds: settings.minGapSeconds },
      }),
      history: moveTo,
      clock,
      localDate: utcDay,
      retentionSeconds: 30 * 86_400,
      report: events.report,
      log,
    });
  const stored = () => JSON.parse(api.configMapStore.peek(NS, NAME)?.data?.['state.json'] ?? '{}') as HavocState;
  return { api, store: daemon(), daemon, clock, settings, memory, events, log, refused, json, stored, down };
}

/** The first write a new leader makes: its summary (settleLeftovers). */
const firstWrite = (store: { update: (c: (s: HavocState) => HavocState) => Promise<HavocState> }) =>
  store.update((s) => ({
    ...s,
    daemon: { by: 'havoc-new-0@now', since: NOW.toISOString(), dryRun: false, caps: testSettings(env).caps },
  }));

const entries = (memory: ReturnType<typeof memoryHistoryStore>) => [...memory.days.values()].flatMap((d) => [...d.values()]);

test('a settled record of an older daemon stands for one kill entry per victim and its verdict; a guess is never made', (t) => {
  const rows: [string, Record<string, unknown>, Partial<HistoryEntry>[]][] = [
    [
      'a kill with its verdict',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [{ name: 'web-1', uid: 'u1' }],
        result: 'killed',
        count: 1,
        recovery: { recovered: false, seconds: 300, hypothesis: { verdict: 'violated', detail: 'VIOLATED: up == 1' } },
      }),
      [
        {
          type: 'kill',
          at: NOW.toISOString(),
          result: 'killed',
          target: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u1', workloadKind: 'Deployment', workload: 'web' },
        },
        {
          type: 'recovery',
          at: new Date(NOW.getTime() + 300_000).toISOString(),
          recovered: false,
          seconds: 300,
          victims: 1,
          hypothesis: { verdict: 'violated', detail: 'VIOLATED: up == 1' },
        },
      ],
    ],
    [
      'a blocked eviction',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [{ name: 'web-1', uid: 'u1' }],
        result: 'blocked',
        count: 0,
      }),
      [{ type: 'kill', result: 'blocked' }],
    ],
    [
      'two victims and one result: which pod had it is not known',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [
          { name: 'web-1', uid: 'u1' },
          { name: 'web-2', uid: 'u2' },
        ],
        result: 'killed',
        count: 1,
      }),
      [
        {
          type: 'kill',
          result: 'unknown',
          detail:
            'recorded by an older kube-havoc as one attempt on 2 pods: killed, 1 disrupted; the outcome of each pod was not kept',
        },
        { type: 'kill', result: 'unknown' },
      ],
    ],
    [
      'a drain',
      oldDrainRecord(NOW, 'worker-1', 'killed'),
      [{ type: 'kill', action: 'node-drain', result: 'killed', target: { kind: 'Node', name: 'worker-1', uid: 'uid-worker-1' } }],
    ],
    [
      'an instant that is not a date',
      {
        ...oldPodRecord({
          at: NOW,
          namespace: 'shop',
          workload: 'web',
          victims: [{ name: 'web-1', uid: 'u1' }],
          result: 'killed',
          count: 1,
        }),
        at: 'yesterday',
      },
      [],
    ],
    [
      'a reservation nobody settled yet',
      oldPodRecord({ at: NOW, namespace: 'shop', workload: 'web', victims: [], result: 'reserved', count: 1 }),
      [],
    ],
    [
      'victims found untouched',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [{ name: 'web-1', uid: 'u1' }],
        result: 'not-attempted',
        count: 1,
      }),
      [],
    ],
  ];
  for (const [what, record, expected] of rows) {
    const got = recordEntries(record as unknown as KillRecord);
    t.is(got.length, expected.length, what);
    expected.forEach((e, i) => t.like(got[i], e, what));
  }
});

test('an upgraded daemon moves the old records into the history by day, and keeps budget, gaps and the kill switch', async (t) => {
  const { store, memory, stored, settings, json } = upgrade({ kills: [...budgetRecords(), ...pastRecords()], paused: oncall });
  const before = JSON.parse(json) as HavocState;
  const budget = (s: HavocState) => budgetLeft({ history: s.kills, now: NOW, caps: settings.caps, dryRun: false });
  t.deepEqual(budget(before), { tick: 1, hour: 2, day: 1 }, 'the old state: 2 of the hour and 3 of the day spent');

  await firstWrite(store);
  const after = stored();
  t.is(after.format, STATE_FORMAT);
  t.deepEqual(budget(after), budget(before), 'the budget spent today and this hour');
  for (const target of ['shop/Deployment/web', 'shop/Deployment/db', 'elsewhere/Deployment/gone'])
    t.deepEqual(lastAttempt(after.kills, target, false), lastAttempt(before.kills, target, false), `the gap of ${target}`);
  t.deepEqual(after.paused, oncall, 'the kill switch');
  t.deepEqual(
    after.kills.map((k) => `${k.target} ${k.result}`),
    ['shop/Deployment/web killed', 'elsewhere/Deployment/gone killed', 'shop/Deployment/db reserved'],
    'the hot state keeps the day and the reservation for the usual settlement; the rest is in the history',
  );

  const moved = entries(memory);
  const kills = moved.filter((e) => e.type === 'kill');
  // 40 long records (20 killed with a verdict, 20 blocked), the drain, 2 for the two-victim attempt, web and gone.
  t.is(kills.length, 40 + 1 + 2 + 2);
  t.is(moved.filter((e) => e.type === 'recovery').length, 20 + 1);
  t.false(
    moved.some((e) => e.target.kind === 'Pod' && e.target.namespace === 'ancient'),
    'days past the retention are not written',
  );
  t.false(
    moved.some((e) => e.target.name === 'db-0' || e.target.name === 'batch-2'),
    'no reservation, nothing not attempted',
  );
  for (const [day, held] of memory.days)
    t.true(
      [...held.values()].every((e) => utcDay(new Date(e.at)) === day),
      `day ${day} holds only its own entries`,
    );
  t.true(memory.days.size >= 10, `${memory.days.size} days`);
  t.is(memory.batches.length, memory.days.size, "one appendAll per day: the store writes a day's entries together");
});

test('an old state near the 1 MiB limit (900 records with long texts) is compacted by the first write, not refused', async (t) => {
  const kills = nearMiB();
  const { store, stored, refused, json, memory } = upgrade({ kills, paused: oncall });
  t.true(json.length > 1_000_000, `${json.length} bytes stored by the old daemon`);

  await firstWrite(store);
  t.deepEqual(refused, [], 'no write refused');
  const after = JSON.stringify(stored());
  t.true(after.length < 4096, `${after.length} bytes after the first write`);
  t.deepEqual(stored().paused, oncall);
  t.is(entries(memory).filter((e) => e.type === 'kill').length, 900 + 2);
  // And a reservation right after fits its lower ceiling.
  await store.update((s) => ({ ...s, kills: [...s.kills, { ...s.kills[0], id: 'new' } as KillRecord] }), {
    maxBytes: STATE_BOUNDS.reserveBytes,
  });
  t.is(stored().kills.length, 4);
});

test('the havoc/pause annotation of an old state ConfigMap holds through the move', async (t) => {
  const { api, store } = upgrade(
    { kills: pastRecords() },
    { annotations: { [PAUSE_ANNOTATION]: 'freeze', 'havoc/paused-by': 'sre' } },
  );
  await firstWrite(store);
  t.is(api.configMapStore.peek(NS, NAME)?.metadata?.annotations?.[PAUSE_ANNOTATION], 'freeze');
  t.like((await store.load()).paused, { reason: 'freeze', by: 'sre', source: 'annotation' });
});

test('a moved state is not moved again: a later daemon writes nothing old into the history', async (t) => {
  const appended: HistoryEntry[] = [];
  const history = { appendAll: async (e: readonly HistoryEntry[]) => void appended.push(...e) };
  const { store, daemon } = upgrade({ kills: [...budgetRecords(), ...pastRecords()] }, { history });
  await firstWrite(store);
  await firstWrite(store);
  const moved = appended.length;
  t.true(moved > 40);
  await firstWrite(daemon());
  t.is(appended.length, moved, 'the restarted daemon found the state marked');
});

/** A history whose first `failures` moves fail (its RBAC not there yet), then writes into `memory`. */
function flakyHistory(memory: ReturnType<typeof memoryHistoryStore>, failures: number) {
  const calls: (readonly HistoryEntry[])[] = [];
  return {
    calls,
    appendAll: async (batch: readonly HistoryEntry[]) => {
      calls.push(batch);
      if (calls.length <= failures) throw new Error('configmaps is forbidden');
      await memory.appendAll(batch);
    },
  };
}

/** The real history store over a fake API, with small parts so that a day takes several. */
function configMapHistory(partBytes: number) {
  const fake = createFakeHistoryApi();
  const make = () =>
    createConfigMapHistoryStore({
      configMapApi: fake.api,
      namespace: NS,
      localDate: utcDay,
      retentionSeconds: 30 * 86_400,
      clock: fakeClock(NOW),
      log: silentLog,
      retryDelayMs: 1,
      partBytes,
    });
  const objects = () => [...fake.objects.values()];
  const days = () => [...new Set(objects().map((cm) => cm.metadata?.labels?.['kube-havoc/history-day'] ?? ''))];
  const stored = () => objects().flatMap((cm) => Object.keys(cm.data ?? {}));
  return { fake, make, days, stored, objects };
}

/** The entry keys a move that works at once writes for this old state. */
async function keysMovedAtOnce(old: Omit<OldState, 'now'>): Promise<string[]> {
  const { store, memory } = upgrade(old);
  await firstWrite(store);
  return entries(memory).map(entryKey).sort();
}

const old = () => ({ kills: [...budgetRecords(), ...pastRecords()], paused: oncall });
const moveRetryMs = MOVE_RETRY_SECONDS * 1000;

test('a history that cannot be written holds nothing back: reported once, the state written unmarked with budget, pause and the old records', async (t) => {
  const history = flakyHistory(memoryHistoryStore(), Infinity);
  const { store, stored, events, settings, clock, json } = upgrade(old(), { history });
  await firstWrite(store);
  await firstWrite(store);
  t.is(history.calls.length, 1, 'not tried again before MOVE_RETRY_SECONDS');
  clock.advance(moveRetryMs);
  await firstWrite(store);
  t.is(history.calls.length, 2, 'tried again by the first write after it');
  t.deepEqual(
    events.of('error').map((e) => e.message),
    [
      'moving the records of an older kube-havoc into the history stopped after 0 of 66 entries: configmaps is forbidden; ' +
        `the rest stays in the state and is tried again at a write from ${MOVE_RETRY_SECONDS} s on`,
    ],
    'reported once',
  );
  const after = stored();
  t.is(after.format, undefined, 'not marked: the next daemon moves them too');
  t.deepEqual(after.paused, oncall);
  t.deepEqual(budgetLeft({ history: after.kills, now: clock.now(), caps: settings.caps, dryRun: false }), {
    tick: 1,
    hour: 2,
    day: 1,
  });
  // Every old record with an entry within the retention is kept as it was, and listed as still to move.
  const before = (JSON.parse(json) as HavocState).kills;
  const toMove = before.filter((k) => recordEntries(k).some((e) => e.at >= '2026-10-21'));
  t.is(toMove.length, 40 + 1 + 1 + 2);
  t.deepEqual([...(after.unmoved ?? [])].sort(), toMove.map((k) => k.id).sort());
  for (const k of toMove)
    t.deepEqual(
      after.kills.find((s) => s.id === k.id),
      k,
      k.id,
    );
  t.false(
    after.kills.some((k) => k.target.startsWith('ancient/')),
    'records past the retention are not kept: there is nothing to move',
  );
});

test('a history write that fails once, then works: every old record ends in the history exactly once, and the state is compacted', async (t) => {
  const expected = await keysMovedAtOnce(old());
  const history = configMapHistory(2_000);
  // The first day's first write fails its 3 tries: the move stops there.
  history.fake.failures.push(...[1, 2, 3].map(() => statusError(503, 'etcdserver: leader changed')));
  const { store, stored, events, clock, daemon } = upgrade(old(), { history: history.make() });
  await firstWrite(store);
  t.is(stored().format, undefined);
  t.deepEqual(history.stored(), [], 'nothing moved yet');
  t.is(events.of('error').length, 1);

  clock.advance(moveRetryMs);
  await firstWrite(store);
  t.is(stored().format, STATE_FORMAT, 'moved: marked');
  t.is(stored().unmoved, undefined);
  t.is(stored().kills.length, 3, 'and compacted as after a move that worked at once');
  t.true(
    history.objects().length > history.days().length,
    `${history.objects().length} objects for ${history.days().length} days`,
  );
  t.deepEqual(history.stored().sort(), expected, 'each entry stored once');
  t.deepEqual((await history.make().read(history.days())).map(entryKey).sort(), expected);

  await firstWrite(daemon(history.make()));
  t.deepEqual(history.stored().sort(), expected, 'a later daemon moves nothing');
});

test('a process that dies after the move and before the marker: the next one moves again, and each entry is read once across parts', async (t) => {
  const expected = await keysMovedAtOnce(old());
  const history = configMapHistory(4_000);
  const { store, stored, down, daemon } = upgrade(old(), { history: history.make() });
  down.writes = 1;
  await t.throwsAsync(firstWrite(store), { message: /unreachable|ECONNREFUSED|fetch failed/ });
  t.is(stored().format, undefined, 'the state is as the old daemon left it');
  t.deepEqual(history.stored().sort(), expected, 'moved once');

  // The next process (or leader) finds the state unmarked and moves everything again, into the newest parts.
  await firstWrite(daemon(history.make()));
  t.is(stored().format, STATE_FORMAT);
  const stored2 = history.stored();
  t.true(stored2.length > expected.length, `${stored2.length} keys stored for ${expected.length} entries`);
  t.deepEqual([...new Set(stored2)].sort(), expected);
  t.deepEqual((await history.make().read(history.days())).map(entryKey).sort(), expected, 'each entry read once');
});

test('records the new daemon writes while the move waits for a retry are not moved by it', async (t) => {
  const memory = memoryHistoryStore();
  const history = flakyHistory(memory, 1);
  const { store, daemon, stored } = upgrade(old(), { history });
  await firstWrite(store);
  // A kill of the new daemon, settled: the history listener writes its entry, with its own instant.
  const own = oldPodRecord({
    at: NOW,
    namespace: 'shop',
    workload: 'api',
    victims: [{ name: 'api-0', uid: 'uid-api-0' }],
    result: 'killed',
    count: 1,
    owner: 'havoc-new-0@now',
  }) as unknown as KillRecord;
  await store.update((s) => ({ ...s, kills: [...s.kills, own] }));
  t.false(stored().unmoved?.includes(own.id) ?? true);

  // A restarted daemon retries at its first write, moving only what the state lists.
  await firstWrite(daemon());
  t.is(stored().format, STATE_FORMAT);
  t.is(history.calls.length > 1, true);
  t.false(
    history.calls.flat().some((e) => e.target.uid === 'uid-api-0'),
    "the new daemon's own record is not moved as an old one",
  );
  t.true(entries(memory).length > 40);
});

test('an old state near 1 MiB while the history cannot be written: the bound comes first, and the loss is reported once', async (t) => {
  const kills = nearMiB();
  const memory = memoryHistoryStore();
  const history = flakyHistory(memory, 1);
  const { store, stored, refused, events, clock } = upgrade({ kills, paused: oncall }, { history });
  await firstWrite(store);
  await firstWrite(store);
  t.deepEqual(refused, [], 'no write refused');
  const after = stored();
  t.true(JSON.stringify(after).length < 4096, `${JSON.stringify(after).length} bytes after the first write`);
  t.is(after.format, undefined);
  t.deepEqual(after.paused, oncall);
  const web = after.kills.find((k) => k.target === 'shop/Deployment/web');
  const gone = after.kills.find((k) => k.target === 'elsewhere/Deployment/gone');
  t.deepEqual([...(after.unmoved ?? [])].sort(), [web?.id, gone?.id].sort(), 'what the budget keeps is still to move');
  t.deepEqual(
    events.of('error').map((e) => e.message.replace(/:.*/, '')),
    [
      'moving the records of an older kube-havoc into the history stopped after 0 of 1353 entries',
      '900 records of an older kube-havoc are not in the history',
    ],
  );

  clock.advance(moveRetryMs);
  await firstWrite(store);
  t.is(stored().format, STATE_FORMAT);
  t.deepEqual(
    entries(memory)
      .filter((e) => e.type === 'kill')
      .map((e) => e.target.name)
      .sort(),
    ['gone-0', 'web-old'],
  );
});

test("after the upgrade the old run's reservation is settled, nothing is killed while paused, and after resume the caps count the old kills", async (t) => {
  const clock = fakeClock(NOW);
  const { store, stored, memory } = upgrade({ kills: [...budgetRecords(), ...pastRecords()], paused: oncall }, { clock });
  const started = ago(DAY);
  const cluster = fakeCluster(['web', 'api', 'db'].map((name) => deployment('shop', name, 2, alwaysHit, started)));
  const { deps, events } = roundDeps({ cluster, clock, env, store });
  const round = createChaosRound({ ...deps, owner: 'havoc-new-0@now' });
  const tick = async () => {
    const at = clock.now();
    const summary = await round.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
    await round.settle();
    clock.advance(60_000);
    return summary.outcome;
  };

  t.deepEqual([await tick(), await tick()], ['paused', 'paused']);
  t.deepEqual(cluster.kills, [], 'nothing killed while paused');
  t.like(
    stored().kills.find((k) => k.target === 'shop/Deployment/db'),
    { result: 'not-attempted', count: 1 },
    'the old reservation settled as usual: its victim untouched, the budget still charged',
  );
  t.true(entries(memory).length > 40, 'the old kills are in the history');

  await resumeChaos({ store, by: 'oncall', now: clock.now() });
  const outcomes = [await tick(), await tick(), await tick()];
  t.deepEqual(
    cluster.kills.map((k) => k.pod.replace(/-\d+$/, '')),
    ['shop/api'],
    'one kill: the day cap of 4 counts the 3 old ones; web and db wait out their gap',
  );
  t.deepEqual(outcomes.slice(1), ['idle', 'idle']);
  t.is(events.of('tick').at(-1)?.budget?.day, 0);
});
